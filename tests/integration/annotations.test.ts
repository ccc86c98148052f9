// Annotations through the engine (metrics/annotations.ts) on a real ClickHouse server: created, edited, moved and
// deleted by a service owner of the organization (each write audited, refusals too), refused to other organizations
// and to read-only roles; the ingest kind `annotations` stores rows the pages read, a row sent again is a duplicate,
// and sending a deleted one again restores it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { resolveInputs, runIngest } from '../../ingest/run-ingest.ts';
import { createMetricsService, type MetricsService } from '../../metrics/service.ts';
import type { Caller } from '../../access/caller.ts';

const OWNER: Caller = { role: 'service_owner', orgs: ['RAMQ'], id: 'owner-ramq' };
const OTHER: Caller = { role: 'service_owner', orgs: ['SAAQ'], id: 'owner-saaq' };
const EXEC: Caller = { role: 'executive', orgs: [], id: 'exec' };

let t: TestWarehouse;
let m: MetricsService;
let dir: string;

beforeAll(async () => {
  t = await serverTestWarehouse(inject('clickhouseUrl'));
  await migrate(t.wh);
  await t.wh.insert('organizations', [{ code: 'RAMQ', name_fr: 'RAMQ', name_en: 'RAMQ' }, { code: 'SAAQ', name_fr: 'SAAQ', name_en: 'SAAQ' }]);
  await t.wh.insert('services', [
    { org: 'RAMQ', code: 'RAMQ-CARTE', name_fr: 'Carte', name_en: 'Card', launched_on: '2018-01-01', steps: [] },
    { org: 'SAAQ', code: 'SAAQ-PERMIS', name_fr: 'Permis', name_en: 'Licence', launched_on: '2018-01-01', steps: [] }
  ]);
  m = createMetricsService(t.wh, { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-annotations-'));
});

afterAll(async () => {
  await t?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const list = (caller: Caller = OWNER) => m.annotations(caller, { org: 'RAMQ', service: 'RAMQ-CARTE', from: '2018-04-01', to: '2030-01-01' });
const audit = async () =>
  (await t.wh.query<{ actor: string; target: string; ok: boolean | number; detail: string }>("SELECT actor, target, ok, detail FROM audit_log WHERE action = 'annotation' ORDER BY at, detail"))
    .map((r) => ({ actor: r.actor, target: r.target, ok: Boolean(Number(r.ok)), op: (JSON.parse(r.detail) as { op: string }).op }));

describe('annotations', () => {
  it('are created, edited, moved and deleted by the organization, each write audited; others are refused', async () => {
    const a = await m.createAnnotation(OWNER, { service: 'RAMQ-CARTE', date: '2023-02-15', kind: 'release', text_fr: 'Version 2', text_en: 'Release 2' });
    // Stored on its Toronto day, whatever the time zone of the server.
    expect(a).toMatchObject({ org: 'RAMQ', service: 'RAMQ-CARTE', day: '2023-02-15', kind: 'release', author: 'owner-ramq' });
    expect(await list()).toEqual([a]);
    // Everyone who may read the organization reads it; the executive may not write.
    expect((await list(EXEC)).map((x) => x.id)).toEqual([a.id]);
    await expect(m.createAnnotation(EXEC, { service: 'RAMQ-CARTE', date: '2023-03-01', kind: 'note', text_fr: 'x' })).rejects.toThrow(/read-only/u);
    await expect(m.createAnnotation(OTHER, { service: 'RAMQ-CARTE', date: '2023-03-01', kind: 'note', text_fr: 'x' })).rejects.toThrow(/RAMQ/u);
    await expect(m.annotations(OTHER, { org: 'RAMQ', from: '2018-04-01', to: '2030-01-01' })).rejects.toThrow(/RAMQ/u);
    // One line naming the field.
    await expect(m.createAnnotation(OWNER, { service: 'RAMQ-CARTE', date: '2023-02-30', kind: 'release', text_fr: 'x' })).rejects.toThrow(/^date « 2023-02-30 »/u);
    await expect(m.createAnnotation(OWNER, { service: 'RAMQ-CARTE', date: '2023-02-15', kind: 'launch', text_fr: 'x' })).rejects.toThrow(/^kind « launch »/u);
    await expect(m.createAnnotation(OWNER, { service: 'NOPE', date: '2023-02-15', kind: 'release', text_fr: 'x' })).rejects.toThrow(/^service « NOPE »/u);

    // Same day and kind: edited in place (same id).
    const b = await m.updateAnnotation(OWNER, a.id, { date: '2023-02-15', kind: 'release', text_fr: 'Version 2.1', text_en: 'Release 2.1' });
    expect(b.id).toBe(a.id);
    expect((await list()).map((x) => x.text.fr)).toEqual(['Version 2.1']);
    // Another day: moved (a new id, the old one gone).
    const c = await m.updateAnnotation(OWNER, a.id, { date: '2023-02-16', kind: 'incident', text_fr: 'Panne', text_en: 'Outage' });
    expect(c.id).not.toBe(a.id);
    expect((await list()).map((x) => [x.day, x.kind, x.text.fr])).toEqual([['2023-02-16', 'incident', 'Panne']]);
    expect(await m.annotation(OWNER, a.id)).toBeNull();
    await expect(m.deleteAnnotation(OTHER, c.id)).rejects.toThrow(/RAMQ/u);
    await m.deleteAnnotation(OWNER, c.id);
    expect(await list()).toEqual([]);
    await expect(m.deleteAnnotation(OWNER, c.id)).rejects.toThrow(/introuvable/u);

    // In order, with outcome and target: refusals are recorded as well.
    const refused = (actor: string, target: string, op: string) => ({ actor, target, ok: false, op });
    expect(await audit()).toEqual([
      { actor: 'owner-ramq', target: `annotation:${a.id}`, ok: true, op: 'create' },
      refused('exec', 'annotation:new', 'create'),
      refused('owner-saaq', 'annotation:new', 'create'),
      refused('owner-ramq', 'annotation:new', 'create'),
      refused('owner-ramq', 'annotation:new', 'create'),
      refused('owner-ramq', 'annotation:new', 'create'),
      { actor: 'owner-ramq', target: `annotation:${a.id}`, ok: true, op: 'update' },
      { actor: 'owner-ramq', target: `annotation:${a.id}`, ok: true, op: 'update' },
      refused('owner-saaq', `annotation:${c.id}`, 'delete'),
      { actor: 'owner-ramq', target: `annotation:${c.id}`, ok: true, op: 'delete' },
      refused('owner-ramq', `annotation:${c.id}`, 'delete')
    ]);
  });

  it('are an ingest kind: rows the pages read, a row sent again is a duplicate, a deleted one sent again comes back', async () => {
    const file = path.join(dir, 'annotations.ndjson');
    fs.writeFileSync(file, [
      { org: 'RAMQ', service: 'RAMQ-CARTE', at: '2024-09-28T10:00:00', kind: 'release', text_fr: 'Nouveau formulaire', text_en: 'New form' },
      { org: 'RAMQ', at: '2024-10-01T09:00:00-04:00', kind: 'campaign', text_fr: 'Campagne de rappel' },
      { org: 'RAMQ', service: 'RAMQ-CARTE', at: '2024-10-02', kind: 'launch', text_fr: 'x' }
    ].map((r) => JSON.stringify(r)).join('\n'));
    const run = () => runIngest(t.wh, { kind: 'annotations', inputs: resolveInputs(file, null), mapping: null, org: null, strict: false, pseudonymKey: 'test-pseudonym-key-0123456789' });
    const first = await run();
    expect(first).toMatchObject({ read: 3, inserted: 2, duplicates: 0, rejected: 1 });
    const shown = (await m.annotations(EXEC, { org: 'RAMQ', service: 'RAMQ-CARTE', from: '2024-09-01', to: '2024-11-01' })).map((x) => [x.day, x.service, x.kind, x.text.fr, x.text.en]);
    // Local Toronto time without an offset; the organization-wide note shows on the service's page too.
    expect(shown).toEqual([['2024-09-28', 'RAMQ-CARTE', 'release', 'Nouveau formulaire', 'New form'], ['2024-10-01', '', 'campaign', 'Campagne de rappel', '']]);
    expect(await run()).toMatchObject({ read: 3, inserted: 0, duplicates: 2, rejected: 1 });
    const release = (await m.annotations(EXEC, { org: 'RAMQ', service: 'RAMQ-CARTE', from: '2024-09-01', to: '2024-11-01' })).find((x) => x.kind === 'release')!;
    await m.deleteAnnotation(OWNER, release.id);
    expect((await m.annotations(EXEC, { org: 'RAMQ', from: '2024-09-01', to: '2024-11-01' })).map((x) => x.kind)).toEqual(['campaign']);
    expect(await run()).toMatchObject({ inserted: 1, duplicates: 1, rejected: 1 });
    expect((await m.annotations(EXEC, { org: 'RAMQ', service: 'RAMQ-CARTE', from: '2024-09-01', to: '2024-11-01' })).map((x) => x.kind)).toEqual(['release', 'campaign']);
  });
});
