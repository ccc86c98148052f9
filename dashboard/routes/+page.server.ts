// Home (until the scorecard lands): organizations and their services with event counts, from metrics/.
import type { PageServerLoad } from './$types';
import { getRuntime } from '$lib/server/runtime';
import { loadInventory } from '../../metrics/inventory.ts';

export const load: PageServerLoad = async () => {
  const { warehouse } = await getRuntime();
  const organizations = await loadInventory(warehouse);
  return { organizations, warehouse: { kind: warehouse.kind } };
};
