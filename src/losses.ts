// LOSSES: the one table from loss name to its kernels, with Keras's default options. `grad` writes
// d(loss)/d(prediction) and returns the batch's mean loss (training); `rows` writes each row's loss (evaluation
// sums those). A loss with `logits` has a fused form that a matching output activation (sigmoid or softmax)
// uses instead: gradient straight to the pre-activation, no overflow. The Loss classes bind options to the same
// kernels (`kernels()`), and `losses.*` runs them on tensors. No kernel math happens here.
import { kernels as k } from './backend.js';
import { lookup, type Spelling } from './names.js';
import { ShapeError, ValueError, describe } from './errors.js';
import { boolean, integer, number, oneOf, readOptions, text } from './arguments.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';
import { runOnCopies } from './standalone.js';
import type { ActivationName } from './activations.js';

/** Kernels of one loss over `rows × cols` predictions at byte offsets. */
export interface LossKernels {
  /**
   * The wasm kernel itself, called with `options` after `cols` (`Sequential`'s training step calls it so, at a
   * call site per option count). Not wrapped in a JavaScript function: the f64 loss it returns would be boxed on
   * the JS heap at every step wherever V8 did not inline the wrapper.
   */
  grad: GradKernel;
  /** The loss's options, passed to `grad` and `logits.grad` after `cols`: none, 1 (smoothing, ignored class, δ), 3 or 4 (focal). */
  options: LossOptionValues;
  /** Each row's loss into `out` (`rows` floats): what evaluation sums, so batching cannot change the total. */
  rows(out: number, pred: number, target: number, rows: number, cols: number): void;
  /** The fused form taking pre-activations, used when the output layer's activation is `activation`. */
  logits?: {
    activation: ActivationName;
    grad: GradKernel;
    rows(out: number, z: number, target: number, rows: number, cols: number): void;
  };
  /** Targets are class indices, one per row, rather than one value per output. */
  sparse?: boolean;
  /**
   * Rows of the batch that count (sparse targets with an ignored class): evaluation divides the summed `rows`
   * by this instead of `rows`, as Keras's masked mean does. Absent: every row counts.
   */
  count?(target: number, rows: number, cols: number): number;
  aliases?: readonly string[];
}

/** Keras's default delta for the Huber loss. */
const HUBER_DELTA = 1.0;
/** Keras's focal defaults. */
const FOCAL_ALPHA = 0.25;
const FOCAL_GAMMA = 2.0;
/** The kernels' "no ignored class": NaN equals no label. */
const NO_IGNORE = Number.NaN;

/** A loss's training kernel: writes d(loss)/d(prediction) into `dPred` and returns the batch's mean loss. */
export type GradKernel = (dPred: number, pred: number, target: number, rows: number, cols: number, ...options: number[]) => number;
/** A loss's options as its kernels take them after `cols`. */
export type LossOptionValues = readonly [] | readonly [number] | readonly [number, number, number] | readonly [number, number, number, number];
/** A row kernel: per-row losses into `out`, then the loss's options. */
type RowsKernel = (out: number, x: number, t: number, rows: number, cols: number, ...options: number[]) => void;
type BoundRows = LossKernels['rows'];
const NO_OPTIONS = [] as const;

