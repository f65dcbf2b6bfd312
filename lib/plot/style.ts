/** Shared look: one palette (plotly's default D3 colourway) and a base layout, so every helper matches. */
import type { Layout } from './figure';

export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export function colour(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** `#rrggbb` → `rgba(r,g,b,alpha)`, for translucent error bands in the series' own colour. */
export function translucent(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

export function baseLayout(title: string | undefined, xTitle?: string, yTitle?: string): Layout {
  const layout: Layout = {
    margin: { l: 60, r: 20, t: title ? 50 : 20, b: 50 },
    xaxis: { title: { text: xTitle ?? '' }, automargin: true },
    yaxis: { title: { text: yTitle ?? '' }, automargin: true },
    legend: { orientation: 'h', y: -0.2 },
  };
  if (title) layout.title = { text: title };
  return layout;
}
