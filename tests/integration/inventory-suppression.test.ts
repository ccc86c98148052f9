// The organizations list (metrics/inventory.ts) withholds event counts under the small-count threshold, so the
// public and other callers without `seesSmallCounts` never read them; organization totals leave them out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { loadInventory } from '../../metrics/inventory.ts';
import { seedAccessData } from '../support/access-fixtures.ts';

describe('inventory small-count suppression', () => {
  let dir: string;
  let wh: EmbeddedWarehouse;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-inventory-'));
    wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
    await migrate(wh);
    await seedAccessData(wh); // 1,000 events per organization, one service each
    await wh.insert('services', [{ org: 'OTH', code: 'oth-rare', name_fr: 'Rare', name_en: 'Rare', launched_on: '2020-01-01', baseline_minutes: {}, unit_cost_cad: {} }]);
    await wh.insert('service_events', [1, 2, 3].map((k) => ({ org: 'OTH', service: 'oth-rare', occurred_at: '2024-03-01T12:00:00Z', event_id: `r${k}`, journey_id: `r${k}`, type: 'started', outcome: '', channel: 'web' })));
  }, 120_000);

  afterAll(async () => {
    await wh?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows every count without a threshold (callers who see small counts)', async () => {
    const oth = (await loadInventory(wh, { orgs: null })).find((o) => o.code === 'OTH');
    expect(oth?.services.find((s) => s.code === 'oth-rare')?.events).toBe(3);
    expect(oth?.events).toBe(1003);
  });

  it('suppresses counts under the threshold and leaves them out of the total', async () => {
    const inv = await loadInventory(wh, { orgs: null, threshold: 10 });
    const oth = inv.find((o) => o.code === 'OTH');
    expect(oth?.services.find((s) => s.code === 'oth-rare')?.events).toBeNull();
    expect(oth?.services.find((s) => s.code === 'oth-permis')?.events).toBe(1000);
    expect(oth?.events).toBe(1000);
  });

  it('keeps the scope: a scoped list has only its organizations', async () => {
    expect((await loadInventory(wh, { orgs: ['AG1', 'MIN'], threshold: 10 })).map((o) => o.code).sort()).toEqual(['AG1', 'MIN']);
  });
});