/** A row kernel with the loss's options bound (fixed arities: no rest array per call). */
function bindRows(f: RowsKernel, o: LossOptionValues): BoundRows {
  switch (o.length) {
    case 0: return f;
    case 1: { const [a] = o; return (out, x, t, r, c) => f(out, x, t, r, c, a); }
    case 3: { const [a, b, d] = o; return (out, x, t, r, c) => f(out, x, t, r, c, a, b, d); }
    case 4: { const [a, b, d, e] = o; return (out, x, t, r, c) => f(out, x, t, r, c, a, b, d, e); }
  }
}
/** A loss's grad and rows kernels and their fused forms after `activation`, all taking `options`. */
function fusedKernels(
  activation: ActivationName, [grad, rows, logitsGrad, logitsRows]: readonly [GradKernel, RowsKernel, GradKernel, RowsKernel],
  options: LossOptionValues,
): LossKernels {
  return { grad, options, rows: bindRows(rows, options), logits: { activation, grad: logitsGrad, rows: bindRows(logitsRows, options) } };
}
function binaryCE(smoothing: number): LossKernels {
  return fusedKernels('sigmoid', [
    k.binaryCrossentropyGrad, k.binaryCrossentropyRows, k.binaryCrossentropyLogitsGrad, k.binaryCrossentropyLogitsRows,
  ], [smoothing]);
}
function categoricalCE(smoothing: number): LossKernels {
  return fusedKernels('softmax', [
    k.categoricalCrossentropyGrad, k.categoricalCrossentropyRows,
    k.categoricalCrossentropyLogitsGrad, k.categoricalCrossentropyLogitsRows,
  ], [smoothing]);
}
function sparseCE(ignore: number): LossKernels {
  const counts = !Number.isNaN(ignore);
  return {
    ...fusedKernels('softmax', [
      k.sparseCategoricalCrossentropyGrad, k.sparseCategoricalCrossentropyRows,
      k.sparseCategoricalCrossentropyLogitsGrad, k.sparseCategoricalCrossentropyLogitsRows,
    ], [ignore]),
    sparse: true,
    ...(counts ? { count: (t: number, r: number) => k.counted(t, r, ignore) } : {}),
  };
}
/** w1, w0: the weights of targets 1 and 0 (α and 1 − α with class balancing, else 1 and 1). */
function binaryFocal(gamma: number, w1: number, w0: number, smoothing: number): LossKernels {
  return fusedKernels('sigmoid', [
    k.binaryFocalCrossentropyGrad, k.binaryFocalCrossentropyRows,
    k.binaryFocalCrossentropyLogitsGrad, k.binaryFocalCrossentropyLogitsRows,
  ], [gamma, w1, w0, smoothing]);
}
function categoricalFocal(alpha: number, gamma: number, smoothing: number): LossKernels {
  return fusedKernels('softmax', [
    k.categoricalFocalCrossentropyGrad, k.categoricalFocalCrossentropyRows,
    k.categoricalFocalCrossentropyLogitsGrad, k.categoricalFocalCrossentropyLogitsRows,
  ], [alpha, gamma, smoothing]);
}
function huberKernels(delta: number): LossKernels {
  return { grad: k.huberGrad, options: [delta], rows: bindRows(k.huberRows, [delta]) };
}
/** A loss without options. */
function plain(grad: GradKernel, rows: BoundRows): { grad: GradKernel; options: typeof NO_OPTIONS; rows: BoundRows } {
  return { grad, options: NO_OPTIONS, rows };
}

/** Every loss by name, with Keras's default options. */
export const LOSSES = {
  meanSquaredError: { ...plain(k.meanSquaredErrorGrad, k.meanSquaredErrorRows), aliases: ['mse', 'MSE'] },
  meanAbsoluteError: { ...plain(k.meanAbsoluteErrorGrad, k.meanAbsoluteErrorRows), aliases: ['mae', 'MAE'] },
  meanAbsolutePercentageError: {
    ...plain(k.meanAbsolutePercentageErrorGrad, k.meanAbsolutePercentageErrorRows), aliases: ['mape', 'MAPE'],
  },
  meanSquaredLogarithmicError: {
    ...plain(k.meanSquaredLogarithmicErrorGrad, k.meanSquaredLogarithmicErrorRows), aliases: ['msle', 'MSLE'],
  },
  huber: { ...huberKernels(HUBER_DELTA), aliases: ['huber_loss'] },
  logCosh: { ...plain(k.logCoshGrad, k.logCoshRows), aliases: ['logcosh'] },
  binaryCrossentropy: { ...binaryCE(0), aliases: ['bce'] },
  categoricalCrossentropy: { ...categoricalCE(0), aliases: ['cce'] },
  sparseCategoricalCrossentropy: sparseCE(NO_IGNORE),
  hinge: plain(k.hingeGrad, k.hingeRows),
  squaredHinge: plain(k.squaredHingeGrad, k.squaredHingeRows),
  categoricalHinge: plain(k.categoricalHingeGrad, k.categoricalHingeRows),
  cosineSimilarity: { ...plain(k.cosineSimilarityGrad, k.cosineSimilarityRows), aliases: ['cosine_proximity'] }, // TensorFlow.js's name (the same −cos)
  klDivergence: { ...plain(k.klDivergenceGrad, k.klDivergenceRows), aliases: ['kld', 'KLD', 'kullback_leibler_divergence', 'KLDivergence'] },
  poisson: plain(k.poissonGrad, k.poissonRows),
  binaryFocalCrossentropy: binaryFocal(FOCAL_GAMMA, 1, 1, 0),
  categoricalFocalCrossentropy: categoricalFocal(FOCAL_ALPHA, FOCAL_GAMMA, 0),
} as const satisfies Record<string, LossKernels>;

