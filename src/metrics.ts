// Metrics as Keras 3 has them: objects whose state is a few f64 slots that wasm kernels add each batch to (row by
// row, in row order, so the result does not depend on batch size), and whose value the host computes from that
// state with + − × ÷ (and sqrt). METRICS is the one table of names; `resolveMetric` binds what compile is given.
// NOTE: the state is an offset into the one memory while a model trains; the standalone API (updateState/result)
// keeps it as a host Float64Array and copies it into a scratch block for each call.
import { arena } from './arena.js';
import { kernels as k, memory } from './backend.js';
import { ShapeError, ValueError, describe } from './errors.js';
import { boolean, integer, number, oneOf, readOptions, text } from './arguments.js';
import { resolveLoss } from './losses.js';
import { lookup } from './names.js';
import { runOnCopies } from './standalone.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';

/** Keras's backend epsilon, as F-scores add it. */
const EPSILON = 1e-7;
/** Keras's NEG_INF: the threshold of a top-k Precision or Recall without thresholds. */
const NEG_INF = -1e10;

/** Each row's value into `out` (`rows` floats); targets one class index per row when the metric is sparse. */
export type RowsKernel = (out: number, pred: number, target: number, rows: number, cols: number) => void;

// One block of per-row values shared by every mean metric, for callers that pass no scratch of their own: grown
// when a batch has more rows than any before (so at most a few times per process), never per batch.
let scratch = { offset: -1, floats: 0 };

/** @internal Makes the shared per-row scratch hold `rows` values now, so later updates of up to `rows` rows allocate nothing. */
export function reserveRowScratch(rows: number): number {
  if (rows <= scratch.floats) return scratch.offset;
  const floats = Math.max(rows, 64);
  const offset = arena.alloc(floats * 4, 'metric');
  if (scratch.offset >= 0) arena.release(scratch.offset);
  scratch = { offset, floats };
  return offset;
}

/** A copy of `n` f64 slots at byte offset `state`. */
function readState(state: number, n: number): Float64Array {
  return new Float64Array(memory.buffer, state, n).slice();
}

/** The shapes of one standalone update: rows, columns, the prediction and target data, the weights. */
interface Batch { rows: number; cols: number; pred: Float32Array; target: Float32Array; weights?: Float32Array }

/** A metric: Keras's stateful object. Built-in subclasses cover Keras 3's metrics; `resolveMetric` accepts names. */
export abstract class Metric {
  /** The name it is logged under: Keras's default, or the `name` option. */
  readonly name: string;
  /** Keras's class name, as saved configs write it. */
  abstract readonly className: string;
  /** True when the result is one value per class or threshold: `fit` cannot log it (use it standalone). */
  readonly perClass: boolean = false;
  /** Targets are one class index per row rather than one value per output. */
  readonly sparseTargets: boolean = false;
  #state: Float64Array | undefined;
  #cols = -1;

  protected constructor(name: unknown, defaultName: string, where: string) {
    this.name = name === undefined || name === null ? defaultName : text(name, 'name', where);
  }

  /** Keras's config: `name`, `dtype` and the metric's own options under snake_case keys. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: 'float32', ...this.options() };
  }

  /** The metric's own config entries. */
  protected options(): Record<string, unknown> {
    return {};
  }

  /** Throws if a model or data with `cols` values per row cannot feed this metric. @internal */
  checkCols(cols: number, where: string): void {
    void cols; void where;
  }

  /** @internal f64 slots of state this metric needs for a model whose output has `cols` values per loss row. */
  abstract stateSize(cols: number): number;

  /**
   * @internal Adds a batch to the state (byte offset of `stateSize(cols)` f64s, zeroed = empty); `weights` is the
   * byte offset of one f32 per row, or 0 for unweighted. `scratch`, if given, is the byte offset of at least `rows`
   * f32s the mean metrics may overwrite; without it they use a shared block (see `reserveRowScratch`).
   */
  abstract update(state: number, pred: number, target: number, weights: number, rows: number, cols: number, scratch?: number): void;

  /** The value(s) from a state at byte offset `state`. */
  protected abstract compute(state: number, cols: number): number | number[];

  /** @internal The value from a state (a per-class metric throws: it has no single value to log). */
  resultOf(state: number, cols: number): number {
    const v = this.compute(state, cols);
    if (typeof v !== 'number') throw new ValueError(`${this.className}: the result is one value per class; it cannot be logged as one number`);
    return v;
  }

