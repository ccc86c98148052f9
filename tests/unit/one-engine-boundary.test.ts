// DESIGN §4, "One metrics engine": the page server parses requests and shapes pages; it holds no SQL and reaches the
// warehouse and ingest only through metrics/ and access/. This reads the files, so a new import or query fails here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = path.join(process.cwd(), 'dashboard', 'lib', 'server');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts')).map((f) => ({ f, text: fs.readFileSync(path.join(DIR, f), 'utf8') }));

describe('dashboard/lib/server', () => {
  it('has files to check', () => expect(files.length).toBeGreaterThan(5));
  it('imports nothing from warehouse/ or ingest/', () => {
    const offending = files.flatMap(({ f, text }) => [...text.matchAll(/from '((?:\.\.\/)+(?:warehouse|ingest)\/[^']+)'/g)].map((m) => `${f}: ${m[1]}`));
    expect(offending).toEqual([]);
  });
  it('holds no SQL', () => {
    const offending = files.filter(({ text }) => /\b(SELECT\s+[\w*(]|INSERT\s+INTO|ALTER\s+TABLE|FROM\s+[a-z_]+\s+FINAL)\b/.test(text)).map(({ f }) => f);
    expect(offending).toEqual([]);
  });
  it('has no interim metrics runner any more', () => expect(fs.existsSync(path.join(DIR, 'interim-metrics.ts'))).toBe(false));
});