/** A loss's name: `'binaryCrossentropy'`, `'meanSquaredError'`, … (or Keras's `'binary_crossentropy'`, `'mse'`). */
export type LossName = keyof typeof LOSSES;

/**
 * A loss as a user may spell it: the key (`'binaryCrossentropy'`), Keras's snake_case (`'binary_crossentropy'`),
 * its class name (`'BinaryCrossentropy'`) or an alias (`'mse'`). Anything else is a type error.
 */
export type LossSpelling = Spelling<typeof LOSSES>;

/** Resolves a user's loss name to its table key. */
export function lossKey(name: unknown, where: string): LossName {
  return lookup<LossKernels>(LOSSES, name, 'loss', where).key as LossName;
}

// ─── Loss objects ───

/** How `call` reduces the per-sample losses (Keras's `reduction`). */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'mean' | 'none';
const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'sum', 'mean', 'none'];

/** Options every loss takes. */
export interface LossOptions {
  /** Defaults to 'sum_over_batch_size' (the mean over samples). */
  reduction?: Reduction;
  /** Defaults to Keras's name of the loss, e.g. 'binary_crossentropy'. */
  name?: string;
}
/** Options of the cross-entropies. */
export interface CrossentropyOptions extends LossOptions {
  /** yPred holds logits (pre-sigmoid/softmax); the fused, overflow-free kernels are used. */
  fromLogits?: boolean;
  /** In [0, 1]: targets move towards ½ (binary) or 1/classes (categorical). */
  labelSmoothing?: number;
  /** Only −1 (the last axis) is supported. */
  axis?: number;
}
/** Options of the focal cross-entropies. */
export interface FocalOptions extends CrossentropyOptions {
  alpha?: number;
  gamma?: number;
}
/** Options of BinaryFocalCrossentropy. */
export interface BinaryFocalOptions extends FocalOptions {
  /** Weights target 1 by α and target 0 by 1 − α. */
  applyClassBalancing?: boolean;
}
/** Options of SparseCategoricalCrossentropy. */
export interface SparseCrossentropyOptions extends LossOptions {
  fromLogits?: boolean;
  /** Rows labelled with this class get loss 0 and the mean is over the other rows. */
  ignoreClass?: number | null;
  axis?: number;
}

const BASE_KEYS = ['reduction', 'name'] as const;
const CE_KEYS = [...BASE_KEYS, 'fromLogits', 'labelSmoothing', 'axis'] as const;

function lastAxis(v: unknown, where: string): number {
  if (v === undefined) return -1;
  if (v !== -1) throw new ValueError(`${where}: axis must be -1 (the last axis; no other axis is supported), got ${describe(v)}`);
  return -1;
}

