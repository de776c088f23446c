// The three charts of the seed as Vega-Lite specs: loss over epochs, actual vs predicted outputs, and the
// annotated weight heatmap; and the plot functions that render them (render.ts) and save them (files.ts).
// A spec is plain data: users who embed charts themselves take it from historySpec & co. and render it anywhere.
import type { TopLevelSpec } from 'vega-lite';
import { ShapeError, ValueError, type History, type Layer, type TensorLike } from '../index.js';
import { FONT, chartSvg } from './render.js';
import { checkTarget, writePicture } from './files.js';
import { toColumn, toKernel, toLogged, describe } from './inputs.js';

/** Options every picture takes. */
export interface PictureOptions {
  /**
   * Under Node, also write the picture to this file: `.png` (drawn with DejaVu Sans at `scale`) or `.svg`.
   * Its folder must exist. In a browser a `toFile` is refused: use the returned SVG text.
   */
  toFile?: string;
  /** PNG pixels per SVG pixel (2 draws a 600-pixel-wide chart 1200 pixels wide); default 2. */
  scale?: number;
  /** Title above the picture; each picture has a default. */
  title?: string;
}

/** Options of the charts: the picture's options and the size of the plotting area. */
export interface ChartOptions extends PictureOptions {
  /** Width of the plotting area in pixels (axes, legend and title come on top). */
  width?: number;
  /** Height of the plotting area in pixels. */
  height?: number;
}

/** Options of `plotHistory` and `historySpec`. */
export interface HistoryOptions extends ChartOptions {
  /** Logged values to draw, one line each; a `val_` twin in the history is drawn dashed beside it. Default `['loss']`. */
  metrics?: string[];
}

/** Options of `plotPredictions` and `predictionsSpec`. */
export interface PredictionsOptions extends ChartOptions {
  /**
   * `'index'` (default): actual (blue) and predicted (red) outputs by sample index, as in the seed.
   * `'scatter'`: predicted against actual with the dashed line y = x, for regression.
   */
  kind?: 'index' | 'scatter';
}

/** Options of `plotWeights` and `weightsSpec`. */
export interface WeightsOptions extends PictureOptions {
  /** Write each weight in its cell; default true. */
  annotate?: boolean;
  /** Decimals of the annotations; default 2. */
  digits?: number;
  /** Side of a cell in pixels; default 40 with annotations, 24 without. */
  cellSize?: number;
}

/** The look shared by the charts: the PNG's font everywhere, white background, Keras-plot-like sizes. */
const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 12,
  title: { fontSize: 16, offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, titlePadding: 10, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  view: { stroke: '#bbbbbb' },
} as const;

/** A training history: what `fit` returns, or its `.history` record (`{ loss: [...], val_loss: [...] }`). */
export type HistoryLike = History | Record<string, number[]>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** matplotlib's default colours (tab10): blue, orange, green, red, … */
const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const BLUE = TAB10[0]!;
const RED = TAB10[3]!;
/** matplotlib's coolwarm at 0, ¼, ½, ¾, 1. */
const COOLWARM = ['#3b4cc0', '#8db0fe', '#dddddd', '#f49a7b', '#b40426'];

// ----- Loss over epochs -----

/** The Vega-Lite spec `plotHistory` draws: one line per metric over epochs, validation twins dashed. */
export function historySpec(history: HistoryLike, options: HistoryOptions = {}): TopLevelSpec {
  return buildHistorySpec(history, options, 'historySpec()');
}

