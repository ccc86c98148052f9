// How wide a chart's text is, and how to make it fit: charts reserve their margins from measured label widths,
// cut a label too long for its room with an ellipsis (the full text goes in a <title>), and wrap where there are lines
// to spare. In the browser the width is measured with a canvas in the page's font; on the server (and in the first
// render in the browser, which must match the server's) a generous estimate per character stands in.

/** The font charts draw with: the page's, so that measured widths are drawn widths. */
export const CHART_FONT = "system-ui, 'Open Sans', sans-serif";

let canvas: CanvasRenderingContext2D | null | undefined;

function context(): CanvasRenderingContext2D | null {
  if (canvas !== undefined) return canvas;
  canvas = typeof document === 'undefined' ? null : (document.createElement('canvas').getContext('2d') ?? null);
  return canvas;
}

/** Width in px of `text` at `size` px. `live`: measure in the browser (false: the server's estimate). */
export function textWidth(text: string, size: number, live: boolean, weight = 400): number {
  const ctx = live ? context() : null;
  if (!ctx) return estimate(text, size, weight);
  ctx.font = `${weight} ${size}px ${CHART_FONT}`;
  return ctx.measureText(text).width;
}

/** An estimate that errs wide: average glyphs of a sans-serif are about 0.55 em, digits 0.56 em, capitals wider. */
function estimate(text: string, size: number, weight: number): number {
  let em = 0;
  for (const ch of text) em += /[A-ZÀ-ÖØ-Þ%—MW]/.test(ch) ? 0.72 : /[\s.,:;'’()|·-]/.test(ch) ? 0.32 : 0.58;
  return em * size * (weight >= 600 ? 1.08 : 1);
}

/** `text` cut with an ellipsis so that it fits in `max` px (the whole text when it fits). */
export function fitText(text: string, size: number, max: number, live: boolean): string {
  if (textWidth(text, size, live) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(`${text.slice(0, mid).trimEnd()}…`, size, live) <= max) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '…' : `${text.slice(0, lo).trimEnd()}…`;
}

/** `text` broken into at most `lines` lines of at most `max` px, the last one cut with an ellipsis if needed. */
export function wrapText(text: string, size: number, max: number, live: boolean, lines = 2): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let current = '';
  for (let k = 0; k < words.length; k++) {
    const next = current ? `${current} ${words[k]}` : words[k];
    if (textWidth(next, size, live) <= max || !current) {
      current = next;
      continue;
    }
    out.push(current);
    current = words[k];
    if (out.length === lines - 1) {
      current = words.slice(k).join(' ');
      break;
    }
  }
  if (current) out.push(current);
  return out.map((l, k) => (k === out.length - 1 || textWidth(l, size, live) > max ? fitText(l, size, max, live) : l));
}

/** A chart's legend at the top of its drawing: each item's text wrapped on up to two lines of at most `max` px, the
 *  y of each item's first line, and the legend's height (0 without items). Items are `lineHeight` apart per line. */
export function layoutLegend<T extends { text: string }>(items: T[], size: number, max: number, live: boolean): { rows: (T & { lines: string[]; y: number })[]; height: number } {
  const line = size + 4;
  let y = 4;
  const rows = items.map((item) => {
    const lines = wrapText(item.text, size, max, live, 2);
    const row = { ...item, lines, y };
    y += lines.length * line + 4;
    return row;
  });
  return { rows, height: rows.length ? y - 4 + 6 : 0 };
}

/** A row's label on a narrow drawing: on one or two lines of its own, with the row's value after the last line when it
 *  fits there, else on the next line. Lines are `size + 4` apart; x and line of the value, and whether the label was cut. */
export function stackLabel(label: string, value: string, size: number, width: number, live: boolean): { lines: string[]; textLines: number; valueX: number; valueLine: number; cut: boolean } {
  const lines = wrapText(label, size, width - 8, live, 2);
  const last = textWidth(lines[lines.length - 1], size, live);
  const sameLine = 4 + last + 10 + textWidth(value, size, live) <= width - 4;
  return {
    lines, textLines: lines.length + (sameLine ? 0 : 1), valueX: sameLine ? 4 + last + 10 : 4,
    valueLine: sameLine ? lines.length - 1 : lines.length, cut: lines.join(' ') !== label
  };
}

/** Label positions pushed apart so that no two are closer than `gap`, kept within [top, bottom], in input order. */
export function spreadLabels(wanted: number[], gap: number, top: number, bottom: number): number[] {
  const order = wanted.map((y, k) => ({ y, k })).sort((a, b) => a.y - b.y);
  const ys = order.map((o) => Math.min(Math.max(o.y, top), bottom));
  for (let k = 1; k < ys.length; k++) ys[k] = Math.max(ys[k], ys[k - 1] + gap);
  if (ys.length && ys[ys.length - 1] > bottom) {
    ys[ys.length - 1] = bottom;
    for (let k = ys.length - 2; k >= 0; k--) ys[k] = Math.min(ys[k], ys[k + 1] - gap);
  }
  const out = new Array<number>(wanted.length);
  order.forEach((o, k) => (out[o.k] = ys[k]));
  return out;
}

/** What a chart frame tells the charts inside it: the width to draw for, and whether the page is live (measured). */
export interface ChartSize {
  width: number;
  live: boolean;
}
export const CHART_SIZE = Symbol('chart-size');
/** Below this drawing width, labels go above bars and line labels into a legend. */
export const NARROW = 560;
