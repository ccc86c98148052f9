// The running process's shared state: validated configuration and the one open Warehouse.
// `jalon serve` sets it before mounting the built app; the app's bundled copy of this module finds the same
// object through a global symbol. Under `vite dev` it opens the warehouse itself on first use.
import { loadConfig, type Config } from '../../../config/config.ts';
import type { Warehouse } from '../../../warehouse/warehouse.ts';
import { openWarehouse } from '../../../warehouse/open-warehouse.ts';

export interface Runtime {
  config: Config;
  warehouse: Warehouse;
}

const KEY = Symbol.for('jalon.runtime');
type Holder = { [KEY]?: Promise<Runtime> };

export function setRuntime(runtime: Runtime): void {
  (globalThis as Holder)[KEY] = Promise.resolve(runtime);
}

export function getRuntime(): Promise<Runtime> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    holder[KEY] = (async () => {
      const config = loadConfig();
      const warehouse = await openWarehouse(config.warehouse, { holder: 'jalon dev server' });
      return { config, warehouse };
    })();
  }
  return holder[KEY];
}
