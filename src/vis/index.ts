// neurasm/vis: the seed's four pictures, each from one call (plotModel, plotHistory, plotPredictions,
// plotWeights), and a convolution layer's filters (plotFilters). Each returns SVG text (the same bytes in Node and
// browsers) and, under Node, writes a PNG or SVG when given `toFile`. A separate entry because Graphviz and Vega
// weigh ~1 MB gzipped: the core never imports it.
export { plotModel, modelDot } from './model.js';
export type { PlotModelOptions } from './model.js';
export { plotHistory, plotPredictions, plotWeights, historySpec, predictionsSpec, weightsSpec } from './charts.js';
export type { HistoryLike, PictureOptions, ChartOptions, HistoryOptions, PredictionsOptions, WeightsOptions, VegaLiteSpec } from './charts.js';
export { plotFilters, filtersSpec } from './filters.js';
export type { FiltersOptions } from './filters.js';
