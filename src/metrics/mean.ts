// Keras's mean metrics: the weighted mean over rows of a per-row value (accuracies, top-k, the losses' means).
import { kernels as k } from '../backend.js';
import { integer, number, readOptions } from '../arguments.js';
import { resolveLoss } from '../losses.js';
import { Metric, f64At, reserveRowScratch, type RowsKernel } from './metric.js';

// ─── Mean metrics: Σw·v / Σw of a per-row value ───

/** Options of every metric: its logged name. */
export interface MetricOptions { name?: string }

/** Keras's MeanMetricWrapper: the weighted mean over rows of a per-row value computed by a wasm kernel. */
export abstract class MeanMetric extends Metric {
  /** @internal */
  stateSize(): number {
    return 2;
  }

  /** @internal each row's value */
  protected abstract rows: RowsKernel;

  /** @internal */
  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number, scratch?: number): void {
    if (rows === 0) return;
    const out = scratch ?? reserveRowScratch(rows);
    this.rows(out, pred, target, rows, cols);
    k.meanMetricUpdate(state, out, weights, rows);
  }

  protected compute(state: number): number {
    const count = f64At(state + 8);
    return count === 0 ? 0 : f64At(state) / count;
  }
}

/** Keras's `Accuracy`: how often predictions equal targets exactly (mean over each row's values). */
export class Accuracy extends MeanMetric {
  readonly className: string = 'Accuracy';
  /** @internal */
  override readonly rises: boolean = true;
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
  /** @internal */
  override readonly rises: boolean = true;
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
  /** @internal */
  override readonly rises: boolean = true;
  protected rows: RowsKernel = k.categoricalAccuracyRows;
  constructor(options?: MetricOptions | null) {
    super(readOptions(options, ['name'], 'CategoricalAccuracy()').name, 'categorical_accuracy', 'CategoricalAccuracy()');
  }
}

/** Keras's `SparseCategoricalAccuracy`: how often the argmax of the prediction is the class index. */
export class SparseCategoricalAccuracy extends MeanMetric {
  readonly className: string = 'SparseCategoricalAccuracy';
  /** @internal */
  override readonly rises: boolean = true;
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
  /** @internal */
  override readonly rises: boolean = true;
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
export function lossRows(loss: string, where: string): RowsKernel {
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
  /** @internal */
  override readonly rises: boolean = true;
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

