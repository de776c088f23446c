// The three charts of the seed as Vega-Lite specs: loss over epochs, actual vs predicted outputs, and the
// annotated weight heatmap; and the plot functions that render them (render.ts) and save them (files.ts).
// A spec is plain data: users who embed charts themselves take it from historySpec & co. and render it anywhere.
import type { TopLevelSpec } from 'vega-lite';
import { Layer, ShapeError, Tensor, ValueError, type History, type TensorLike } from '../index.js';
import { FONT, chartSvg } from './render.js';
import { checkTarget, writePicture } from './files.js';
import { FILE_KEYS, boolean, describe, integer, number, oneOf, readOptions, toColumn, toKernel, toLogged, type Matrix } from './inputs.js';

/** Options every picture takes. */
export interface PictureOptions {
  /**
   * Under Node, also write the picture to this file: `.png` (drawn with DejaVu Sans at `scale`) or `.svg`.
   * Its folder must exist. In a browser a `toFile` is refused: use the returned SVG text.
   */
  toFile?: string;
  /**
   * PNG pixels per SVG pixel (2 draws a 600-pixel-wide chart 1200 pixels wide), from 0.1 to 10; default 2.
   * A PNG is drawn up to 16,384 pixels a side: a larger one is refused before drawing (write .svg instead).
   */
  scale?: number;
  /** Title above the picture; each chart has a default, a model graph has none. */
  title?: string;
}

/** Options of the charts: the picture's options and the size of the plotting area. */
export interface ChartOptions extends PictureOptions {
  /** Width of the plotting area in pixels, from 10 to 4096 (axes, legend and title come on top). */
  width?: number;
  /** Height of the plotting area in pixels, from 10 to 4096. */
  height?: number;
}

/** Options of `plotHistory` and `historySpec`. */
export interface HistoryOptions extends ChartOptions {
  /**
   * Logged values to draw, one line each; a `val_` twin in the history is drawn dashed beside it. Default `['loss']`.
   * Epochs where a value is NaN or ±Infinity (a diverged run) are left as gaps in its line.
   */
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
  /** Write each weight in its cell (for at most 4,096 cells); default true up to 64 rows and 64 columns. */
  annotate?: boolean;
  /** Decimals of the annotations, from 0 to 8; default 2. */
  digits?: number;
  /**
   * Side of a cell in pixels, from 1 to 200. Default 40 with annotations, else 24; less across a matrix of many
   * columns, or down one of many rows, so that the heatmap stays within 4,096 pixels a side.
   */
  cellSize?: number;
}

/** The look shared by the charts: the PNG's font everywhere, white background, Keras-plot-like sizes. */
export const CONFIG = {
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

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** matplotlib's default colours (tab10): blue, orange, green, red, … */
const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const BLUE = TAB10[0]!;
const RED = TAB10[3]!;
/** matplotlib's coolwarm at 0, ¼, ½, ¾, 1. */
export const COOLWARM = ['#3b4cc0', '#8db0fe', '#dddddd', '#f49a7b', '#b40426'];

// ----- Loss over epochs -----

/**
 * A Vega-Lite specification, as the `…Spec` functions return it: JSON that `vega-lite`'s `compile` takes (cast it to
 * vega-lite's `TopLevelSpec` there). Typed without naming vega-lite's types, so neurasm/vis's declarations need
 * neither the plotting libraries nor the DOM's types to compile.
 */
export interface VegaLiteSpec { readonly $schema?: string; readonly [key: string]: unknown }

const HISTORY_KEYS = ['title', 'width', 'height', 'metrics'] as const;

/** The Vega-Lite spec `plotHistory` draws (its options less `toFile` and `scale`): one line per metric over epochs, validation twins dashed. */
export function historySpec(history: HistoryLike, options?: Omit<HistoryOptions, 'toFile' | 'scale'> | null): VegaLiteSpec {
  const where = 'historySpec()';
  return buildHistorySpec(history, readOptions(options, HISTORY_KEYS, where), where) as unknown as VegaLiteSpec;
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
    if (!logged.values[m]!.some(Number.isFinite)) throw new ValueError(`${where}: history.${m} has no finite value to plot: every epoch is NaN or ±Infinity`);
    const color = TAB10[i % TAB10.length]!;
    series.push({ key: m, color, dashed: m.startsWith('val_') });
    const twin = `val_${m}`;
    if (!m.startsWith('val_') && held.includes(twin) && !metrics.includes(twin)) series.push({ key: twin, color, dashed: true });
  });
  // NaN and ±Infinity become null: Vega-Lite breaks the line there and scales the y axis by the finite values.
  const values = series.flatMap(({ key }) => logged.values[key]!.map((value, i) => ({ epoch: logged.epochs[i]!, value: Number.isFinite(value) ? value : null, series: key })));
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
 * Epochs with NaN or ±Infinity are left as gaps. Errors (ValueError, before anything is drawn): an empty history,
 * a metric it does not hold or holds no finite value of, an unknown or out-of-range option, a `toFile` that
 * cannot be written.
 */
