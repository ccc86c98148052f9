// `jalon alerts evaluate --json` as an operator runs it: twice on the same data it fires the same alerts once (the
// second run fires nothing new and resolves nothing); with a running `jalon serve` holding the embedded folder, the
// same command goes through the server's API (local administrator token) and agrees; `alerts list --json` too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJalon, startJalon } from '../support/cli.ts';
import { OPERATOR_FILE } from '../../access/operator-key.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-alerts-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Evaluation {
  fired: { rule_id: string; scope: string; value: number | null }[];
  resolved: unknown[];
  open: number;
  errors: unknown[];
}

// Ten completions an hour ago, 2 on the web (take-up 0.2), and one line that cannot be read (1 rejected of 11).
const at = new Date(Date.now() - 3_600_000).toISOString();
const lines = Array.from({ length: 10 }, (_, k) =>
  JSON.stringify({ event_id: `e${k}`, occurred_at: at, org: 'RAMQ', service: 'RAMQ-CARTE', channel: k < 2 ? 'web' : 'counter', journey_id: `j${k}`, type: 'completed', outcome: 'success' })
);
lines.push('{"event_id": "bad", "occurred_at": "hier", "org": "RAMQ"');
const events = path.join(dir, 'events.ndjson');
fs.writeFileSync(events, lines.join('\n') + '\n');
const rules = path.join(dir, 'alerts.json');
fs.writeFileSync(
  rules,
  JSON.stringify({
    rules: [
      { id: 'take-up', type: 'threshold', metric: 'digital_take_up', org: 'RAMQ', grain: 'month', below: 0.5, notify: [] },
      { id: 'rejects', type: 'ingest', org: 'RAMQ', max_rejected_share: 0.05, notify: [] }
    ]
  })
);
const env = { JALON_DATA_DIR: path.join(dir, 'data'), JALON_ALERTS_FILE: rules };

describe('jalon alerts', () => {
  it('evaluate --json run twice on the same data fires the same alerts once', async () => {
    const ingest = await runJalon(['ingest', 'events', events, '--org', 'RAMQ', '--json'], env);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ read: 11, inserted: 10, rejected: 1 });

    const first = await runJalon(['alerts', 'evaluate', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as Evaluation;
    expect(a.fired.map((f) => [f.rule_id, f.scope]).sort()).toEqual([['rejects', 'RAMQ/events'], ['take-up', 'RAMQ']]);
    expect(a.fired.find((f) => f.rule_id === 'take-up')?.value).toBe(0.2);
    expect(a.fired.find((f) => f.rule_id === 'rejects')?.value).toBeCloseTo(1 / 11, 12);
    expect(a.open).toBe(2);

    const second = await runJalon(['alerts', 'evaluate', '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ fired: [], resolved: [], open: 2, errors: [] });

    const text = await runJalon(['alerts', 'list'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^open\s+\d{4}-\d{2}-\d{2} .*take-up\s+RAMQ\s+RAMQ : Adoption du numérique à 20\s%/mu);
  }, 180_000);

  it('with a running serve holding the folder, evaluate and list go through its API and agree', async () => {
    const server = await startJalon(['serve', '--port', '0'], env);
    try {
      const token = path.join(env.JALON_DATA_DIR, OPERATOR_FILE);
      expect(fs.existsSync(token)).toBe(true);
      expect(fs.statSync(token).mode & 0o777).toBe(0o600);
      const evaluated = await runJalon(['alerts', 'evaluate', '--json'], env);
      expect(evaluated.code, evaluated.stderr).toBe(0);
      expect(JSON.parse(evaluated.stdout)).toMatchObject({ fired: [], resolved: [], open: 2, errors: [] });
      const listed = await runJalon(['alerts', 'list', '--json'], env);
      expect(listed.code, listed.stderr).toBe(0);
      const list = JSON.parse(listed.stdout) as { alerts: { rule_id: string; state: string }[] };
      expect(list.alerts.map((x) => `${x.rule_id}:${x.state}`).sort()).toEqual(['rejects:open', 'take-up:open']);
      // Without the operator key, the API refuses: a wrong key is no one, and an anonymous caller is asked to sign in
      // (closed by default: anonymous visitors never act as administrators).
      const refused = await fetch(`${server.url}/api/v1/alerts/evaluate`, { method: 'POST', headers: { authorization: 'Bearer wrong-operator-key', origin: server.url } });
      expect(refused.status).toBe(401);
      // A command that does not go through the API still says who holds the folder, in one line.
      const locked = await runJalon(['jobs', 'list'], env);
      expect(locked.code).toBe(1);
      expect(locked.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(path.join(env.JALON_DATA_DIR, OPERATOR_FILE))).toBe(false);
  }, 240_000);
});
