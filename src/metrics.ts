// Metrics as Keras 3 has them: objects whose state is a few f64 slots that wasm kernels add each batch to (row by
// row, in row order, so the result does not depend on batch size), and whose value the host computes from that
// state with + − × ÷ (and sqrt). The classes live in metrics/, one file per family; here are METRICS, the one table of
// names, `resolveMetric`, which binds what compile is given, and Keras's standalone functions.
import { kernels as k } from './backend.js';
import { ShapeError, ValueError, describe } from './errors.js';
import { integer, number, readOptions } from './arguments.js';
import { lookup, type Spelling } from './names.js';
import { runOnCopies } from './standalone.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';
import { Metric, predRowsCols, type RowsKernel } from './metrics/metric.js';
import {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
  MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, LogCoshError, Hinge, SquaredHinge,
  CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
  RootMeanSquaredError, CosineSimilarity, MeanMetric, lossRows,
} from './metrics/mean.js';
import { Precision, Recall, AUC } from './metrics/confusion.js';
import { FBetaScore, F1Score, R2Score, type R2ScoreOptions } from './metrics/scores.js';

export * from './metrics/metric.js';
export * from './metrics/mean.js';
export * from './metrics/confusion.js';
export * from './metrics/scores.js';

// ─── The table of names ───

interface MetricRow { make: (options?: Record<string, unknown> | null) => Metric; aliases?: readonly string[] }
type Ctor = new (options?: never) => Metric;
const row = <const A extends readonly string[] = readonly never[]>(C: Ctor, aliases?: A): MetricRow & { aliases?: A } =>
  ({ make: (o) => new C(o as never), ...(aliases ? { aliases } : {}) });

/** Every metric by name (camelCase key; snake_case, class names and aliases resolve too). */
export const METRICS = {
  accuracy: { make: (o) => new Accuracy(o), aliases: ['acc'] as const },
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
  klDivergence: row(KLDivergence, ['kld', 'KLD', 'kullback_leibler_divergence', 'KLDivergence']),
  poisson: row(Poisson),
  binaryCrossentropy: row(BinaryCrossentropy, ['bce']),
  categoricalCrossentropy: row(CategoricalCrossentropy, ['cce']),
  sparseCategoricalCrossentropy: row(SparseCategoricalCrossentropy, ['scce']),
} satisfies Record<string, MetricRow>;

/** A metric's name: `'accuracy'`, `'mse'`, `'auc'`, `'categoricalAccuracy'`, … */
export type MetricName = keyof typeof METRICS;

/**
 * A metric as a user may spell it: the key (`'categoricalAccuracy'`), Keras's snake_case (`'categorical_accuracy'`),
 * its class name (`'CategoricalAccuracy'`, `'AUC'`) or an alias (`'acc'`, `'mse'`). Anything else is a type error.
 */
export type MetricSpelling = Spelling<typeof METRICS>;

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
