// SvelteKit configuration: the app lives under dashboard/ (DESIGN §4) and is built with adapter-node,
// then mounted by `jalon serve` next to the API and the jobs (see dashboard/serve.ts).
import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter({ out: 'build', precompress: true }),
    files: {
      routes: 'dashboard/routes',
      appTemplate: 'dashboard/app.html',
      lib: 'dashboard/lib',
      hooks: { server: 'dashboard/hooks.server', client: 'dashboard/hooks.client', universal: 'dashboard/hooks' },
      assets: 'dashboard/static',
      params: 'dashboard/params',
      errorTemplate: 'dashboard/error.html',
      serviceWorker: 'dashboard/service-worker'
    },
    alias: {
      $warehouse: 'warehouse',
      $metrics: 'metrics',
      $config: 'config',
      $ingest: 'ingest',
      $jobs: 'jobs'
    },
    // Content-Security-Policy for pages; SvelteKit adds the hashes of its own inline scripts (issue 6). Hashes, not
    // nonces: a rendered page is kept and served again (dashboard/lib/server/page-cache.ts), and a nonce served twice
    // is no nonce.
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none']
      }
    }
  }
};