function buildHistorySpec(history: unknown, options: HistoryOptions, where: string): TopLevelSpec {
  const logged = toLogged(history, where);
  const metrics = options.metrics ?? ['loss'];
  if (!Array.isArray(metrics) || metrics.length === 0 || metrics.some((m) => typeof m !== 'string')) {
    throw new ValueError(`${where}: metrics must be a non-empty array of logged names like ['loss'], got ${describe(metrics)}`);
  }
  const twice = metrics.find((m, i) => metrics.indexOf(m) !== i);
  if (twice !== undefined) throw new ValueError(`${where}: metrics lists '${twice}' twice`);
  const held = Object.keys(logged.values);
  const series: Array<{ key: string; color: string; dashed: boolean }> = [];
  metrics.forEach((m, i) => {
    if (!held.includes(m)) throw new ValueError(`${where}: the history holds no '${m}'; it holds ${held.map((k) => `'${k}'`).join(', ')}`);
    const color = TAB10[i % TAB10.length]!;
    series.push({ key: m, color, dashed: m.startsWith('val_') });
    const twin = `val_${m}`;
    if (!m.startsWith('val_') && held.includes(twin) && !metrics.includes(twin)) series.push({ key: twin, color, dashed: true });
  });
  const values = series.flatMap(({ key }) => logged.values[key]!.map((value, i) => ({ epoch: logged.epochs[i]!, value, series: key })));
  const names = metrics.map(label);
  return {
    $schema: SCHEMA,
    title: options.title ?? `${names.join(' and ')} Over Epochs`,
    width: options.width ?? 560,
    height: options.height ?? 320,
    data: { values },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'Epoch', scale: { nice: false, zero: false }, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: names.length === 1 ? names[0] : 'Value', scale: { zero: false } },
      color: {
        field: 'series', type: 'nominal', title: null, sort: null,
        scale: { domain: series.map((s) => s.key), range: series.map((s) => s.color) },
        legend: series.length > 1 ? { symbolType: 'stroke', symbolStrokeWidth: 2, orient: 'top-right', fillColor: 'white', padding: 6 } : null,
      },
      strokeDash: {
        field: 'series', type: 'nominal', title: null, sort: null,
        scale: { domain: series.map((s) => s.key), range: series.map((s) => (s.dashed ? [6, 4] : [1, 0])) },
        legend: series.length > 1 ? { orient: 'top-right', fillColor: 'white', padding: 6 } : null,
      },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

/** How a logged key reads on an axis: 'loss' → 'Loss', 'val_accuracy' → 'Validation Accuracy', 'mse' → 'MSE'. */
function label(key: string): string {
  return key.split('_').map((w) => (w === 'val' ? 'Validation' : /^(mse|mae|mape|msle|rmse|auc)$/.test(w) ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1))).join(' ');
}

/**
 * "Loss Over Epochs": one line per metric of a training history (what `fit` returns, or its `.history`),
 * with validation curves dashed when present. Returns the SVG text (the same in Node and browsers);
 * under Node `toFile` also writes a PNG or SVG. In a browser: `element.innerHTML = await plotHistory(h)`.
 * Errors: an empty history, or a metric it does not hold (ValueError).
 */
export async function plotHistory(history: HistoryLike, options: HistoryOptions = {}): Promise<string> {
  const where = 'plotHistory()';
  const spec = buildHistorySpec(history, options, where);
  return draw(spec, options, where);
}

// ----- Actual vs predicted -----

/** The Vega-Lite spec `plotPredictions` draws. */
export function predictionsSpec(actual: TensorLike, predicted: TensorLike, options: PredictionsOptions = {}): TopLevelSpec {
  return buildPredictionsSpec(actual, predicted, options, 'predictionsSpec()');
}

function buildPredictionsSpec(actual: unknown, predicted: unknown, options: PredictionsOptions, where: string): TopLevelSpec {
  const a = toColumn(actual, where, 'actual');
  const p = toColumn(predicted, where, 'predicted');
  if (a.length !== p.length) throw new ShapeError(`${where}: actual has ${a.length} samples but predicted has ${p.length}; they must pair up`);
  const kind = options.kind ?? 'index';
  if (kind === 'index') return indexSpec(a, p, options);
  if (kind === 'scatter') return scatterSpec(a, p, options);
  throw new ValueError(`${where}: kind must be 'index' or 'scatter', got ${describe(kind)}`);
}