  /** Adds a batch: `yTrue` and `yPred` of shape [rows, cols] (or [rows] for one column; class indices when sparse). */
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): void {
    const where = `${this.className}.updateState()`;
    const batch = this.batch(yTrue, yPred, sampleWeight, where);
    if (this.#cols >= 0 && batch.cols !== this.#cols) {
      throw new ShapeError(`${where}: yPred has ${batch.cols} columns, but the state was built for ${this.#cols}; call resetState() first`);
    }
    this.checkCols(batch.cols, where);
    const state = this.#state ?? new Float64Array(this.stateSize(batch.cols));
    const data = [batch.pred, batch.target, ...(batch.weights ? [batch.weights] : [])];
    this.withState(state, (at) => {
      runOnCopies(data, [], (ins) => this.update(at, ins[0]!, ins[1]!, ins[2] ?? 0, batch.rows, batch.cols), where);
      state.set(readState(at, state.length));
    }, where);
    this.#state = state;
    this.#cols = batch.cols;
  }

  /** The value over every batch since the last reset (0 before any; an array for per-class results). */
  result(): number | number[] {
    if (!this.#state) return this.emptyResult();
    let value: number | number[] = 0;
    this.withState(this.#state, (at) => { value = this.compute(at, this.#cols); }, `${this.className}.result()`);
    return value;
  }

  /** Forgets every batch. */
  resetState(): void {
    this.#state = undefined;
    this.#cols = -1;
  }

  /** What result() gives before any update. */
  protected emptyResult(): number | number[] {
    return this.perClass ? [] : 0;
  }

  /** Runs `f` with a copy of `state` in a scratch block. */
  private withState(state: Float64Array, f: (at: number) => void, where: string): void {
    const at = arena.alloc(Math.max(1, state.length) * 8, where);
    try {
      new Float64Array(memory.buffer, at, state.length).set(state);
      f(at);
    } finally {
      arena.release(at);
    }
  }

  /** Checks and converts one standalone batch. */
  private batch(yTrue: TensorLike, yPred: TensorLike, sampleWeight: TensorLike | undefined, where: string): Batch {
    const pred = toTensor(yPred, where, 'yPred');
    const target = toTensor(yTrue, where, 'yTrue');
    const [rows, cols] = predRowsCols(pred, where);
    if (this.sparseTargets) {
      if (target.size !== rows || target.rank > 2 || (target.rank === 2 && target.shape[1] !== 1)) {
        throw new ShapeError(`${where}: yTrue must hold one class index per row ([${rows}] or [${rows}, 1]), got shape [${target.shape.join(', ')}]`);
      }
      target.data.forEach((v, r) => {
        if (!Number.isInteger(v) || v < 0 || v >= cols) throw new ValueError(`${where}: yTrue[${r}] must be a class index in [0, ${cols}), got ${describe(v)}`);
      });
    } else if (target.size !== pred.size || target.shape[0] !== rows) {
      throw new ShapeError(`${where}: yTrue has shape [${target.shape.join(', ')}], yPred [${pred.shape.join(', ')}]; they must match`);
    }
    let weights: Float32Array | undefined;
    if (sampleWeight !== undefined && sampleWeight !== null) {
      const w = toTensor(sampleWeight, where, 'sampleWeight');
      if (w.size !== rows || w.shape[0] !== rows) throw new ShapeError(`${where}: sampleWeight must hold one weight per row (${rows}), got shape [${w.shape.join(', ')}]`);
      weights = w.data;
    }
    return { rows, cols, pred: pred.data, target: target.data, ...(weights ? { weights } : {}) };
  }
}

// ─── Mean metrics: Σw·v / Σw of a per-row value ───

/** Options of every metric: its logged name. */
export interface MetricOptions { name?: string }

/** Keras's MeanMetricWrapper: the weighted mean over rows of a per-row value computed by a wasm kernel. */
export abstract class MeanMetric extends Metric {
  stateSize(): number {
    return 2;
  }

  /** @internal each row's value */
  protected abstract rows: RowsKernel;

  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number, scratch?: number): void {
    if (rows === 0) return;
    const out = scratch ?? reserveRowScratch(rows);
    this.rows(out, pred, target, rows, cols);
    k.meanMetricUpdate(state, out, weights, rows);
  }

  protected compute(state: number): number {
    const [total, count] = readState(state, 2);
    return count === 0 ? 0 : total! / count!;
  }
}

/** Keras's `Accuracy`: how often predictions equal targets exactly (mean over each row's values). */
export class Accuracy extends MeanMetric {
  readonly className: string = 'Accuracy';
  protected rows: RowsKernel = k.accuracyRows;
  constructor(options?: MetricOptions | null) {
    const o = readOptions(options, ['name'], 'Accuracy()');
    super(o.name, 'accuracy', 'Accuracy()');
  }
}

/** Options of BinaryAccuracy: a prediction above `threshold` (default 0.5) is class 1. */
export interface BinaryAccuracyOptions extends MetricOptions { threshold?: number }

/** Keras's `BinaryAccuracy`: how often (p > threshold) equals the 0/1 target. */
export class BinaryAccuracy extends MeanMetric {
  readonly className: string = 'BinaryAccuracy';
  readonly threshold: number;
  protected rows: RowsKernel;
  constructor(options?: BinaryAccuracyOptions | null) {
    const where = 'BinaryAccuracy()';
    const o = readOptions(options, ['name', 'threshold'], where);
    super(o.name, 'binary_accuracy', where);
    const threshold = o.threshold === undefined ? 0.5 : number(o.threshold, 'threshold', where);
    this.threshold = threshold;
    this.rows = (out, p, t, r, c) => k.binaryAccuracyRows(out, p, t, r, c, threshold);
  }
  protected override options(): Record<string, unknown> {
    return { threshold: this.threshold };
  }
}

/** Keras's `CategoricalAccuracy`: how often the argmax of the prediction is the argmax of the one-hot target. */
export class CategoricalAccuracy extends MeanMetric {
  readonly className: string = 'CategoricalAccuracy';
  protected rows: RowsKernel = k.categoricalAccuracyRows;
  constructor(options?: MetricOptions | null) {
    super(readOptions(options, ['name'], 'CategoricalAccuracy()').name, 'categorical_accuracy', 'CategoricalAccuracy()');
  }
}

/** Keras's `SparseCategoricalAccuracy`: how often the argmax of the prediction is the class index. */
export class SparseCategoricalAccuracy extends MeanMetric {
  readonly className: string = 'SparseCategoricalAccuracy';
  override readonly sparseTargets = true;
  protected rows: RowsKernel = k.sparseCategoricalAccuracyRows;
  constructor(options?: MetricOptions | null) {
    super(readOptions(options, ['name'], 'SparseCategoricalAccuracy()').name, 'sparse_categorical_accuracy', 'SparseCategoricalAccuracy()');
  }
}

/** Options of the top-k accuracies: `k` (default 5). */
export interface TopKOptions extends MetricOptions { k?: number }

/** What the top-k accuracies share: `k`, checked and clamped for the kernel, and saved. */
abstract class TopKMean extends MeanMetric {
  readonly k: number;
  protected rows: RowsKernel;
  protected constructor(options: TopKOptions | null | undefined, defaultName: string, where: string,
    kernel: (out: number, p: number, t: number, r: number, c: number, k: number) => void) {
    const o = readOptions(options, ['name', 'k'], where);
    super(o.name, defaultName, where);
    const kk = o.k === undefined ? 5 : integer(o.k, 'k', where, 1);
    const kClamped = Math.min(kk, 2 ** 31 - 1); // an i32 in the kernel: more than the columns means every class
    this.k = kk;
    this.rows = (out, p, t, r, c) => kernel(out, p, t, r, c, kClamped);
  }
  protected override options(): Record<string, unknown> {
    return { k: this.k };
  }
}

