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
