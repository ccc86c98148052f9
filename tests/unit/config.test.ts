// Configuration is read once and validated; every problem is listed at once, naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, openBeyondLoopback, withOpenDemo, withPort } from '../../config/config.ts';
import { cookieOptions } from '../../dashboard/lib/server/auth-http.ts';

describe('loadConfig', () => {
  it('defaults to the embedded warehouse in ./data and port 3000', () => {
    const c = loadConfig({}, '/srv/jalon');
    expect(c.warehouse).toEqual({ kind: 'embedded', dataDir: '/srv/jalon/data', database: 'jalon', threadNice: 10 });
    expect(loadConfig({ JALON_ENGINE_NICE: '0' }, '/srv/jalon').warehouse).toMatchObject({ threadNice: 0 });
    expect(() => loadConfig({ JALON_ENGINE_NICE: '-5' })).toThrow(/JALON_ENGINE_NICE/u);
    expect(c.http.port).toBe(3000);
    expect(c.http.publicUrl).toBe('http://localhost:3000');
    expect(c.smallCountThreshold).toBe(10);
    expect(c.digitalChannels).toEqual(['web', 'mobile']);
  });

  it('chooses the server adapter from CLICKHOUSE_URL, with credentials from variables or the URL', () => {
    const c = loadConfig({ CLICKHOUSE_URL: 'http://ana:s3cret@ch.internal:8123', CLICKHOUSE_DATABASE: 'jalon_prod' });
    expect(c.warehouse).toMatchObject({ kind: 'server', url: 'http://ch.internal:8123', username: 'ana', password: 's3cret', database: 'jalon_prod' });
    const d = loadConfig({ CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_USER: 'jalon', CLICKHOUSE_PASSWORD: 'pw' });
    expect(d.warehouse).toMatchObject({ kind: 'server', username: 'jalon', password: 'pw', database: 'jalon' });
  });

  it('lists every bad value at once, each naming its variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: '99999', CLICKHOUSE_URL: 'tcp://x:9000', CLICKHOUSE_DATABASE: 'bad-name', JALON_DIGITAL_CHANNELS: 'web,telepathy', JALON_PSEUDONYM_KEY: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE', 'JALON_DIGITAL_CHANNELS', 'JALON_PSEUDONYM_KEY']) expect(problems).toContain(name);
    expect((err as ConfigError).problems).toHaveLength(5);
  });

  it('reads the cluster settings with CLICKHOUSE_URL, and names each bad one', () => {
    const c = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'gov', CLICKHOUSE_CLUSTER_DDL: 'on_cluster', CLICKHOUSE_REPLICATED: 'true' });
    expect(c.warehouse).toMatchObject({ kind: 'server', cluster: 'gov', clusterDdl: 'on_cluster', replicated: true });
    expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123' }).warehouse).toMatchObject({ cluster: null, clusterDdl: 'per_node', replicated: false });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        return [...(e as ConfigError).problems];
      }
    };
    expect(problems({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'gov', CLICKHOUSE_CLUSTER_DDL: 'keeper' })).toEqual([expect.stringContaining('CLICKHOUSE_CLUSTER_DDL="keeper"')]);
    expect(problems({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_REPLICATED: 'yes' })).toEqual([
      expect.stringContaining('CLICKHOUSE_REPLICATED="yes"'), expect.stringContaining('need CLICKHOUSE_CLUSTER')
    ]);
    expect(problems({ CLICKHOUSE_CLUSTER: 'gov' })).toEqual([expect.stringContaining('needs CLICKHOUSE_URL')]);
  });

  it('replaces the port in the public URL for --port', () => {
    expect(withPort(loadConfig({}), 8080).http.publicUrl).toBe('http://localhost:8080');
  });

  it('is closed by default: sign-in required; the open demo only when asked, and never beyond loopback (issue 11)', () => {
    const c = loadConfig({});
    expect(c.auth.required).toBe(true);
    expect(c.metrics.answerCacheBytes).toBe(256 * 1024 * 1024);
    expect(withOpenDemo(c).auth.required).toBe(false); // `jalon start`
    expect(withOpenDemo(loadConfig({ JALON_AUTH_REQUIRED: 'true' })).auth.required).toBe(true);
    expect(openBeyondLoopback(withOpenDemo(c))).toBeNull();
    const line = openBeyondLoopback(withOpenDemo(loadConfig({ HOST: '0.0.0.0' })));
    expect(line).toContain('HOST=0.0.0.0');
    expect(line?.split('\n')).toHaveLength(1);
    expect(openBeyondLoopback(loadConfig({ HOST: '0.0.0.0' }))).toBeNull(); // sign-in required: any address
    expect(() => loadConfig({ JALON_TRUSTED_PROXIES: '10.0.0.1,proxy.local' })).toThrow(/JALON_TRUSTED_PROXIES/u);
  });

  it('makes cookies Secure whenever the public URL is https', () => {
    expect(cookieOptions(loadConfig({ JALON_PUBLIC_URL: 'https://jalon.example.org' })).secure).toBe(true);
    expect(cookieOptions(loadConfig({})).secure).toBe(false);
  });
});