/**
 * Keras's `TopKCategoricalAccuracy`: how often the target class is among the k highest scores (TensorFlow's
 * in_top_k: scores tied with the k-th are all in the top k).
 */
export class TopKCategoricalAccuracy extends TopKMean {
  readonly className: string = 'TopKCategoricalAccuracy';
  constructor(options?: TopKOptions | null) {
    super(options, 'top_k_categorical_accuracy', 'TopKCategoricalAccuracy()', k.topKCategoricalAccuracyRows);
  }
}

/** Keras's `SparseTopKCategoricalAccuracy`: top-k accuracy against class indices. */
export class SparseTopKCategoricalAccuracy extends TopKMean {
  readonly className: string = 'SparseTopKCategoricalAccuracy';
  override readonly sparseTargets = true;
  constructor(options?: TopKOptions | null) {
    super(options, 'sparse_top_k_categorical_accuracy', 'SparseTopKCategoricalAccuracy()', k.sparseTopKCategoricalAccuracyRows);
  }
}

/** The per-row kernel of a loss (with Keras's defaults), looked up when a metric is made. */
function lossRows(loss: string, where: string): RowsKernel {
  return resolveLoss(loss, where).kernels().rows;
}

/** A mean metric over a loss's per-row values (Keras's MeanSquaredError, Hinge, KLDivergence, …). */
abstract class LossMean extends MeanMetric {
  protected rows: RowsKernel;
  protected constructor(options: MetricOptions | null | undefined, loss: string, defaultName: string, where: string) {
    super(readOptions(options, ['name'], where).name, defaultName, where);
    this.rows = lossRows(loss, where);
  }
}

/** Keras's `MeanSquaredError`: mean over rows of mean((p − t)²). */
export class MeanSquaredError extends LossMean {
  readonly className: string = 'MeanSquaredError';
  constructor(options?: MetricOptions | null) {
    super(options, 'mse', 'mean_squared_error', 'MeanSquaredError()');
  }
}

/** Keras's `MeanAbsoluteError`: mean over rows of mean(|p − t|). */
export class MeanAbsoluteError extends LossMean {
  readonly className: string = 'MeanAbsoluteError';
  constructor(options?: MetricOptions | null) {
    super(options, 'mae', 'mean_absolute_error', 'MeanAbsoluteError()');
  }
}

/** Keras's `MeanAbsolutePercentageError`. */
export class MeanAbsolutePercentageError extends LossMean {
  readonly className: string = 'MeanAbsolutePercentageError';
  constructor(options?: MetricOptions | null) {
    super(options, 'mape', 'mean_absolute_percentage_error', 'MeanAbsolutePercentageError()');
  }
}

/** Keras's `MeanSquaredLogarithmicError`. */
export class MeanSquaredLogarithmicError extends LossMean {
  readonly className: string = 'MeanSquaredLogarithmicError';
  constructor(options?: MetricOptions | null) {
    super(options, 'msle', 'mean_squared_logarithmic_error', 'MeanSquaredLogarithmicError()');
  }
}

/** Keras's `LogCoshError`. */
export class LogCoshError extends LossMean {
  readonly className: string = 'LogCoshError';
  constructor(options?: MetricOptions | null) {
    super(options, 'logcosh', 'logcosh', 'LogCoshError()');
  }
}

/** Keras's `Hinge`. */
export class Hinge extends LossMean {
  readonly className: string = 'Hinge';
  constructor(options?: MetricOptions | null) {
    super(options, 'hinge', 'hinge', 'Hinge()');
  }
}

/** Keras's `SquaredHinge`. */
export class SquaredHinge extends LossMean {
  readonly className: string = 'SquaredHinge';
  constructor(options?: MetricOptions | null) {
    super(options, 'squared_hinge', 'squared_hinge', 'SquaredHinge()');
  }
}

/** Keras's `CategoricalHinge`. */
export class CategoricalHinge extends LossMean {
  readonly className: string = 'CategoricalHinge';
  constructor(options?: MetricOptions | null) {
    super(options, 'categorical_hinge', 'categorical_hinge', 'CategoricalHinge()');
  }
}

/** Keras's `KLDivergence`. */
export class KLDivergence extends LossMean {
  readonly className: string = 'KLDivergence';
  constructor(options?: MetricOptions | null) {
    super(options, 'kld', 'kl_divergence', 'KLDivergence()');
  }
}

/** Keras's `Poisson`. */
export class Poisson extends LossMean {
  readonly className: string = 'Poisson';
  constructor(options?: MetricOptions | null) {
    super(options, 'poisson', 'poisson', 'Poisson()');
  }
}

/** Keras's `BinaryCrossentropy` metric (probabilities). */
export class BinaryCrossentropy extends LossMean {
  readonly className: string = 'BinaryCrossentropy';
  constructor(options?: MetricOptions | null) {
    super(options, 'binary_crossentropy', 'binary_crossentropy', 'BinaryCrossentropy()');
  }
}

/** Keras's `CategoricalCrossentropy` metric (probabilities). */
export class CategoricalCrossentropy extends LossMean {
  readonly className: string = 'CategoricalCrossentropy';
  constructor(options?: MetricOptions | null) {
    super(options, 'categorical_crossentropy', 'categorical_crossentropy', 'CategoricalCrossentropy()');
  }
}

/** Keras's `SparseCategoricalCrossentropy` metric (probabilities, class indices). */
export class SparseCategoricalCrossentropy extends LossMean {
  readonly className: string = 'SparseCategoricalCrossentropy';
  override readonly sparseTargets: boolean = true;
  constructor(options?: MetricOptions | null) {
    super(options, 'sparse_categorical_crossentropy', 'sparse_categorical_crossentropy', 'SparseCategoricalCrossentropy()');
  }
}