/** Keras's Loss: a loss function with options bound, usable in `compile` and on its own via `call`. */
export abstract class Loss {
  /** Keras's default, e.g. 'binary_crossentropy', unless given. */
  readonly name: string;
  /** How `call` reduces per-sample losses. */
  readonly reduction: Reduction;
  /** Keras's class name, e.g. 'BinaryCrossentropy'. */
  abstract readonly className: string;

  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return this.className;
  }

  protected constructor(o: LossOptions, defaultName: string, where: string) {
    this.name = o.name === undefined ? defaultName : text(o.name, 'name', where);
    this.reduction = o.reduction === undefined ? 'sum_over_batch_size' : oneOf(o.reduction, REDUCTIONS, 'reduction', where);
  }

  /** Keras's config: snake_case keys including name and reduction. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, reduction: this.reduction, ...this.settings() };
  }

  /** The class's own config entries. */
  protected settings(): Record<string, unknown> {
    return {};
  }

  /**
   * @internal The kernels and the options they take: with fromLogits, the logits kernels on the layer's output (no
   * `logits` field); otherwise the fused `logits` form stays available for a matching output activation.
   */
  abstract kernels(): LossKernels;

  /** @internal The label a sparse row may carry instead of a class (SparseCategoricalCrossentropy's ignoreClass). */
  ignored(): number | undefined {
    return undefined;
  }

  /**
   * Loss of yPred against yTrue reduced by `reduction` (a Tensor of per-sample values, shaped like yPred without
   * its last axis, for 'none'). Optional sampleWeight: one per sample (or one per entry of yPred's first axis).
   */
  call(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): Tensor | number {
    return this.callAt(yTrue, yPred, sampleWeight, `${this.className}.call()`);
  }

  /** @internal `call` with errors naming `where`. */
  callAt(yTrue: TensorLike, yPred: TensorLike, sampleWeight: TensorLike | undefined, where: string): Tensor | number {
    const { values, shape, counted } = perSample(this, yTrue, yPred, where);
    if (sampleWeight !== undefined && sampleWeight !== null) {
      const w = toTensor(sampleWeight, where, 'sampleWeight').data;
      const every = w.length === values.length ? 1 : shape.length > 0 && w.length === shape[0] ? values.length / w.length : 0;
      if (every === 0) {
        throw new ShapeError(`${where}: sampleWeight has ${w.length} values; expected one per sample (${values.length}${shape.length > 1 ? ` or ${shape[0]}` : ''})`);
      }
      for (let i = 0; i < values.length; i++) values[i] = Math.fround(values[i]! * w[Math.floor(i / every)]!);
    }
    if (this.reduction === 'none') return new Tensor(values, shape);
    let sum = 0;
    for (const v of values) sum += v;
    if (this.reduction === 'sum') return sum;
    return counted > 0 ? sum / counted : 0; // NOTE: Keras's masked mean: ignored rows leave the divisor too
  }
}

/** Runs the row kernel of `loss` on checked copies: per-sample values, their shape, and how many count. */
function perSample(loss: Loss, yTrue: TensorLike, yPred: TensorLike, where: string) {
  const pred = toTensor(yPred, where, 'yPred');
  const truth = toTensor(yTrue, where, 'yTrue');
  const kernels = loss.kernels();
  const cols = pred.shape[pred.rank - 1]!;
  const shape = pred.shape.slice(0, -1);
  const rows = shape.reduce((a, b) => a * b, 1);
  if (cols === 0) throw new ShapeError(`${where}: yPred's last axis is empty (shape [${pred.shape.join(', ')}])`);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const ignore = loss.ignored();
  let counted = rows;
  if (kernels.sparse) {
    if (!same(truth.shape, shape) && !same(truth.shape, [...shape, 1])) {
      throw new ShapeError(`${where}: yTrue must hold one class index per row of yPred: shape [${shape.join(', ')}] (or with a trailing 1), got [${truth.shape.join(', ')}] for yPred [${pred.shape.join(', ')}]`);
    }
    for (let r = 0; r < rows; r++) {
      const l = truth.data[r]!;
      if (l === ignore) { counted--; continue; }
      if (!Number.isInteger(l) || l < 0 || l >= cols) {
        throw new ValueError(`${where}: yTrue[${r}] is ${l}; class indices must be integers in [0, ${cols - 1}]${ignore === undefined ? '' : ` or the ignored class ${ignore}`}`);
      }
    }
  } else {
    const trailing = (a: readonly number[], b: readonly number[]) => same(a, [...b, 1]);
    if (!same(truth.shape, pred.shape) && !trailing(truth.shape, pred.shape) && !trailing(pred.shape, truth.shape)) {
      throw new ShapeError(`${where}: yTrue's shape [${truth.shape.join(', ')}] must match yPred's [${pred.shape.join(', ')}]`);
    }
  }
  const [values] = runOnCopies([pred.data, truth.data], [rows], ([p, t], [out]) => kernels.rows(out!, p!, t!, rows, cols), where);
  return { values: values!, shape, counted };
}

