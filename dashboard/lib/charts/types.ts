// Shapes the chart components draw: time series and bars, already in display order.
export interface Series {
  key: string;
  label: string;
  points: { x: string; y: number | null }[];
}

export interface Bar {
  key: string;
  label: string;
  value: number | null;
  shown: string;
  emphasis?: boolean;
  /** A reference mark on the bar's scale (the organizations' median, a 90th percentile): drawn as a tick. */
  reference?: number | null;
}

/** One group's distribution as a box plot: whiskers `low`–`high`, box `q1`–`q3`, a line at the median. */
export interface Box {
  key: string;
  label: string;
  low: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  high: number | null;
  /** The value written at the row's end (the median, or why there is none). */
  shown: string;
}