/** Keras's `RootMeanSquaredError`: √(Σw·mse_row / Σw). */
export class RootMeanSquaredError extends LossMean {
  readonly className: string = 'RootMeanSquaredError';
  constructor(options?: MetricOptions | null) {
    super(options, 'mse', 'root_mean_squared_error', 'RootMeanSquaredError()');
  }
  protected override compute(state: number): number {
    return Math.sqrt(super.compute(state));
  }
}

/** Keras's `CosineSimilarity`: the mean over rows of the cosine of the angle between prediction and target (minus the loss). */
export class CosineSimilarity extends LossMean {
  readonly className: string = 'CosineSimilarity';
  constructor(options?: MetricOptions | null) {
    super(options, 'cosine_similarity', 'cosine_similarity', 'CosineSimilarity()');
  }
  protected override options(): Record<string, unknown> {
    return { axis: -1 };
  }
  protected override compute(state: number): number {
    return -super.compute(state);
  }
}

// ─── Confusion-matrix metrics ───

/** Whether thresholds are Keras's evenly spaced i/(n − 1) (at least 3, within 1e-7): the bucketed algorithm. */
function evenlySpaced(thresholds: readonly number[]): boolean {
  const n = thresholds.length;
  if (n < 3) return false;
  return thresholds.every((t, i) => Math.abs(t - Math.fround(i / (n - 1))) <= EPSILON + 1e-5 * Math.abs(Math.fround(i / (n - 1))));
}

/** Options of Precision and Recall. */
export interface PrecisionOptions extends MetricOptions {
  /** A threshold or list of them in [0, 1] (default 0.5, or none with `topK`): one value per threshold. */
  thresholds?: number | number[];
  /** Count only each row's k highest scores as positive. */
  topK?: number;
  /** Look at one column (class) only. */
  classId?: number;
}

/** Precision and Recall: tp/fp/tn/fn per threshold, by Keras's confusion-matrix update. */
abstract class ConfusionMetric extends Metric {
  readonly thresholds: readonly number[];
  readonly topK: number | undefined;
  readonly classId: number | undefined;
  override readonly perClass: boolean;
  readonly #given: number | number[] | undefined;
  readonly #even: boolean;

  protected constructor(options: PrecisionOptions | null | undefined, defaultName: string, where: string) {
    const o = readOptions(options, ['name', 'thresholds', 'topK', 'classId'], where);
    super(o.name, defaultName, where);
    this.topK = o.topK === undefined ? undefined : integer(o.topK, 'topK', where, 1);
    this.classId = o.classId === undefined ? undefined : integer(o.classId, 'classId', where, 0);
    const given = o.thresholds;
    const list = given === undefined ? [this.topK === undefined ? 0.5 : NEG_INF] : Array.isArray(given) ? given : [given];
    if (given !== undefined) {
      if (list.length === 0) throw new ValueError(`${where}: thresholds must not be empty`);
      list.forEach((t, i) => number(t, `thresholds[${i}]`, where, { min: 0, max: 1 }));
    }
    this.#given = Array.isArray(given) ? [...given] : given;
    this.thresholds = Object.freeze([...list]);
    this.#even = evenlySpaced(list);
    this.perClass = list.length > 1;
  }

  override checkCols(cols: number, where: string): void {
    if (this.classId !== undefined && this.classId >= cols) throw new ValueError(`${where}: classId ${this.classId} is outside the ${cols} columns of the predictions`);
  }