export async function plotHistory(history: HistoryLike, options?: HistoryOptions | null): Promise<string> {
  const where = 'plotHistory()';
  const opts = readOptions<HistoryOptions>(options, [...HISTORY_KEYS, ...FILE_KEYS], where);
  return draw(buildHistorySpec(history, opts, where), opts, where);
}

// ----- Actual vs predicted -----

const PREDICTIONS_KEYS = ['title', 'width', 'height', 'kind'] as const;

/** The Vega-Lite spec `plotPredictions` draws; its options less `toFile` and `scale`. */
export function predictionsSpec(actual: TensorLike, predicted: TensorLike, options?: Omit<PredictionsOptions, 'toFile' | 'scale'> | null): VegaLiteSpec {
  const where = 'predictionsSpec()';
  return buildPredictionsSpec(actual, predicted, readOptions(options, PREDICTIONS_KEYS, where), where) as unknown as VegaLiteSpec;
}

/** Most samples a predictions chart draws: 10,000 (two points each) made 5.9 MB of SVG; 70,000 made 20 MB in 5.8 s. */
const MAX_POINTS = 10_000;

function buildPredictionsSpec(actual: unknown, predicted: unknown, options: PredictionsOptions, where: string): TopLevelSpec {
  const a = toColumn(actual, where, 'actual');
  const p = toColumn(predicted, where, 'predicted');
  if (a.length !== p.length) throw new ShapeError(`${where}: actual has ${a.length} samples but predicted has ${p.length}; they must pair up`);
  if (a.length > MAX_POINTS) {
    throw new ValueError(`${where}: ${a.length.toLocaleString('en-US')} samples are more than a chart draws (at most ${MAX_POINTS.toLocaleString('en-US')}: ` +
      `two points each, already ~6 MB of SVG); plot a sample of them, e.g. the first ones: actual.slice(0, ${MAX_POINTS}) and predicted.slice(0, ${MAX_POINTS})`);
  }
  const kind = oneOf(options.kind ?? 'index', ['index', 'scatter'], 'kind', where);
  return kind === 'index' ? indexSpec(a, p, options) : scatterSpec(a, p, options);
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
  // NOTE: a loop, not Math.min(...values): spreading ~100,000 arguments overflows the stack.
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of [actual, predicted]) {
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
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
 * Errors (before anything is drawn): different lengths or several outputs per sample (ShapeError); non-finite
 * values, an unknown or out-of-range option, a `toFile` that cannot be written (ValueError).
 */
export async function plotPredictions(actual: TensorLike, predicted: TensorLike, options?: PredictionsOptions | null): Promise<string> {
  const where = 'plotPredictions()';
  const opts = readOptions<PredictionsOptions>(options, [...PREDICTIONS_KEYS, ...FILE_KEYS], where);
  return draw(buildPredictionsSpec(actual, predicted, opts, where), opts, where);
}

// ----- Weight heatmap -----

const WEIGHTS_KEYS = ['title', 'annotate', 'digits', 'cellSize'] as const;

// Heatmap limits, from measurements (time for the SVG and its size, then time with a PNG at scale 2):
// 64×64 annotated 0.5 s, 1.7 MB, ~3 s; 100×100 annotated 1 s, 4.1 MB, ~7 s (10,000 texts to rasterise);
// 128×128 plain 0.4 s, 2.8 MB, ~2 s; 784×128 plain 1.6 s, 17 MB, annotated 3.2 s, 41 MB.
// Past these the cells are too small to read anyway: a slice of the matrix says more.
/** Most cells a heatmap draws (and weights a filter grid draws). */
export const MAX_CELLS = 128 * 128;
/** `annotate` is on by default up to this many rows and columns, and refused above this side squared in cells. */
const ANNOTATED_SIDE = 64;
const MAX_ANNOTATED = ANNOTATED_SIDE * ANNOTATED_SIDE;
/** Default cells narrow (or flatten) so that the heatmap stays within this many pixels a side. */
const DEFAULT_SIDE = 4096;

/** The Vega-Lite spec `plotWeights` draws; its options less `toFile` and `scale`. */
export function weightsSpec(weights: Layer | TensorLike, options?: Omit<WeightsOptions, 'toFile' | 'scale'> | null): VegaLiteSpec {
  const where = 'weightsSpec()';
  return buildWeightsSpec(weights, readOptions(options, WEIGHTS_KEYS, where), where) as unknown as VegaLiteSpec;
}

function buildWeightsSpec(weights: unknown, options: WeightsOptions, where: string): TopLevelSpec {
  const { matrix, name } = toKernel(weights, where);
  const { rows, cols } = matrix;
  const cells = rows * cols;
  if (cells > MAX_CELLS) throw new ValueError(`${where}: ${tooLarge(matrix, name, weights)}`);
  const annotate = options.annotate === undefined ? Math.max(rows, cols) <= ANNOTATED_SIDE : boolean(options.annotate, 'annotate', where);
  if (annotate && cells > MAX_ANNOTATED) {
    throw new ValueError(`${where}: annotate writes at most ${count(MAX_ANNOTATED)} weights, and these are ${rows} × ${cols} = ${count(cells)}; pass annotate: false`);
  }
  const digits = integer(options.digits ?? 2, 'digits', where, 0, 8);
  const cellSize = options.cellSize === undefined ? undefined : number(options.cellSize, 'cellSize', where, 1, 200);
  const fit = (n: number) => cellSize ?? Math.min(annotate ? 40 : 24, Math.max(1, Math.floor(DEFAULT_SIDE / n)));
  const [cellWidth, cellHeight] = [fit(cols), fit(rows)];
  const values = matrix.values.map((weight, i) => ({ feature: Math.floor(i / cols), unit: i % cols, weight }));
  // A symmetric domain centred on 0: equal colours mean equal magnitudes, white means 0.
  // NOTE: a loop, not Math.max(...values): spreading ~100,000 arguments overflows the stack.
  let m = 0;
  for (const v of matrix.values) m = Math.max(m, Math.abs(v));
  m ||= 1;
  const heat = {
    mark: { type: 'rect' },
    encoding: {
      color: {
        field: 'weight', type: 'quantitative', title: 'Weight',
        scale: { domain: [-m, -m / 2, 0, m / 2, m], range: COOLWARM, interpolate: 'rgb' },
        legend: { gradientLength: Math.max(rows * cellHeight, 120), format: `.${digits}f` },
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
    width: { step: cellWidth },
    height: { step: cellHeight },
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
 * At most 16,384 (128 × 128) weights are drawn: plot a slice of a larger kernel.
 * Errors (ValueError, before anything is drawn): a layer without weights (Activation, Dropout, or not built yet),
 * too many weights, an unknown or out-of-range option, a `toFile` that cannot be written.
 */
export async function plotWeights(weights: Layer | TensorLike, options?: WeightsOptions | null): Promise<string> {
  const where = 'plotWeights()';
  const opts = readOptions<WeightsOptions>(options, [...WEIGHTS_KEYS, ...FILE_KEYS], where);
  return draw(buildWeightsSpec(weights, opts, where), opts, where);
}

/** Why a matrix is refused, and the slice to plot instead. */
function tooLarge({ rows, cols, rank }: Matrix, name: string | undefined, weights: unknown): string {
  const source = weights instanceof Layer ? 'layer.getWeights()[0].toArray()' : weights instanceof Tensor ? 'weights.toArray()' : 'weights';
  const rowsFit = Math.floor(MAX_CELLS / cols);
  const slice = rank === 1 ? `its first ${count(MAX_CELLS)} values: plotWeights(${source}.slice(0, ${MAX_CELLS}))`
    : rowsFit >= 1 ? `its first ${rowsFit} rows: plotWeights(${source}.slice(0, ${rowsFit}))`
    : `its first units: plotWeights(${source}.map((row) => row.slice(0, ${Math.floor(MAX_CELLS / rows)})))`;
  return `${name === undefined ? 'the weights have' : `${name}'s kernel has`} ${rows} × ${cols} = ${count(rows * cols)} cells; `
    + `a heatmap draws at most ${count(MAX_CELLS)} (more is megabytes of SVG and cells too small to read). Plot a slice, e.g. ${slice}`;
}

/** 125440 → '125,440' (the same in every locale). */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Checks `toFile`, renders the spec, writes the picture if asked; returns the SVG text. @internal */
export async function draw(spec: TopLevelSpec, options: PictureOptions, where: string): Promise<string> {
  const target = await checkTarget(options.toFile, options.scale ?? 2, where);
  const svg = await chartSvg(spec);
  if (target) await writePicture(svg, target, where);
  return svg;
}
