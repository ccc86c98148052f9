// Saved queries: private to their owner or shared within the owner's organization; only the owner changes or
// deletes one; roles without SQL have none. And the audit search reads back what the sandbox wrote.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { deleteSavedQuery, listSavedQueries, saveQuery } from '../../access/saved-queries.ts';
import { AccessError, type Caller } from '../../access/caller.ts';
import { searchAudit, auditFilterFromParams } from '../../access/audit.ts';
import { runSandboxedQuery, SandboxError } from '../../access/sql-sandbox.ts';
import { seedAccessData } from '../support/access-fixtures.ts';

const ana1: Caller = { id: 'ana1', role: 'analyst', orgs: ['AG1'] };
const ana2: Caller = { id: 'ana2', role: 'analyst', orgs: ['AG1'] };
const other: Caller = { id: 'oth', role: 'service_owner', orgs: ['OTH'] };
const exec: Caller = { id: 'exec', role: 'executive', orgs: [] };

describe('saved queries and audit search — embedded', () => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await testWarehouse('embedded', inject('clickhouseUrl'));
    await migrate(t.wh);
    await seedAccessData(t.wh);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('shares within the organization only, and lets only the owner change or delete', async () => {
    const mine = await saveQuery(t.wh, ana1, { title: 'Privée', sql: 'SELECT 1', shared: false });
    const shared = await saveQuery(t.wh, ana1, { title: 'Partagée', sql: 'SELECT 2', shared: true });
    expect((await listSavedQueries(t.wh, ana1)).map((q) => q.title).sort()).toEqual(['Partagée', 'Privée']);
    expect((await listSavedQueries(t.wh, ana2)).map((q) => q.title)).toEqual(['Partagée']);
    expect(await listSavedQueries(t.wh, other)).toEqual([]);
    expect((await listSavedQueries(t.wh, exec)).map((q) => q.title)).toEqual(['Partagée']); // government-wide
    // Someone else's id and an unknown id get the same answer (ids cannot be probed).
    const answer = (p: Promise<unknown>) => p.then(() => 'ok', (e: SandboxError) => `${e.status} ${e.code} ${e.message}`);
    const stolen = await answer(saveQuery(t.wh, ana2, { id: shared.id, title: 'Volée', sql: 'SELECT 3', shared: true }));
    expect(stolen).toMatch(/^404 not_found /u);
    expect(await answer(saveQuery(t.wh, ana2, { id: 'no-such-id', title: 'Volée', sql: 'SELECT 3', shared: true }))).toBe(stolen);
    expect(await answer(deleteSavedQuery(t.wh, ana2, shared.id))).toBe(stolen);
    expect(await answer(deleteSavedQuery(t.wh, ana2, 'no-such-id'))).toBe(stolen);
    // Titles are unique per owner (case and spaces aside); another owner may reuse one.
    expect(await answer(saveQuery(t.wh, ana1, { title: ' privée ', sql: 'SELECT 4', shared: false }))).toMatch(/^409 title_taken /u);
    expect((await saveQuery(t.wh, ana2, { title: 'Privée', sql: 'SELECT 5', shared: false })).owner).toBe('ana2');
    expect((await saveQuery(t.wh, ana1, { id: mine.id, title: 'Privée', sql: 'SELECT 6', shared: false })).sql).toBe('SELECT 6');
    await deleteSavedQuery(t.wh, ana1, mine.id);
    expect((await listSavedQueries(t.wh, ana1)).map((q) => q.title)).toEqual(['Partagée']);
    expect((await listSavedQueries(t.wh, ana2)).map((q) => q.title).sort()).toEqual(['Partagée', 'Privée']);
    await expect(listSavedQueries(t.wh, { id: 'p', role: 'public', orgs: [] })).rejects.toBeInstanceOf(AccessError);
  });

  it('finds sandbox queries in the audit log by user, outcome and text', async () => {
    await runSandboxedQuery(t.wh, ana1, 'SELECT count() FROM events', { via: 'test' });
    await runSandboxedQuery(t.wh, ana1, 'SELECT * FROM system.tables', { via: 'test' }).catch(() => undefined);
    const refused = await searchAudit(t.wh, auditFilterFromParams(new URLSearchParams('actor=ana1&action=query&ok=false')));
    expect(refused).toHaveLength(1);
    expect(JSON.parse(refused[0].detail)).toMatchObject({ sql: 'SELECT * FROM system.tables', refused: 'query_refused' });
    const byText = await searchAudit(t.wh, { text: 'count()' });
    expect(byText.map((r) => r.ok)).toEqual([true]);
    expect(await searchAudit(t.wh, auditFilterFromParams(new URLSearchParams('from=2999-01-01')))).toEqual([]);
  });
});
