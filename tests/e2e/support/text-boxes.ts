// Reads the browser's text boxes of every chart on a page (issue 15): texts of one drawing that overlap, texts that
// stick out of their SVG, text drawn smaller than 11 px, and the labels shown (a cut label by its full text). Runs in
// the page (page.evaluate(readCharts)), so it must not close over anything from this module.

export interface ChartReading {
  chart: string;
  /** Full text of every label drawn (data-full when the label was cut to fit). */
  labels: string[];
  /** Text of the chart's data table and legend, where a label may go at a narrower width. */
  elsewhere: string;
  overlaps: string[];
  clipped: string[];
  small: string[];
  /** Whether the whole drawing fits its frame without scrolling sideways. */
  scrolls: boolean;
}

export function readCharts(): ChartReading[] {
  const out: ChartReading[] = [];
  const clean = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
  document.querySelectorAll('figure[data-chart]').forEach((figure, f) => {
    const chart = `${figure.getAttribute('data-chart') ?? ''}#${f}`;
    const reading: ChartReading = { chart, labels: [], elsewhere: '', overlaps: [], clipped: [], small: [], scrolls: false };
    const drawing = figure.querySelector('.drawing');
    if (drawing) reading.scrolls = drawing.scrollWidth > drawing.clientWidth + 1;
    figure.querySelectorAll('svg').forEach((svg) => {
      const frame = svg.getBoundingClientRect();
      const view = svg.viewBox.baseVal;
      const scale = view && view.width ? frame.width / view.width : 1;
      const boxes = [...svg.querySelectorAll('text')]
        .filter((t) => clean(t.textContent) !== '')
        .map((t) => ({ t, text: clean(t.textContent), full: clean(t.getAttribute('data-full') ?? t.textContent), r: t.getBoundingClientRect() }));
      for (const b of boxes) {
        reading.labels.push(b.full);
        const size = parseFloat(getComputedStyle(b.t).fontSize) * scale;
        if (size < 10.5) reading.small.push(`${b.text} (${size.toFixed(1)} px)`);
        if (b.r.left < frame.left - 0.5 || b.r.right > frame.right + 0.5 || b.r.top < frame.top - 0.5 || b.r.bottom > frame.bottom + 0.5) {
          reading.clipped.push(`${b.text} [${Math.round(b.r.left - frame.left)}…${Math.round(b.r.right - frame.left)} of ${Math.round(frame.width)}]`);
        }
      }
      for (let a = 0; a < boxes.length; a++) {
        for (let b = a + 1; b < boxes.length; b++) {
          const p = boxes[a].r;
          const q = boxes[b].r;
          const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
          const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
          if (w > 1 && h > 1) reading.overlaps.push(`« ${boxes[a].text} » × « ${boxes[b].text} » (${w.toFixed(1)} × ${h.toFixed(1)} px)`);
        }
      }
    });
    reading.elsewhere = clean(figure.querySelector('table')?.textContent ?? '');
    out.push(reading);
  });
  return out;
}
