// Vite builds the SvelteKit dashboard; chdb is native and must never be bundled (it is imported
// lazily by the embedded adapter, see warehouse/embedded.ts and shared notes on worker threads).
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  ssr: { external: ['chdb', '@clickhouse/client', 'apache-arrow', 'node-cron'] }
});
