// The running process's shared state: validated configuration and the one open Warehouse.
// `jalon serve` sets it before mounting the built app; the app's bundled copy of this module finds the same
// object through a global symbol. Under `vite dev` it opens the warehouse itself on first use.
import { loadConfig, type Config } from '../../../config/config.ts';
import { createMetricsService, openMetricsService, type MetricsService } from '../../../metrics/service.ts';

type Warehouse = MetricsService['warehouse'];

export interface Runtime {
  config: Config;
  warehouse: Warehouse;
  /** The process's one metrics service (metrics/service.ts): every figure the app shows comes from it. */
  metrics: MetricsService;
}

const KEY = Symbol.for('jalon.runtime');
type Holder = { [KEY]?: Promise<Runtime> };

/** `metrics` is the process's service when the caller already made one (serve: shared with the jobs). */
export function setRuntime(runtime: Omit<Runtime, 'metrics'> & { metrics?: MetricsService }): Runtime {
  const full: Runtime = { ...runtime, metrics: runtime.metrics ?? createMetricsService(runtime.warehouse, runtime.config) };
  (globalThis as Holder)[KEY] = Promise.resolve(full);
  return full;
}

export function getRuntime(): Promise<Runtime> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    holder[KEY] = (async () => {
      const config = loadConfig();
      const metrics = await openMetricsService(config, 'jalon dev server');
      return { config, warehouse: metrics.warehouse, metrics };
    })();
  }
  return holder[KEY];
}