  protected override options(): Record<string, unknown> {
    return { thresholds: this.#given ?? null, top_k: this.topK ?? null, class_id: this.classId ?? null };
  }

  stateSize(): number {
    return this.#even ? 2 * this.thresholds.length + 2 : 4 * this.thresholds.length;
  }

  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number): void {
    const classId = Math.min(this.classId ?? -1, 2 ** 31 - 1);
    const topK = Math.min(this.topK ?? 0, 2 ** 31 - 1);
    const n = this.thresholds.length;
    if (this.#even) { k.confusionBucketsUpdate(state, pred, target, weights, rows, cols, n, classId, topK, false, false); return; }
    for (let i = 0; i < n; i++) k.confusionUpdate(state + 32 * i, pred, target, weights, rows, cols, this.thresholds[i]!, classId, topK);
  }

  /** [tp, fp, tn, fn] at each threshold. */
  protected counts(state: number): [number, number, number, number][] {
    const n = this.thresholds.length;
    const s = readState(state, this.stateSize());
    if (!this.#even) return Array.from({ length: n }, (_, i) => [s[4 * i]!, s[4 * i + 1]!, s[4 * i + 2]!, s[4 * i + 3]!]);
    const pos = s[2 * n]!;
    const neg = s[2 * n + 1]!;
    const out: [number, number, number, number][] = new Array(n);
    let tp = 0;
    let fp = 0;
    for (let i = n - 1; i >= 0; i--) {
      tp += s[i]!;
      fp += s[n + i]!;
      out[i] = [tp, fp, neg - fp, pos - tp];
    }
    return out;
  }

  protected override emptyResult(): number | number[] {
    return this.perClass ? this.thresholds.map(() => 0) : 0;
  }
}

const divNoNan = (a: number, b: number) => (b === 0 ? 0 : a / b);

/**
 * Keras's `Precision`: tp / (tp + fp) at each threshold (0 when nothing was predicted positive). Unlike Keras, a
 * rank-1 `yPred` is one column of rows (Keras takes it as one row), which matters only for `topK`.
 */
export class Precision extends ConfusionMetric {
  readonly className: string = 'Precision';
  constructor(options?: PrecisionOptions | null) {
    super(options, 'precision', 'Precision()');
  }
  protected compute(state: number): number | number[] {
    const v = this.counts(state).map(([tp, fp]) => divNoNan(tp, tp + fp));
    return this.perClass ? v : v[0]!;
  }
}

/** Keras's `Recall`: tp / (tp + fn) at each threshold (0 when there were no positives). */
export class Recall extends ConfusionMetric {
  readonly className: string = 'Recall';
  constructor(options?: PrecisionOptions | null) {
    super(options, 'recall', 'Recall()');
  }
  protected compute(state: number): number | number[] {
    const v = this.counts(state).map(([tp, , , fn]) => divNoNan(tp, tp + fn));
    return this.perClass ? v : v[0]!;
  }
}

/** Options of AUC. */
export interface AUCOptions extends MetricOptions {
  /** Thresholds to discretise the curve with (default 200; more than 1). */
  numThresholds?: number;
  /** 'ROC' (default) or 'PR'. */
  curve?: 'ROC' | 'PR';
  /** 'interpolation' (default), 'minoring' or 'majoring'. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Inner thresholds in [0, 1] instead of `numThresholds` evenly spaced ones (must be evenly spaced here). */
  thresholds?: number[];
  /** One curve per column, averaged (default false: every value is one more example). */
  multiLabel?: boolean;
}

/**
 * Keras's `AUC`: the area under the ROC or PR curve by Keras's bucketed algorithm over evenly spaced thresholds
 * (−ε, 1/(n−1), …, 1+ε), PR interpolated as Davis & Goadrich; computed in float64 throughout.
 */
export class AUC extends Metric {
  readonly className: string = 'AUC';
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'minoring' | 'majoring';
  readonly multiLabel: boolean;
  readonly #inner: number[] | undefined;

  constructor(options?: AUCOptions | null) {
    const where = 'AUC()';
    const o = readOptions(options, ['name', 'numThresholds', 'curve', 'summationMethod', 'thresholds', 'multiLabel'], where);
    super(o.name, 'auc', where);
    const curve = typeof o.curve === 'string' ? o.curve.toUpperCase() : o.curve;
    this.curve = oneOf(curve ?? 'ROC', ['ROC', 'PR'] as const, 'curve', where);
    const method = typeof o.summationMethod === 'string' ? o.summationMethod.toLowerCase() : o.summationMethod;
    this.summationMethod = oneOf(method ?? 'interpolation', ['interpolation', 'minoring', 'majoring'] as const, 'summationMethod', where);
    this.multiLabel = o.multiLabel === undefined ? false : boolean(o.multiLabel, 'multiLabel', where);
    if (o.thresholds !== undefined) {
      if (!Array.isArray(o.thresholds)) throw new ValueError(`${where}: thresholds must be an array of numbers in [0, 1], got ${describe(o.thresholds)}`);
      const inner = o.thresholds.map((t, i) => number(t, `thresholds[${i}]`, where, { min: 0, max: 1 })).sort((a, b) => a - b);
      if (!evenlySpaced([0, ...inner, 1])) {
        throw new ValueError(`${where}: thresholds must be evenly spaced between 0 and 1 (e.g. [0.25, 0.5, 0.75]); neurasm supports Keras's bucketed algorithm only`);
      }
      this.#inner = inner;
      this.numThresholds = inner.length + 2;
    } else {
      this.numThresholds = o.numThresholds === undefined ? 200 : integer(o.numThresholds, 'numThresholds', where, 2, 1 << 24);
    }
  }

  protected override options(): Record<string, unknown> {
    return {
      num_thresholds: this.numThresholds, curve: this.curve, summation_method: this.summationMethod, multi_label: this.multiLabel,
      num_labels: null, label_weights: null, from_logits: false, ...(this.#inner ? { thresholds: [...this.#inner] } : {}),
    };
  }

  stateSize(cols: number): number {
    return (2 * this.numThresholds + 2) * (this.multiLabel ? cols : 1);
  }

  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number): void {
    k.confusionBucketsUpdate(state, pred, target, weights, rows, cols, this.numThresholds, -1, 0, this.multiLabel, true);
  }

  protected compute(state: number, cols: number): number {
    const curve = this.curve === 'ROC' ? 0 : 1;
    const method = this.summationMethod === 'interpolation' ? 0 : this.summationMethod === 'minoring' ? 1 : 2;
    return k.aucResult(state, this.numThresholds, this.multiLabel ? cols : 1, curve, method);
  }
}

// ─── F-scores and R² ───

/** Options of FBetaScore (and F1Score, whose beta is 1). */
export interface FBetaScoreOptions extends MetricOptions {
  /** null (default): one score per class; 'micro', 'macro' or 'weighted' average them. */
  average?: 'micro' | 'macro' | 'weighted' | null;
  /** Weight of recall against precision (default 1). */
  beta?: number;
  /** A score above it predicts the class; null (default): each row's highest score does. */
  threshold?: number | null;
}

/** Keras's `FBetaScore`: (1 + β²)·P·R / (β²·P + R) per class, from counts kept per class. */
export class FBetaScore extends Metric {
  readonly className: string = 'FBetaScore';
  readonly average: 'micro' | 'macro' | 'weighted' | null;
  readonly beta: number;
  readonly threshold: number | null;
  override readonly perClass: boolean;

  constructor(options?: FBetaScoreOptions | null, where = 'FBetaScore()', defaultName = 'fbeta_score', keys: ReadonlyArray<keyof FBetaScoreOptions & string> = ['name', 'average', 'beta', 'threshold']) {
    const o = readOptions(options, keys, where);
    super(o.name, defaultName, where);
    this.average = o.average === undefined ? null : oneOf(o.average, ['micro', 'macro', 'weighted'] as const, 'average', where);
    this.beta = o.beta === undefined ? 1 : number(o.beta, 'beta', where, { above: 0 });
    this.threshold = o.threshold === undefined ? null : number(o.threshold, 'threshold', where, { above: 0, max: 1 });
    this.perClass = this.average === null;
  }

  protected override options(): Record<string, unknown> {
    return { beta: this.beta, average: this.average, threshold: this.threshold };
  }

  stateSize(cols: number): number {
    return 4 * cols;
  }

  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number): void {
    k.fScoreUpdate(state, pred, target, weights, rows, cols, this.threshold ?? -1);
  }

  protected compute(state: number, cols: number): number | number[] {
    const s = readState(state, 4 * cols);
    const b2 = this.beta * this.beta;
    const score = (tp: number, fp: number, fn: number) => {
      const precision = tp / (tp + fp + EPSILON);
      const recall = tp / (tp + fn + EPSILON);
      return ((precision * recall) / (b2 * precision + recall + EPSILON)) * (1 + b2);
    };
    if (this.average === 'micro') {
      let tp = 0, fp = 0, fn = 0;
      for (let j = 0; j < cols; j++) { tp += s[j]!; fp += s[cols + j]!; fn += s[2 * cols + j]!; }
      return score(tp, fp, fn);
    }
    const scores = Array.from({ length: cols }, (_, j) => score(s[j]!, s[cols + j]!, s[2 * cols + j]!));
    if (this.average === null) return scores;
    if (this.average === 'macro') return scores.reduce((a, b) => a + b, 0) / cols;
    let total = 0;
    for (let j = 0; j < cols; j++) total += s[3 * cols + j]!;
    return scores.reduce((a, v, j) => a + v * (s[3 * cols + j]! / (total + EPSILON)), 0);
  }
}

/** Keras's `F1Score`: FBetaScore with β = 1. */
export class F1Score extends FBetaScore {
  override readonly className: string = 'F1Score';
  constructor(options?: Omit<FBetaScoreOptions, 'beta'> | null) {
    super(options, 'F1Score()', 'f1_score', ['name', 'average', 'threshold']);
  }
  protected override options(): Record<string, unknown> {
    return { average: this.average, threshold: this.threshold };
  }
}

/** Options of R2Score. */
export interface R2ScoreOptions extends MetricOptions {
  /** 'uniform_average' (default), 'variance_weighted_average', or null for one score per column. */
  classAggregation?: 'uniform_average' | 'variance_weighted_average' | null;
  /** Regressors for the adjusted R² (default 0: plain R²). */
  numRegressors?: number;
}

/** Keras's `R2Score`: 1 − Σw(t − p)² / Σw(t − t̄)² per column, aggregated; adjusted when numRegressors > 0. */
export class R2Score extends Metric {
  readonly className: string = 'R2Score';
  readonly classAggregation: 'uniform_average' | 'variance_weighted_average' | null;
  readonly numRegressors: number;
  override readonly perClass: boolean;

