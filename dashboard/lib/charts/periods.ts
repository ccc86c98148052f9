// Period labels of the metrics contract ('2023-04', '2023-W14', '2023-Q2', '2023-2024', '2023') to dates, for
// placing targets, trajectories and annotations on a time axis.
export function periodStart(label: string): string | null {
  let m = /^(\d{4})-(\d{2})$/.exec(label);
  if (m) return `${m[1]}-${m[2]}-01`;
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(label);
  if (m) return label;
  m = /^(\d{4})-Q(\d)$/.exec(label);
  if (m) return `${m[1]}-${String((Number(m[2]) - 1) * 3 + 1).padStart(2, '0')}-01`;
  m = /^(\d{4})-(\d{4})$/.exec(label);
  if (m) return `${m[1]}-04-01`;
  m = /^(\d{4})-W(\d{2})$/.exec(label);
  if (m) {
    // ISO week: the Monday of week 1 is the Monday on or before January 4.
    const jan4 = Date.UTC(Number(m[1]), 0, 4);
    const day = (new Date(jan4).getUTCDay() + 6) % 7;
    return new Date(jan4 - day * 86_400_000 + (Number(m[2]) - 1) * 7 * 86_400_000).toISOString().slice(0, 10);
  }
  m = /^(\d{4})$/.exec(label);
  if (m) return `${m[1]}-01-01`;
  return null;
}

/** Label of the period (at a grain shaped like `sample`) holding the given date. */
export function periodOfDate(iso: string, sample: string): string {
  const d = new Date(`${iso.slice(0, 10)}T12:00:00Z`);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + 1;
  if (/^\d{4}-\d{2}$/.test(sample)) return `${y}-${String(mo).padStart(2, '0')}`;
  if (/^\d{4}-Q\d$/.test(sample)) return `${y}-Q${Math.ceil(mo / 3)}`;
  if (/^\d{4}-\d{4}$/.test(sample)) return mo >= 4 ? `${y}-${y + 1}` : `${y - 1}-${y}`;
  if (/^\d{4}-W\d{2}$/.test(sample)) {
    const t = new Date(Date.UTC(y, d.getUTCMonth(), d.getUTCDate()));
    const dayNum = (t.getUTCDay() + 6) % 7;
    t.setUTCDate(t.getUTCDate() - dayNum + 3);
    const firstThursday = new Date(Date.UTC(t.getUTCFullYear(), 0, 4));
    const week = 1 + Math.round(((t.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
    return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
  }
  return String(y);
}

/** Expected value on a straight line from baseline to target, at a given date. */
export function expectedAt(date: string, baseline: { value: number; date: string }, target: { value: number; date: string }): number {
  const s = Date.parse(baseline.date);
  const e = Date.parse(target.date);
  const share = Math.min(1, Math.max(0, (Date.parse(date) - s) / (e - s)));
  return baseline.value + (target.value - baseline.value) * share;
}
