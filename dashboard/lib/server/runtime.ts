// The running process's shared state: validated configuration, the one open Warehouse, the metrics service and the
// rate limits (access/rate-limit.ts), each created once.
// `jalon serve` sets it before mounting the built app; the app's bundled copy of this module finds the same
// object through a global symbol. Under `vite dev` it opens the warehouse itself on first use.
import { loadConfig, type Config } from '../../../config/config.ts';
import { createMetricsService, openMetricsService, type MetricsService } from '../../../metrics/service.ts';

type Warehouse = MetricsService['warehouse'];
import { createGuards, type Guards } from '../../../access/rate-limit.ts';
import { PageCache } from './page-cache.ts';

export interface Runtime {
  config: Config;
  warehouse: Warehouse;
  /** The process's one metrics service (metrics/service.ts): every figure the app shows comes from it. */
  metrics: MetricsService;
  /** Rate limits per client address and producer token, for every request of the process. */
  guards: Guards;
  /** Rendered pages kept per caller and data version (page-cache.ts); absent under `vite dev`. */
  pages?: PageCache;
  /** The key `jalon users` / `jalon tokens` present to the admin API while this server holds the folder (null: none). */
  operatorKey?: string | null;
}

function guardsFor(config: Config): Guards {
  return createGuards({ requestsPerMinute: config.http.requestsPerMinute, pushesPerMinute: config.http.pushesPerMinute, signInsPerMinute: config.auth.attemptsPerMinute });
}

const KEY = Symbol.for('jalon.runtime');
type Holder = { [KEY]?: Promise<Runtime> };

/** `metrics` is the process's service when the caller already made one (serve: shared with the jobs). */
export function setRuntime(runtime: Omit<Runtime, 'metrics' | 'guards'> & { metrics?: MetricsService; guards?: Guards }): Runtime {
  const full: Runtime = {
    ...runtime,
    metrics: runtime.metrics ?? createMetricsService(runtime.warehouse, runtime.config),
    guards: runtime.guards ?? guardsFor(runtime.config),
    pages: runtime.pages ?? new PageCache(runtime.config.pageCacheBytes)
  };
  (globalThis as Holder)[KEY] = Promise.resolve(full);
  return full;
}

export function getRuntime(): Promise<Runtime> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    holder[KEY] = (async () => {
      const config = loadConfig();
      const metrics = await openMetricsService(config, 'jalon dev server');
      return { config, warehouse: metrics.warehouse, metrics, guards: guardsFor(config) };
    })();
  }
  return holder[KEY];
}