  constructor(options?: R2ScoreOptions | null) {
    const where = 'R2Score()';
    const o = readOptions(options, ['name', 'classAggregation', 'numRegressors'], where);
    super(o.name, 'r2_score', where);
    const given = options !== undefined && options !== null && Object.hasOwn(options, 'classAggregation') && options.classAggregation === null;
    this.classAggregation = given ? null : oneOf(o.classAggregation ?? 'uniform_average', ['uniform_average', 'variance_weighted_average'] as const, 'classAggregation', where);
    this.numRegressors = o.numRegressors === undefined ? 0 : integer(o.numRegressors, 'numRegressors', where, 0);
    this.perClass = this.classAggregation === null;
  }

  protected override options(): Record<string, unknown> {
    return { class_aggregation: this.classAggregation, num_regressors: this.numRegressors };
  }

  stateSize(cols: number): number {
    return 4 * cols + 1;
  }

  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number): void {
    k.r2Update(state, pred, target, weights, rows, cols);
  }

  protected compute(state: number, cols: number): number | number[] {
    const s = readState(state, 4 * cols + 1);
    const totals: number[] = [];
    const raw = Array.from({ length: cols }, (_, j) => {
      const sum = s[j]!;
      const mean = sum / s[3 * cols + j]!;
      const total = s[cols + j]! - sum * mean;
      totals.push(total);
      const r = 1 - s[2 * cols + j]! / total;
      return r === Infinity || r === -Infinity ? 0 : r;
    });
    if (this.classAggregation === null) return raw;
    let r2 = this.classAggregation === 'uniform_average'
      ? raw.reduce((a, b) => a + b, 0) / cols
      : raw.reduce((a, v, j) => a + totals[j]! * v, 0) / totals.reduce((a, b) => a + b, 0);
    const n = s[4 * cols]!;
    const p = this.numRegressors;
    // Keras warns and keeps the plain R² when there are too few samples for the adjusted one.
    if (p !== 0 && p < n - 1) r2 = 1 - ((1 - r2) * (n - 1)) / (n - p - 1);
    return r2;
  }
}

// ─── The table of names ───

interface MetricRow { make: (options?: Record<string, unknown> | null) => Metric; aliases?: readonly string[] }
type Ctor = new (options?: never) => Metric;
const row = (C: Ctor, aliases?: readonly string[]): MetricRow => ({ make: (o) => new C(o as never), ...(aliases ? { aliases } : {}) });

