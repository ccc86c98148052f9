// Excel workbooks as ministries send them: a workbook of monthly channel volumes (built here with exceljs, with a
// date column, numbers, a formula, an empty row and a bad row) ingested with a mapping reproduces the totals worked
// out from the same data; merged header cells, a missing sheet and an oversized workbook are refused with one line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import ExcelJS from 'exceljs';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { resolveInputs, runIngest, type IngestOptions, type IngestSummary } from '../../ingest/run-ingest.ts';
import { parseMapping, type Mapping } from '../../ingest/mapping.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-excel-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The data of the workbook: month (1st of the month), organization, service, channel, volume. */
const DATA: [Date, string, string, string, number][] = [];
for (let m = 0; m < 12; m++) {
  const month = new Date(Date.UTC(2023, 3 + m, 1)); // April 2023 to March 2024: fiscal year 2023-2024
  DATA.push([month, 'RQ', 'impot', 'web', 10_000 + m * 1_000]);
  DATA.push([month, 'RQ', 'impot', 'phone', 4_000 - m * 100]);
  DATA.push([month, 'RQ', 'impot', 'counter', 500 + m]);
}

const MAPPING: Mapping = parseMapping({
  kind: 'volumes',
  excel: { sheet: 'Volumes' },
  fields: {
    period: { column: 'Mois', as: 'month' },
    org: { column: 'Organisation' },
    service: { column: 'Service' },
    channel: { column: 'Canal', values: { Web: 'web', Téléphone: 'phone', Comptoir: 'counter' } },
    volume: { column: 'Volume', as: 'number' }
  }
});
const LABEL: Record<string, string> = { web: 'Web', phone: 'Téléphone', counter: 'Comptoir' };

/** A workbook: a cover sheet first (not read), then the volumes with a title row, the header, the data. */
async function workbook(file: string, opts: { mergeHeader?: boolean } = {}): Promise<void> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Notes').addRow(['Rapport mensuel des volumes — ne pas modifier']);
  const ws = wb.addWorksheet('Volumes');
  if (opts.mergeHeader) {
    // A two-row header with a group cell spanning two columns, as spreadsheets made for reading often have.
    ws.addRow(['Période', 'Qui', '', 'Canal', 'Volume']);
    ws.mergeCells('B1:C1');
  }
  ws.addRow(['Mois', 'Organisation', 'Service', 'Canal', 'Volume']);
  DATA.forEach(([month, org, service, channel, volume], i) => {
    if (i === 3) ws.addRow([]); // an empty row: skipped, later rows keep their sheet row number
    if (i === 7) {
      // A formula whose cached result is the volume: the result is read.
      ws.addRow([month, org, service, LABEL[channel], { formula: `${volume - 1}+1`, result: volume }]);
      return;
    }
    // Volumes as numbers, except one written as French text with a narrow space (the mapping's `as: number`).
    ws.addRow([month, org, service, LABEL[channel], i === 10 ? `${Math.floor(volume / 1000)}\u202f${String(volume % 1000).padStart(3, '0')}` : volume]);
  });
  ws.addRow([new Date(Date.UTC(2024, 3, 1)), 'RQ', 'impot', 'Pigeon', 12]); // unknown channel: quarantined
  ws.getColumn(1).numFmt = 'yyyy-mm-dd';
  await wb.xlsx.writeFile(file);
}

async function ingest(wh: Warehouse, file: string, extra: Partial<IngestOptions> = {}): Promise<IngestSummary> {
  const s = await runIngest(wh, { kind: 'volumes', inputs: resolveInputs(file, null), mapping: MAPPING, ...extra });
  expect(s.read).toBe(s.inserted + s.duplicates + s.rejected);
  return s;
}

describe.each(backends)('Excel workbooks — %s', (backend) => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('a workbook of channel volumes with a date column reproduces its totals; the bad row names its sheet row', async () => {
    const file = path.join(dir, `volumes-${backend}.xlsx`);
    await workbook(file);
    const s = await ingest(t.wh, file);
    expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual([DATA.length + 1, DATA.length, 0, 1]);
    // Sheet rows: 1 header, 2–4 data, 5 empty, 6–38 data, 39 the pigeon.
    const [reject] = await t.wh.query<{ line: number; reason: string; source: string }>('SELECT toUInt64(line) AS line, reason, source FROM quarantine');
    expect({ ...reject, line: Number(reject.line) }).toEqual({ line: DATA.length + 3, reason: 'unknown_channel', source: path.resolve(file) });

    const expected = new Map<string, number>();
    for (const [, , , channel, volume] of DATA) expected.set(channel, (expected.get(channel) ?? 0) + volume);
    const byChannel = await t.wh.query<{ channel: string; total: number; months: number; first: string; grain: string }>(
      `SELECT channel, toUInt64(sum(volume)) AS total, toUInt64(count()) AS months, toString(min(period_start)) AS first, any(period_grain) AS grain
       FROM channel_volumes FINAL WHERE org = 'RQ' GROUP BY channel ORDER BY channel`
    );
    expect(byChannel.map((r) => [r.channel, Number(r.total), Number(r.months), r.first, r.grain])).toEqual(
      [...expected.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([c, total]) => [c, total, 12, '2023-04-01', 'month'])
    );
    // Again: nothing twice.
    const again = await ingest(t.wh, file);
    expect([again.read, again.inserted, again.duplicates, again.rejected]).toEqual([DATA.length + 1, 0, DATA.length, 1]);
  });

  it('merged header cells are refused with one line naming the file, the sheet, the cells and the fix', async () => {
    const file = path.join(dir, `merged-${backend}.xlsx`);
    await workbook(file, { mergeHeader: true });
    const err = (await ingest(t.wh, file).catch((e: unknown) => e)) as Error & { summary?: IngestSummary };
    expect(err.message).toMatch(/merged-.*\.xlsx, feuille \/ sheet « Volumes » : cellules fusionnées dans l’en-tête \(B1:C1\) ; défusionnez/);
    expect(err.message).not.toContain('\n');
    expect(err.summary?.status).toBe('failed');
    const [n] = await t.wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM channel_volumes');
    expect(Number(n.n)).toBe(0);
  });
});

describe('Excel refusals (embedded)', () => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await testWarehouse('embedded', inject('clickhouseUrl'));
    await migrate(t.wh);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('an unknown sheet names the sheets there are; an oversized workbook names the limit and its variable', async () => {
    const file = path.join(dir, 'sheets.xlsx');
    await workbook(file);
    await expect(ingest(t.wh, file, { sheet: 'Budget' })).rejects.toThrow(/feuille « Budget » introuvable ; feuilles : Notes, Volumes/);
    await expect(ingest(t.wh, file, { excelMaxUnzippedBytes: 2_000 })).rejects.toThrow(/trop gros une fois décompressé .* JALON_EXCEL_MAX_UNZIPPED_BYTES/);
    // Without a sheet in the mapping nor --sheet, the first sheet is read: its header has none of the mapped columns.
    const s = await ingest(t.wh, file, { mapping: { ...MAPPING, excel: undefined } });
    expect([s.read, s.rejected]).toEqual([0, 0]);
  });

  it('a file named .xlsx that is not a workbook fails with one line', async () => {
    const file = path.join(dir, 'fake.xlsx');
    fs.writeFileSync(file, 'Mois;Volume\n2024-04;12\n');
    await expect(ingest(t.wh, file)).rejects.toThrow(/fake\.xlsx : pas un classeur \.xlsx/);
  });
});
