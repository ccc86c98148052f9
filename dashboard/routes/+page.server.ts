// Home (until the scorecard lands): organizations and their services with event counts, from metrics/.
import type { PageServerLoad } from './$types';
import { getRuntime } from '$lib/server/runtime';
import { loadInventory } from '../../metrics/inventory.ts';
import { allowedOrgs } from '../../access/caller.ts';

export const load: PageServerLoad = async ({ locals }) => {
  const { warehouse } = await getRuntime();
  const organizations = await loadInventory(warehouse, { orgs: allowedOrgs(locals.caller) });
  return { organizations, warehouse: { kind: warehouse.kind } };
};