type Ctor<O> = new (options?: O) => Loss;

/** A Loss whose abstract members a factory's class implements. */
interface Concrete extends Loss {
  readonly className: string;
  /** @internal */
  kernels(): LossKernels;
}
/**
 * A Loss class: Keras's `className` and default name, and the option `keys` it takes; `read` checks its own options
 * (after name and reduction) into its fields, `config` gives their Keras entries, `kernelsOf` the kernels they bind.
 */
function lossClass<O extends LossOptions, S extends object>(
  className: string, defaultName: string, keys: readonly (keyof O & string)[], read: (o: O, where: string) => S,
  config: (s: S) => Record<string, unknown>, kernelsOf: (s: S) => LossKernels,
): new (options?: O) => Concrete & Readonly<S> {
  const where = `new ${className}()`;
  class Bound extends Loss {
    readonly className: string = className;
    constructor(options?: O) {
      const o = readOptions(options, keys, where);
      super(o, defaultName, where);
      Object.assign(this, read(o, where));
    }
    protected override settings(): Record<string, unknown> { return config(this as unknown as S); }
    /** @internal */
    kernels(): LossKernels { return kernelsOf(this as unknown as S); }
  }
  return Bound as unknown as new (options?: O) => Concrete & Readonly<S>;
}
const none = () => ({});
/** A Loss class with no options of its own: Keras's `className` running the LOSSES row `key`. */
function plainLoss(className: string, defaultName: string, key: LossName) {
  return lossClass<LossOptions, object>(className, defaultName, BASE_KEYS, none, none, () => LOSSES[key]);
}

/** Keras's MeanSquaredError: mean((p − t)²) over the last axis. */
export class MeanSquaredError extends plainLoss('MeanSquaredError', 'mean_squared_error', 'meanSquaredError') {}
/** Keras's MeanAbsoluteError: mean(|p − t|) over the last axis. */
export class MeanAbsoluteError extends plainLoss('MeanAbsoluteError', 'mean_absolute_error', 'meanAbsoluteError') {}
/** Keras's MeanAbsolutePercentageError: 100·mean(|t − p|/max(|t|, ε)). */
export class MeanAbsolutePercentageError extends plainLoss('MeanAbsolutePercentageError', 'mean_absolute_percentage_error', 'meanAbsolutePercentageError') {}
/** Keras's MeanSquaredLogarithmicError: mean((log(max(p, ε) + 1) − log(max(t, ε) + 1))²). */
export class MeanSquaredLogarithmicError extends plainLoss('MeanSquaredLogarithmicError', 'mean_squared_logarithmic_error', 'meanSquaredLogarithmicError') {}
/** Keras's Huber: ½d² for |d| ≤ delta, else delta·|d| − ½delta² (delta defaults to 1). */
export class Huber extends lossClass(
  'Huber', 'huber_loss', [...BASE_KEYS, 'delta'],
  (o: LossOptions & { delta?: number }, where) => ({
    delta: o.delta === undefined ? HUBER_DELTA : number(o.delta, 'delta', where, { above: 0 }),
  }),
  (s) => ({ delta: s.delta }),
  (s) => s.delta === HUBER_DELTA ? LOSSES.huber : huberKernels(s.delta),
) {
  /** The point where the loss turns from quadratic to linear. */
  declare readonly delta: number;
}
/** Keras's LogCosh: mean(log cosh(p − t)). */
export class LogCosh extends plainLoss('LogCosh', 'log_cosh', 'logCosh') {}

