/**
 * kd.plot — plain-data figures and display objects for the curriculum. Nothing here depends on the
 * kernel: a Figure is plotly.js JSON; the kdlab kernel (kernel/display) knows how to show each object.
 */
export { Figure, figure, isFigure, toPlain } from './figure';
export type { FigureSpec, FigureJSON, Trace, Layout, Config } from './figure';
export { curves, lossCurves, bars, probabilities, scatter, histograms } from './charts';
export type { CurveSeries, CurvesOptions, HistoryLike, BarSeries, BarsOptions, HistogramsOptions } from './charts';
export { tradeoff, flowDiagram } from './diagram';
export type { TradeoffPoint, DiagramNode, DiagramEdge } from './diagram';
export { network } from './network';
export type { NetworkGraph, NetworkOptions } from './network';
export { heatmap, confusionMatrix, imageGrid } from './matrix';
export type { HeatmapOptions, ImageGridOptions } from './matrix';
export { Table, table, Markdown, markdown, Image, image } from './objects';
export { PALETTE } from './style';
export type { Numbers, TensorLike } from './validate';