/** Every metric by name (camelCase key; snake_case, class names and aliases resolve too). */
export const METRICS = {
  accuracy: { make: (o) => new Accuracy(o), aliases: ['acc'] },
  binaryAccuracy: row(BinaryAccuracy),
  categoricalAccuracy: row(CategoricalAccuracy),
  sparseCategoricalAccuracy: row(SparseCategoricalAccuracy),
  topKCategoricalAccuracy: row(TopKCategoricalAccuracy),
  sparseTopKCategoricalAccuracy: row(SparseTopKCategoricalAccuracy),
  precision: row(Precision),
  recall: row(Recall),
  auc: row(AUC, ['AUC']),
  f1Score: row(F1Score),
  fBetaScore: row(FBetaScore, ['fbeta_score', 'FBetaScore']),
  r2Score: row(R2Score),
  meanSquaredError: row(MeanSquaredError, ['mse', 'MSE']),
  meanAbsoluteError: row(MeanAbsoluteError, ['mae', 'MAE']),
  meanAbsolutePercentageError: row(MeanAbsolutePercentageError, ['mape', 'MAPE']),
  meanSquaredLogarithmicError: row(MeanSquaredLogarithmicError, ['msle', 'MSLE']),
  rootMeanSquaredError: row(RootMeanSquaredError, ['rmse']),
  cosineSimilarity: row(CosineSimilarity, ['cosine', 'cosine_proximity']),
  logCoshError: row(LogCoshError, ['logcosh', 'log_cosh']),
  hinge: row(Hinge),
  squaredHinge: row(SquaredHinge),
  categoricalHinge: row(CategoricalHinge),
  klDivergence: row(KLDivergence, ['kld', 'KLD', 'kullback_leibler_divergence']),
  poisson: row(Poisson),
  binaryCrossentropy: row(BinaryCrossentropy, ['bce']),
  categoricalCrossentropy: row(CategoricalCrossentropy, ['cce']),
  sparseCategoricalCrossentropy: row(SparseCategoricalCrossentropy, ['scce']),
} satisfies Record<string, MetricRow>;

/** A metric's name: `'accuracy'`, `'mse'`, `'auc'`, `'categoricalAccuracy'`, … */
export type MetricName = keyof typeof METRICS;

/** Renames a metric made from a string to that string, as Keras logs a metric given by name. */
function named(metric: Metric, name: string): Metric {
  Object.defineProperty(metric, 'name', { value: name, writable: false, enumerable: true });
  return metric;
}

/**
 * Binds what compile's `metrics` lists for a model with `outputs` values per row: a Metric instance (kept, so its
 * state is the model's), a name, alias or class name. 'accuracy' and 'acc' choose binary (one output), sparse
 * (class-index targets) or categorical accuracy, as Keras 3 does. A per-class metric is refused: fit logs numbers.
 */
export function resolveMetric(metric: unknown, outputs: number, sparseTargets: boolean, where: string): Metric {
  let m: Metric;
  if (metric instanceof Metric) m = metric;
  else {
    const { key, row: r } = lookup<MetricRow>(METRICS as Record<string, MetricRow>, metric, 'metric', where);
    if (key === 'accuracy') {
      const chosen = outputs === 1 ? new BinaryAccuracy() : sparseTargets ? new SparseCategoricalAccuracy() : new CategoricalAccuracy();
      return named(chosen, metric === 'acc' ? 'acc' : 'accuracy');
    }
    m = named(r.make(), metric as string);
  }
  if (m.perClass) {
    throw new ValueError(`${where}: metric '${m.name}' (${m.className}) gives one value per class or threshold, which fit cannot log; ` +
      'choose an average (e.g. average: "macro") or one threshold, or use it standalone with updateState()/result()');
  }
  if (m.sparseTargets && !sparseTargets) throw new ValueError(`${where}: metric '${m.name}' (${m.className}) needs class-index targets, but the loss takes ${outputs} values per row`);
  if (!m.sparseTargets && sparseTargets) throw new ValueError(`${where}: metric '${m.name}' (${m.className}) needs one target per output, but the loss takes class indices`);
  m.checkCols(outputs, where);
  return m;
}

/** Config entries Keras saves that neurasm accepts only at these (Keras's default) values. */
const SAVED_DEFAULTS: Record<string, unknown> = { axis: -1, num_labels: null, label_weights: null, from_logits: false, label_smoothing: 0, ignore_class: null };