/** Reads fromLogits, labelSmoothing and axis. */
function crossentropyOptions(o: CrossentropyOptions, where: string) {
  return {
    fromLogits: o.fromLogits === undefined ? false : boolean(o.fromLogits, 'fromLogits', where),
    labelSmoothing: o.labelSmoothing === undefined ? 0 : number(o.labelSmoothing, 'labelSmoothing', where, { min: 0, max: 1 }),
    axis: lastAxis(o.axis, where),
  };
}
/** Keras's config entries of a cross-entropy's own options. */
function crossentropySettings(l: { fromLogits: boolean; labelSmoothing: number; axis: number }): Record<string, unknown> {
  return { from_logits: l.fromLogits, label_smoothing: l.labelSmoothing, axis: l.axis };
}
/** With fromLogits the loss takes the layer's output as logits: the fused kernels become the plain ones. */
function bind(kernels: LossKernels, fromLogits: boolean): LossKernels {
  if (!fromLogits) return kernels;
  const { grad, rows } = kernels.logits!;
  return { grad, options: kernels.options, rows, ...(kernels.sparse ? { sparse: true } : {}), ...(kernels.count ? { count: kernels.count } : {}) };
}
/** A cross-entropy Loss class: Keras's `className`, `plain` kernels without label smoothing, else `smoothed`'s. */
function crossentropyLoss(
  className: string, defaultName: string, plain: LossKernels, smoothed: (labelSmoothing: number) => LossKernels,
) {
  return lossClass(className, defaultName, CE_KEYS, crossentropyOptions, crossentropySettings,
    (s) => bind(s.labelSmoothing === 0 ? plain : smoothed(s.labelSmoothing), s.fromLogits));
}

/**
 * Keras's BinaryCrossentropy: mean over the last axis of −(t·log p + (1 − t)·log(1 − p)), p clipped to [ε, 1 − ε].
 * With fromLogits, the exact max(z, 0) − z·t + log(1 + e^−|z|).
 */
export class BinaryCrossentropy extends crossentropyLoss(
  'BinaryCrossentropy', 'binary_crossentropy', LOSSES.binaryCrossentropy, binaryCE,
) {}
/** Keras's CategoricalCrossentropy: −Σ t·log(clip(p/Σp)) per row; with fromLogits, Σ t·(logΣe^z − z). */
export class CategoricalCrossentropy extends crossentropyLoss(
  'CategoricalCrossentropy', 'categorical_crossentropy', LOSSES.categoricalCrossentropy, categoricalCE,
) {}
/** Keras's SparseCategoricalCrossentropy: categorical cross-entropy against class indices; `ignoreClass` masks rows. */
export class SparseCategoricalCrossentropy extends lossClass(
  'SparseCategoricalCrossentropy', 'sparse_categorical_crossentropy', [...BASE_KEYS, 'fromLogits', 'ignoreClass', 'axis'],
  (o: SparseCrossentropyOptions, where) => ({
    fromLogits: o.fromLogits === undefined ? false : boolean(o.fromLogits, 'fromLogits', where),
    ignoreClass: o.ignoreClass === undefined || o.ignoreClass === null ? null
      : integer(o.ignoreClass, 'ignoreClass', where, -(2 ** 24), 2 ** 24), // exact as the f32 the kernels compare
    axis: lastAxis(o.axis, where),
  }),
  (s) => ({ from_logits: s.fromLogits, ignore_class: s.ignoreClass, axis: s.axis }),
  (s) => bind(s.ignoreClass === null ? LOSSES.sparseCategoricalCrossentropy : sparseCE(s.ignoreClass), s.fromLogits),
) {
  override ignored(): number | undefined { return this.ignoreClass ?? undefined; }
}
/** Keras's Hinge: mean(max(1 − t·p, 0)); targets that are all 0 or 1 become −1 or 1. */
export class Hinge extends plainLoss('Hinge', 'hinge', 'hinge') {}
/** Keras's SquaredHinge: mean(max(1 − t·p, 0)²); targets that are all 0 or 1 become −1 or 1. */
export class SquaredHinge extends plainLoss('SquaredHinge', 'squared_hinge', 'squaredHinge') {}
/** Keras's CategoricalHinge: max(max((1 − t)·p) − Σ t·p + 1, 0) per row. */
export class CategoricalHinge extends plainLoss('CategoricalHinge', 'categorical_hinge', 'categoricalHinge') {}
/** Keras's CosineSimilarity: −Σ l2norm(t)·l2norm(p) per row (−1 for the same direction). */
export class CosineSimilarity extends lossClass(
  'CosineSimilarity', 'cosine_similarity', [...BASE_KEYS, 'axis'],
  (o: LossOptions & { axis?: number }, where) => ({ axis: lastAxis(o.axis, where) }),
  (s) => ({ axis: s.axis }),
  () => LOSSES.cosineSimilarity,
) {}
/** Keras's KLDivergence: Σ t·log(t/p) per row, both clipped to [ε, 1]. */
export class KLDivergence extends plainLoss('KLDivergence', 'kl_divergence', 'klDivergence') {}
/** Keras's Poisson: mean(p − t·log(p + ε)). */
export class Poisson extends plainLoss('Poisson', 'poisson', 'poisson') {}

