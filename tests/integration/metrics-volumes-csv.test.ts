// Done-when 2 of issue 4, end to end through the command line: volumes loaded from a CSV through a mapping
// (`jalon ingest volumes`), then `jalon metrics run digital_take_up --grain fiscal_year --json` gives, per fiscal year,
// numerator = summed digital volume and denominator = summed volume, exactly (integers).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-volumes-csv-'));
const env = { ...process.env, JALON_DATA_DIR: path.join(dir, 'data'), CLICKHOUSE_URL: '' };
const jalon = (...args: string[]): string => execFileSync(process.execPath, [path.join(root, 'bin', 'jalon.js'), ...args], { env, cwd: dir, encoding: 'utf8', timeout: 120_000 });

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('digital take-up from declared volumes loaded from a CSV', () => {
  it('sums digital and total volumes per fiscal year, exactly', () => {
    // Large counts (beyond 2^32) and several services, organizations and fiscal years; French thousands separators.
    const lines = [
      'exercice;organisme;service;canal;volume',
      '2021-2022;MTMD;MTMD-PERMIS;en_ligne;"4 294 967 301"',
      '2021-2022;MTMD;MTMD-PERMIS;mobile;1 000 003',
      '2021-2022;MTMD;MTMD-PERMIS;comptoir;2 500 017',
      '2021-2022;SHQ;SHQ-ALLOC;telephone;777 777',
      '2021-2022;SHQ;SHQ-ALLOC;en_ligne;333',
      '2022-2023;MTMD;MTMD-PERMIS;en_ligne;5 000 000 011',
      '2022-2023;MTMD;MTMD-PERMIS;poste;9',
      '2022-2023;SHQ;SHQ-ALLOC;mobile;12 345',
      '2022-2023;SHQ;SHQ-ALLOC;comptoir;54 321'
    ];
    fs.writeFileSync(path.join(dir, 'volumes.csv'), lines.join('\n'));
    fs.writeFileSync(
      path.join(dir, 'mapping.json'),
      JSON.stringify({
        kind: 'volumes', format: 'csv', csv: { delimiter: ';' },
        fields: {
          period: { column: 'exercice', as: 'fiscal_year' }, org: { column: 'organisme' }, service: { column: 'service' },
          channel: { column: 'canal', values: { en_ligne: 'web', mobile: 'mobile', comptoir: 'counter', telephone: 'phone', poste: 'mail' } },
          volume: { column: 'volume', as: 'number' }
        }
      })
    );
    jalon('migrate', '--json');
    const ingest = JSON.parse(jalon('ingest', 'volumes', path.join(dir, 'volumes.csv'), '--mapping', path.join(dir, 'mapping.json'), '--json')) as { inserted: number; rejected: number };
    expect([ingest.inserted, ingest.rejected]).toEqual([9, 0]);

    // Expected sums from the file itself.
    const expected = new Map<string, { digital: bigint; total: bigint }>();
    for (const l of lines.slice(1)) {
      const [fy, , , canal, raw] = l.split(';');
      const v = BigInt(raw.replace(/[" ]/g, ''));
      const e = expected.get(fy) ?? { digital: 0n, total: 0n };
      if (canal === 'en_ligne' || canal === 'mobile') e.digital += v;
      e.total += v;
      expected.set(fy, e);
    }

    const out = JSON.parse(jalon('metrics', 'run', 'digital_take_up', '--grain', 'fiscal_year', '--from', '2021-04-01', '--to', '2023-04-01', '--json')) as {
      metric: string; unit: string; grain: string; rows: { period: string; numerator: number; denominator: number; n: number; value: number; suppressed: boolean }[];
      provenance: { formula_version: string; sources: string[] };
    };
    expect(out.metric).toBe('digital_take_up');
    expect(out.grain).toBe('fiscal_year');
    expect(out.rows.map((r) => r.period)).toEqual(['2021-2022', '2022-2023']);
    for (const r of out.rows) {
      const e = expected.get(r.period)!;
      expect(Number.isInteger(r.numerator) && Number.isInteger(r.denominator)).toBe(true);
      expect(BigInt(r.numerator)).toBe(e.digital);
      expect(BigInt(r.denominator)).toBe(e.total);
      expect(r.value).toBeCloseTo(Number(e.digital) / Number(e.total), 12);
    }
    expect(out.provenance.sources).toContain('channel_volumes');

    // A monthly figure cannot come from fiscal-year volumes: refused, saying why.
    let message = '';
    try {
      jalon('metrics', 'run', 'digital_take_up', '--grain', 'month', '--org', 'MTMD', '--from', '2021-04-01', '--to', '2023-04-01', '--json');
    } catch (err) {
      message = String((err as { stderr?: string }).stderr);
    }
    expect(message).toMatch(/grain "month" is finer than the declared data/);
  }, 300_000); // four CLI processes, each opening the embedded engine
});