function indexSpec(actual: number[], predicted: number[], options: PredictionsOptions): TopLevelSpec {
  const n = actual.length;
  const values = [
    ...actual.map((value, index) => ({ index, value, series: 'Actual' })),
    ...predicted.map((value, index) => ({ index, value, series: 'Predicted' })),
  ];
  return {
    $schema: SCHEMA,
    title: options.title ?? 'Actual vs Predicted Outputs',
    width: options.width ?? 560,
    height: options.height ?? 320,
    data: { values },
    // Predicted points are drawn after and smaller than the actual ones, so a good prediction shows as a red
    // dot inside a blue one rather than hiding it.
    mark: { type: 'point', filled: true, opacity: 1 },
    encoding: {
      x: { field: 'index', type: 'quantitative', title: 'Sample index', scale: { domain: [-0.5, n - 0.5], nice: false }, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: 'Output', scale: { padding: 10 } },
      color: { field: 'series', type: 'nominal', title: null, sort: null, scale: { domain: ['Actual', 'Predicted'], range: [BLUE, RED] } },
      size: { condition: { test: "datum.series === 'Actual'", value: 140 }, value: 50 },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

function scatterSpec(actual: number[], predicted: number[], options: PredictionsOptions): TopLevelSpec {
  let lo = Math.min(...actual, ...predicted);
  let hi = Math.max(...actual, ...predicted);
  const pad = hi > lo ? (hi - lo) * 0.05 : 1;
  lo -= pad;
  hi += pad;
  const domain = [lo, hi];
  const side = options.width ?? options.height ?? 400;
  return {
    $schema: SCHEMA,
    title: options.title ?? 'Predicted vs Actual',
    width: options.width ?? side,
    height: options.height ?? side,
    layer: [
      {
        data: { values: [{ x: lo, y: lo }, { x: hi, y: hi }] },
        mark: { type: 'line', color: '#777777', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: actual.map((a, i) => ({ actual: a, predicted: predicted[i]!, index: i })) },
        mark: { type: 'point', filled: true, color: BLUE, opacity: 0.8, size: 50 },
        encoding: {
          x: { field: 'actual', type: 'quantitative', title: 'Actual', scale: { domain, nice: false } },
          y: { field: 'predicted', type: 'quantitative', title: 'Predicted', scale: { domain, nice: false } },
        },
      },
    ],
    config: CONFIG,
  } as TopLevelSpec;
}

/**
 * "Actual vs Predicted Outputs": one output per sample (arrays, columns or Tensors of equal length), actual in
 * blue and predicted in red by sample index; `kind: 'scatter'` plots predicted against actual with y = x.
 * Returns the SVG text (the same in Node and browsers); under Node `toFile` also writes a PNG or SVG.
 * Errors: different lengths, several outputs per sample, non-finite values.
 */
export async function plotPredictions(actual: TensorLike, predicted: TensorLike, options: PredictionsOptions = {}): Promise<string> {
  const where = 'plotPredictions()';
  const spec = buildPredictionsSpec(actual, predicted, options, where);
  return draw(spec, options, where);
}

// ----- Weight heatmap -----

/** The Vega-Lite spec `plotWeights` draws. */
export function weightsSpec(weights: Layer | TensorLike, options: WeightsOptions = {}): TopLevelSpec {
  return buildWeightsSpec(weights, options, 'weightsSpec()');
}

function buildWeightsSpec(weights: unknown, options: WeightsOptions, where: string): TopLevelSpec {
  const { matrix, name } = toKernel(weights, where);
  const annotate = options.annotate ?? true;
  const digits = options.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 8) throw new ValueError(`${where}: digits must be an integer from 0 to 8, got ${describe(digits)}`);
  const cell = options.cellSize ?? (annotate ? 40 : 24);
  const { rows, cols } = matrix;
  const values = matrix.values.map((weight, i) => ({ feature: Math.floor(i / cols), unit: i % cols, weight }));
  // A symmetric domain centred on 0: equal colours mean equal magnitudes, white means 0.
  const m = Math.max(...matrix.values.map(Math.abs)) || 1;
  const heat = {
    mark: { type: 'rect' },
    encoding: {
      color: {
        field: 'weight', type: 'quantitative', title: 'Weight',
        scale: { domain: [-m, -m / 2, 0, m / 2, m], range: COOLWARM, interpolate: 'rgb' },
        legend: { gradientLength: Math.max(rows * cell, 120), format: `.${digits}f` },
      },
    },
  };
  const text = {
    mark: { type: 'text', fontSize: 11 },
    encoding: {
      text: { field: 'weight', type: 'quantitative', format: `.${digits}f` },
      color: { condition: { test: `abs(datum.weight) > ${0.6 * m}`, value: 'white' }, value: 'black' },
    },
  };
  return {
    $schema: SCHEMA,
    title: options.title ?? (name === undefined ? 'Weights' : `Weights of ${name}`),
    data: { values },
    width: { step: cell },
    height: { step: cell },
    encoding: {
      x: { field: 'unit', type: 'ordinal', title: 'Unit', axis: { labelAngle: 0 } },
      y: { field: 'feature', type: 'ordinal', title: 'Input feature' },
    },
    layer: annotate ? [heat, text] : [heat],
    config: { ...CONFIG, scale: { bandPaddingInner: 0 }, axis: { ...CONFIG.axis, grid: false, domain: false, ticks: false } },
  } as TopLevelSpec;
}

/**
 * "Weights of Hidden Layer": a layer's kernel (or any weight matrix) as a heatmap in a diverging
 * blue–white–red scale centred on 0, rows = input features, columns = units, each cell annotated, with a colour
 * bar. Returns the SVG text (the same in Node and browsers); under Node `toFile` also writes a PNG or SVG.
 * Errors: a layer without weights (Activation, Dropout, or not built yet).
 */
export async function plotWeights(weights: Layer | TensorLike, options: WeightsOptions = {}): Promise<string> {
  const where = 'plotWeights()';
  const spec = buildWeightsSpec(weights, options, where);
  return draw(spec, options, where);
}

async function draw(spec: TopLevelSpec, options: PictureOptions, where: string): Promise<string> {
  const target = await checkTarget(options.toFile, options.scale, where);
  const svg = await chartSvg(spec);
  if (target) await writePicture(svg, target);
  return svg;
}