function focalOptions(o: FocalOptions, where: string) {
  return {
    alpha: o.alpha === undefined ? FOCAL_ALPHA : number(o.alpha, 'alpha', where, { min: 0, max: 1 }),
    gamma: o.gamma === undefined ? FOCAL_GAMMA : number(o.gamma, 'gamma', where, { min: 0 }),
  };
}

/**
 * Keras's BinaryFocalCrossentropy: mean of w·(1 − p_t)^γ·bce. With fromLogits, the overflow-free form in z (Keras
 * takes sigmoid(z) and clips it, so it tops out near −log ε where this one keeps growing).
 */
export class BinaryFocalCrossentropy extends lossClass(
  'BinaryFocalCrossentropy', 'binary_focal_crossentropy', [...CE_KEYS, 'applyClassBalancing', 'alpha', 'gamma'],
  (o: BinaryFocalOptions, where) => ({
    applyClassBalancing: o.applyClassBalancing === undefined ? false : boolean(o.applyClassBalancing, 'applyClassBalancing', where),
    ...focalOptions(o, where),
    ...crossentropyOptions(o, where),
  }),
  (s) => ({ ...crossentropySettings(s), apply_class_balancing: s.applyClassBalancing, alpha: s.alpha, gamma: s.gamma }),
  (s) => {
    const [w1, w0] = s.applyClassBalancing ? [s.alpha, 1 - s.alpha] : [1, 1];
    return bind(binaryFocal(s.gamma, w1, w0, s.labelSmoothing), s.fromLogits);
  },
) {}
/**
 * Keras's CategoricalFocalCrossentropy: −Σ α·t·(1 − q)^γ·log q per row, q = clip(p/Σp). With fromLogits, the
 * overflow-free form in z (no clip). alpha is one number (Keras also takes a list per class).
 */
export class CategoricalFocalCrossentropy extends lossClass(
  'CategoricalFocalCrossentropy', 'categorical_focal_crossentropy', [...CE_KEYS, 'alpha', 'gamma'],
  (o: FocalOptions, where) => ({ ...focalOptions(o, where), ...crossentropyOptions(o, where) }),
  (s) => ({ ...crossentropySettings(s), alpha: s.alpha, gamma: s.gamma }),
  (s) => bind(categoricalFocal(s.alpha, s.gamma, s.labelSmoothing), s.fromLogits),
) {}

/** The class of every LOSSES row. */
const CLASSES: { [K in LossName]: Ctor<never> } = {
  meanSquaredError: MeanSquaredError, meanAbsoluteError: MeanAbsoluteError,
  meanAbsolutePercentageError: MeanAbsolutePercentageError, meanSquaredLogarithmicError: MeanSquaredLogarithmicError,
  huber: Huber, logCosh: LogCosh, binaryCrossentropy: BinaryCrossentropy, categoricalCrossentropy: CategoricalCrossentropy,
  sparseCategoricalCrossentropy: SparseCategoricalCrossentropy, hinge: Hinge, squaredHinge: SquaredHinge,
  categoricalHinge: CategoricalHinge, cosineSimilarity: CosineSimilarity, klDivergence: KLDivergence, poisson: Poisson,
  binaryFocalCrossentropy: BinaryFocalCrossentropy, categoricalFocalCrossentropy: CategoricalFocalCrossentropy,
};

/** A Loss instance as given, or a loss name, alias or class name → a Loss with Keras's defaults. */
export function resolveLoss(loss: unknown, where: string): Loss {
  if (loss instanceof Loss) return loss;
  return new (CLASSES[lossKey(loss, where)] as Ctor<undefined>)();
}

