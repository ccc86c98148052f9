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
}
