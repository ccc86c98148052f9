// CSV of a sandbox result (RFC 4180, UTF-8 with BOM for spreadsheets). Cells that a spreadsheet would run as a
// formula (= + - @ at the start) are prefixed with an apostrophe.
export function resultToCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (/^[=+\-@\t\r]/u.test(s) && !/^-?\d+(\.\d+)?(e-?\d+)?$/iu.test(s)) s = `'${s}`;
    return /[",\r\n]/u.test(s) ? `"${s.replace(/"/gu, '""')}"` : s;
  };
  return '\ufeff' + [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