/** 'from_logits' → 'fromLogits'. */
const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A Loss from Keras's serialized form `{ class_name, config }` (or a name). */
export function lossFromConfig(config: { class_name: string; config?: Record<string, unknown> } | string, where: string): Loss {
  if (typeof config === 'string') return resolveLoss(config, where);
  if (typeof config !== 'object' || config === null || typeof config.class_name !== 'string') {
    throw new ValueError(`${where}: a loss config must be a name or { class_name, config }, got ${describe(config)}`);
  }
  const key = lossKey(config.class_name, where);
  const options: Record<string, unknown> = {};
  for (const [k2, v] of Object.entries(config.config ?? {})) {
    if (k2 === 'dtype' || k2 === 'fn') continue; // Keras's compute dtype (always float32 here) and wrapped function
    options[camel(k2)] = k2 === 'reduction' && v === null ? 'none' : v; // Keras saves reduction=None as null
  }
  try {
    return new (CLASSES[key] as Ctor<Record<string, unknown>>)(options);
  } catch (e) {
    if (e instanceof ValueError || e instanceof ShapeError) throw new ValueError(`${where}: loss ${config.class_name}: ${e.message}`);
    throw e;
  }
}

// ─── Standalone functions ───

/** Runs a loss class with reduction 'none' after checking the options against `keys`. */
function perSampleFunction<O extends object>(cls: new (options?: O) => Loss, keys: readonly string[], name: string) {
  return (yTrue: TensorLike, yPred: TensorLike, options?: O): Tensor => {
    const where = `losses.${name}()`;
    const o = readOptions(options as Record<string, unknown> | undefined, keys, where);
    let loss: Loss;
    try {
      loss = new cls({ ...o, reduction: 'none' } as O);
    } catch (e) {
      if (e instanceof ValueError) throw new ValueError(e.message.replace(/^new \w+\(\)/, where));
      throw e;
    }
    return loss.callAt(yTrue, yPred, undefined, where) as Tensor;
  };
}
const CE = ['fromLogits', 'labelSmoothing', 'axis'] as const;

/** Keras's loss functions on tensors: each returns the per-sample losses (yPred's shape without its last axis). */
export const losses = {
  meanSquaredError: perSampleFunction(MeanSquaredError, [], 'meanSquaredError'),
  meanAbsoluteError: perSampleFunction(MeanAbsoluteError, [], 'meanAbsoluteError'),
  meanAbsolutePercentageError: perSampleFunction(MeanAbsolutePercentageError, [], 'meanAbsolutePercentageError'),
  meanSquaredLogarithmicError: perSampleFunction(MeanSquaredLogarithmicError, [], 'meanSquaredLogarithmicError'),
  huber: perSampleFunction(Huber, ['delta'], 'huber'),
  logCosh: perSampleFunction(LogCosh, [], 'logCosh'),
  binaryCrossentropy: perSampleFunction(BinaryCrossentropy, CE, 'binaryCrossentropy'),
  categoricalCrossentropy: perSampleFunction(CategoricalCrossentropy, CE, 'categoricalCrossentropy'),
  sparseCategoricalCrossentropy: perSampleFunction(SparseCategoricalCrossentropy, ['fromLogits', 'ignoreClass', 'axis'], 'sparseCategoricalCrossentropy'),
  hinge: perSampleFunction(Hinge, [], 'hinge'),
  squaredHinge: perSampleFunction(SquaredHinge, [], 'squaredHinge'),
  categoricalHinge: perSampleFunction(CategoricalHinge, [], 'categoricalHinge'),
  cosineSimilarity: perSampleFunction(CosineSimilarity, ['axis'], 'cosineSimilarity'),
  klDivergence: perSampleFunction(KLDivergence, [], 'klDivergence'),
  poisson: perSampleFunction(Poisson, [], 'poisson'),
  binaryFocalCrossentropy: perSampleFunction(BinaryFocalCrossentropy, [...CE, 'applyClassBalancing', 'alpha', 'gamma'], 'binaryFocalCrossentropy'),
  categoricalFocalCrossentropy: perSampleFunction(CategoricalFocalCrossentropy, [...CE, 'alpha', 'gamma'], 'categoricalFocalCrossentropy'),
  // The classes too, as Keras's `keras.losses.BinaryCrossentropy(...)`.
  Loss, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh,
  BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge,
  CosineSimilarity, KLDivergence, Poisson, BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
};