/** Makes a metric from a saved config `{ class_name, config }` (Keras's snake_case keys) or a name. */
export function metricFromConfig(config: { class_name: string; config?: Record<string, unknown> } | string, where: string): Metric {
  if (typeof config === 'string') return resolveByName(config, where);
  if (typeof config !== 'object' || config === null || typeof config.class_name !== 'string') {
    throw new ValueError(`${where}: a metric config must be a name or { class_name, config }, got ${describe(config)}`);
  }
  const { row: r } = lookup<MetricRow>(METRICS as Record<string, MetricRow>, config.class_name, 'metric', where);
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config.config ?? {})) {
    // Keras writes these with their defaults; any other value is a setting neurasm's metrics do not have.
    if (key === 'dtype' || (Object.hasOwn(SAVED_DEFAULTS, key) && SAVED_DEFAULTS[key] === value)) continue;
    options[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  if (config.class_name === 'F1Score') delete options.beta;
  if (options.classAggregation === null) return new R2Score({ ...options, classAggregation: null } as R2ScoreOptions);
  return r.make(options);
}

function resolveByName(name: string, where: string): Metric {
  const { key, row: r } = lookup<MetricRow>(METRICS as Record<string, MetricRow>, name, 'metric', where);
  return key === 'accuracy' ? named(new Accuracy(), name) : named(r.make(), name);
}

// ─── Keras's standalone functions: one value per row ───

/** yPred's rows and columns (a [rows] tensor is one column), checked as every standalone batch is. */
function predRowsCols(pred: Tensor, where: string): [rows: number, cols: number] {
  if (pred.rank < 1 || pred.rank > 2) throw new ShapeError(`${where}: yPred must have shape [rows, cols] or [rows], got [${pred.shape.join(', ')}]`);
  const rows = pred.shape[0]!;
  const cols = pred.rank === 2 ? pred.shape[1]! : 1;
  if (rows > 0 && cols === 0) throw new ShapeError(`${where}: yPred has rows of no values`);
  return [rows, cols];
}

/** Runs a rows kernel on copies of the inputs; the per-row values as a Tensor of shape [rows]. */
function perRow(kernel: RowsKernel, yTrue: TensorLike, yPred: TensorLike, sparse: boolean, where: string): Tensor {
  const pred = toTensor(yPred, where, 'yPred');
  const target = toTensor(yTrue, where, 'yTrue');
  const [rows, cols] = predRowsCols(pred, where);
  if (sparse) {
    if (target.size !== rows) throw new ShapeError(`${where}: yTrue must hold one class index per row (${rows}), got shape [${target.shape.join(', ')}]`);
    target.data.forEach((v, r) => {
      if (!Number.isInteger(v) || v < 0 || v >= cols) throw new ValueError(`${where}: yTrue[${r}] must be a class index in [0, ${cols}), got ${describe(v)}`);
    });
  } else if (target.size !== pred.size || target.shape[0] !== rows) {
    throw new ShapeError(`${where}: yTrue has shape [${target.shape.join(', ')}], yPred [${pred.shape.join(', ')}]; they must match`);
  }
  const [out] = runOnCopies([pred.data, target.data], [rows], (ins, outs) => kernel(outs[0]!, ins[0]!, ins[1]!, rows, cols), where);
  return new Tensor(out!, [rows]);
}

const lossFunction = (loss: string, name: string, sparse = false) =>
  (yTrue: TensorLike, yPred: TensorLike): Tensor => perRow(lossRows(loss, `metrics.${name}()`), yTrue, yPred, sparse, `metrics.${name}()`);

/** Keras's standalone metric functions and metric classes. */
export const metrics = {
  Metric, MeanMetric, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy, Precision, Recall, AUC, F1Score, FBetaScore, R2Score, MeanSquaredError, MeanAbsoluteError,
  MeanAbsolutePercentageError, MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError, Hinge,
  SquaredHinge, CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
  /** Per row: mean_j [p == t]. */
  accuracy: (yTrue: TensorLike, yPred: TensorLike): Tensor => perRow(k.accuracyRows, yTrue, yPred, false, 'metrics.accuracy()'),
  /** Per row: mean_j [(p > threshold) == t] (threshold 0.5). */
  binaryAccuracy(yTrue: TensorLike, yPred: TensorLike, options?: { threshold?: number } | null): Tensor {
    const where = 'metrics.binaryAccuracy()';
    const o = readOptions(options, ['threshold'], where);
    const threshold = o.threshold === undefined ? 0.5 : number(o.threshold, 'threshold', where);
    return perRow((out, p, t, r, c) => k.binaryAccuracyRows(out, p, t, r, c, threshold), yTrue, yPred, false, where);
  },
  /** Per row: [argmax p = argmax t]. */
  categoricalAccuracy: (yTrue: TensorLike, yPred: TensorLike): Tensor =>
    perRow(k.categoricalAccuracyRows, yTrue, yPred, false, 'metrics.categoricalAccuracy()'),
  /** Per row: [argmax p = t]. */
  sparseCategoricalAccuracy: (yTrue: TensorLike, yPred: TensorLike): Tensor =>
    perRow(k.sparseCategoricalAccuracyRows, yTrue, yPred, true, 'metrics.sparseCategoricalAccuracy()'),
  /** Per row: whether the target class is among the k highest scores (k 5). */
  topKCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike, options?: { k?: number } | null): Tensor {
    const where = 'metrics.topKCategoricalAccuracy()';
    const kk = readOptions(options, ['k'], where).k;
    const n = Math.min(kk === undefined ? 5 : integer(kk, 'k', where, 1), 2 ** 31 - 1);
    return perRow((out, p, t, r, c) => k.topKCategoricalAccuracyRows(out, p, t, r, c, n), yTrue, yPred, false, where);
  },
  /** Per row: whether the class index is among the k highest scores (k 5). */
  sparseTopKCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike, options?: { k?: number } | null): Tensor {
    const where = 'metrics.sparseTopKCategoricalAccuracy()';
    const kk = readOptions(options, ['k'], where).k;
    const n = Math.min(kk === undefined ? 5 : integer(kk, 'k', where, 1), 2 ** 31 - 1);
    return perRow((out, p, t, r, c) => k.sparseTopKCategoricalAccuracyRows(out, p, t, r, c, n), yTrue, yPred, true, where);
  },
  /** Per row: the cosine similarity of prediction and target. */
  cosineSimilarity(yTrue: TensorLike, yPred: TensorLike): Tensor {
    const where = 'metrics.cosineSimilarity()';
    const loss = perRow(lossRows('cosine_similarity', where), yTrue, yPred, false, where);
    return new Tensor(loss.data.map((v) => -v), [...loss.shape]);
  },
  /** Per row: mean((p − t)²). */
  meanSquaredError: lossFunction('mse', 'meanSquaredError'),
  /** Per row: mean(|p − t|). */
  meanAbsoluteError: lossFunction('mae', 'meanAbsoluteError'),
  /** Per row: Keras's mean absolute percentage error. */
  meanAbsolutePercentageError: lossFunction('mape', 'meanAbsolutePercentageError'),
  /** Per row: Keras's mean squared logarithmic error. */
  meanSquaredLogarithmicError: lossFunction('msle', 'meanSquaredLogarithmicError'),
  /** Per row: Keras's hinge. */
  hinge: lossFunction('hinge', 'hinge'),
  /** Per row: Keras's squared hinge. */
  squaredHinge: lossFunction('squared_hinge', 'squaredHinge'),
  /** Per row: Keras's categorical hinge. */
  categoricalHinge: lossFunction('categorical_hinge', 'categoricalHinge'),
  /** Per row: Keras's KL divergence. */
  klDivergence: lossFunction('kld', 'klDivergence'),
  /** Per row: Keras's Poisson. */
  poisson: lossFunction('poisson', 'poisson'),
  /** Per row: Keras's log-cosh. */
  logCoshError: lossFunction('logcosh', 'logCoshError'),
  /** Per row: binary cross-entropy of probabilities. */
  binaryCrossentropy: lossFunction('binary_crossentropy', 'binaryCrossentropy'),
  /** Per row: categorical cross-entropy of probabilities. */
  categoricalCrossentropy: lossFunction('categorical_crossentropy', 'categoricalCrossentropy'),
  /** Per row: sparse categorical cross-entropy of probabilities. */
  sparseCategoricalCrossentropy: lossFunction('sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy', true),
};
