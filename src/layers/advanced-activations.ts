// Activation layers with settings (Keras's ReLU, LeakyReLU, ELU, Softmax) or weights (PReLU): each forward and
// backward is one kernel call over the batch. Options and saved keys are Keras 3's; class names TensorFlow.js's.
import { kernels as k } from '../backend.js';
import type { ActivationName } from '../activations.js';
import { integer, lockSettings, number, readOptions } from '../arguments.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { initializerKey, type Initializer, type InitializerLike } from '../initializers.js';
import { LAYER_KEYS, Layer, binding, resolveRegularizer, type LayerOptions, type Regularizer, type RegularizerLike, type WeightSpec } from './layer.js';
import { regularizerConfig, type ConfigReader } from './config.js';

/**
 * A layer whose forward and backward passes are each one elementwise kernel call over the batch, with the same
 * shape out as in (ReLU, LeakyReLU, ELU, ActivityRegularization).
 */
export abstract class ElementwiseLayer extends Layer {
  computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  /** Writes the `n` outputs at `out` for the `n` inputs at `input`. */
  protected abstract compute(out: number, input: number, n: number): void;

  /** Writes the `n` gradients at `dInput` from those of the output at `grad`, the forward pass's `input` and its `out`. */
  protected abstract computeGrad(dInput: number, grad: number, input: number, out: number, n: number): void;

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    this.compute(b.buffers.out, input, rows * b.outputSize);
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    const b = binding(this);
    if (dInput !== 0) this.computeGrad(dInput, b.buffers.grad, b.input, b.buffers.out, rows * b.outputSize);
  }
}

/** Options of `ReLU`, Keras 3's. */
export interface ReLUOptions extends LayerOptions {
  /** Largest output, ≥ 0; none by default. */
  maxValue?: number | null;
  /** Slope below the threshold, ≥ 0; default 0. */
  negativeSlope?: number;
  /** Inputs at or below it give negativeSlope·(x − threshold), ≥ 0; default 0. */
  threshold?: number;
}

/**
 * Keras's ReLU layer: `x > threshold ? min(x, maxValue) : negativeSlope·(x − threshold)`. TensorFlow.js's ReLU
 * knows only `maxValue` (it ignores the other two keys when it loads a saved model).
 */
export class ReLU extends ElementwiseLayer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'ReLU';
  /** Largest output, or undefined for none. */
  readonly maxValue: number | undefined;
  /** Slope below the threshold. */
  readonly negativeSlope: number;
  /** The threshold. */
  readonly threshold: number;

  constructor(options?: ReLUOptions | null) {
    const where = 'ReLU()';
    const o = readOptions(options, [...LAYER_KEYS, 'maxValue', 'negativeSlope', 'threshold'], where);
    super('re_lu', o, where);
    this.maxValue = o.maxValue === undefined || o.maxValue === null ? undefined : number(o.maxValue, 'maxValue', where, { min: 0 });
    this.negativeSlope = number(o.negativeSlope ?? 0, 'negativeSlope', where, { min: 0 });
    this.threshold = number(o.threshold ?? 0, 'threshold', where, { min: 0 });
    lockSettings<ReLU>(this, ['name', 'declaredInputShape', 'maxValue', 'negativeSlope', 'threshold']);
  }

  /** Rebuilds a ReLU layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): ReLU {
    const max = c.config.max_value;
    return new ReLU({ ...common, maxValue: max === undefined || max === null ? undefined : c.number('max_value'), negativeSlope: c.number('negative_slope', 0), threshold: c.number('threshold', 0) });
  }

  getConfig(): Record<string, unknown> {
    return { max_value: this.maxValue ?? null, negative_slope: this.negativeSlope, threshold: this.threshold };
  }

  /** Plain max(x, 0): the SIMD kernels serve it. */
  private plain(): boolean {
    return this.maxValue === undefined && this.negativeSlope === 0 && this.threshold === 0;
  }

  protected compute(out: number, input: number, n: number): void {
    if (this.plain()) k.relu(out, input, n);
    else k.reluWith(out, input, n, this.maxValue ?? Infinity, this.negativeSlope, this.threshold);
  }

  protected computeGrad(dInput: number, grad: number, input: number, out: number, n: number): void {
    if (this.plain()) k.reluGrad(dInput, grad, input, out, n);
    else k.reluWithGrad(dInput, grad, input, out, n, this.maxValue ?? Infinity, this.negativeSlope, this.threshold);
  }
}

/** Options of `LeakyReLU`. */
export interface LeakyReLUOptions extends LayerOptions {
  /** Slope for x < 0, ≥ 0; default 0.3 (Keras 3's and TensorFlow.js's layer default). */
  negativeSlope?: number;
}

/**
 * `x > 0 ? x : negativeSlope·x`. Keras 3 saves the slope as `negative_slope`, TensorFlow.js as `alpha`: both are
 * written and either is read.
 */
export class LeakyReLU extends ElementwiseLayer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'LeakyReLU';
  /** Slope for x < 0. */
  readonly negativeSlope: number;

  constructor(options?: LeakyReLUOptions | null) {
    const where = 'LeakyReLU()';
    const o = readOptions(options, [...LAYER_KEYS, 'negativeSlope'], where);
    super('leaky_re_lu', o, where);
    this.negativeSlope = number(o.negativeSlope ?? 0.3, 'negativeSlope', where, { min: 0 });
    lockSettings<LeakyReLU>(this, ['name', 'declaredInputShape', 'negativeSlope']);
  }

  /** Rebuilds a LeakyReLU layer from its saved config (`negative_slope`, or TensorFlow.js's `alpha`). @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): LeakyReLU {
    const key = c.config.negative_slope !== undefined && c.config.negative_slope !== null ? 'negative_slope' : 'alpha';
    return new LeakyReLU({ ...common, negativeSlope: c.number(key, 0.3) });
  }

  getConfig(): Record<string, unknown> {
    return { negative_slope: this.negativeSlope, alpha: this.negativeSlope };
  }

  protected compute(out: number, input: number, n: number): void {
    k.leakyRelu(out, input, n, this.negativeSlope);
  }

  protected computeGrad(dInput: number, grad: number, input: number, out: number, n: number): void {
    k.leakyReluGrad(dInput, grad, input, out, n, this.negativeSlope);
  }
}

/** Options of `ELU`. */
export interface ELUOptions extends LayerOptions {
  /** Scale of the negative part; default 1. */
  alpha?: number;
}

/** `x > 0 ? x : alpha·(eˣ − 1)` (TensorFlow.js's ELU layer refuses alpha ≠ 1; Keras 3's and this one take any). */
export class ELU extends ElementwiseLayer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'ELU';
  /** Scale of the negative part. */
  readonly alpha: number;

  constructor(options?: ELUOptions | null) {
    const where = 'ELU()';
    const o = readOptions(options, [...LAYER_KEYS, 'alpha'], where);
    super('elu', o, where);
    this.alpha = number(o.alpha ?? 1, 'alpha', where);
    lockSettings<ELU>(this, ['name', 'declaredInputShape', 'alpha']);
  }

  /** Rebuilds an ELU layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): ELU {
    return new ELU({ ...common, alpha: c.number('alpha', 1) });
  }

  getConfig(): Record<string, unknown> {
    return { alpha: this.alpha };
  }

  protected compute(out: number, input: number, n: number): void {
    k.elu(out, input, n, this.alpha);
  }

  protected computeGrad(dInput: number, grad: number, input: number, out: number, n: number): void {
    k.eluGrad(dInput, grad, input, out, n, this.alpha);
  }
}

/** Options of `Softmax`. */
export interface SoftmaxOptions extends LayerOptions {
  /**
   * The axis normalised over, counted as Keras does with the batch axis as 0 (so ≥ 1), or negative from the
   * end; default −1 (Keras 3's; TensorFlow.js's layer defaults to 1).
   */
  axis?: number;
}

/** A sample axis as [outer, size, inner] of the sample's shape. */
function splitAt(shape: readonly number[], at: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < at; i++) outer *= shape[i]!;
  for (let i = at + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[at]!, inner];
}

/** Softmax over one axis of each sample: the last by default (then a loss can fuse with it, as with Activation). */
export class Softmax extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'Softmax';
  /** The axis, as given (batch axis 0, negative from the end). */
  readonly axis: number;

  constructor(options?: SoftmaxOptions | null) {
    const where = 'Softmax()';
    const o = readOptions(options, [...LAYER_KEYS, 'axis'], where);
    super('softmax', o, where);
    const axis = integer(o.axis ?? -1, 'axis', where, -8, 7);
    if (axis === 0) throw new ValueError(`${where}: axis 0 is the batch axis; give a sample's axis (≥ 1, or negative from the end)`);
    this.axis = axis;
    lockSettings<Softmax>(this, ['name', 'declaredInputShape', 'axis']);
  }

  /** Rebuilds a Softmax layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): Softmax {
    const axis = c.config.axis;
    if (Array.isArray(axis) && axis.length === 1) return new Softmax({ ...common, axis: axis[0] as number });
    if (Array.isArray(axis)) throw new ValueError(`${c.where}: a softmax over several axes (${describe(axis)}) is not supported`);
    return new Softmax({ ...common, axis: axis === undefined || axis === null ? -1 : (axis as number) });
  }

  /** The sample axis this layer normalises for a sample of `rank` dimensions, or a ShapeError. */
  private sampleAxis(rank: number): number {
    const at = this.axis < 0 ? rank + this.axis : this.axis - 1;
    if (at < 0 || at >= rank) throw new ShapeError(`Softmax '${this.name}': axis ${this.axis} does not exist in an input of ${rank + 1} dimensions (batch included)`);
    return at;
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    this.sampleAxis(inputShape.length);
    return [...inputShape];
  }

  getConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    const [outer, size, inner] = splitAt(b.inputShape, this.sampleAxis(b.inputShape.length));
    if (inner === 1) k.softmax(b.buffers.out, input, rows * outer, size);
    else k.softmaxAxis(b.buffers.out, input, rows * outer, size, inner);
  }

  /** @internal */
  backward(dInput: number, rows: number, gradIsPre: boolean): void {
    const b = binding(this);
    if (dInput === 0) return;
    const { out, grad } = b.buffers;
    if (gradIsPre) {
      k.linear(dInput, grad, rows * b.outputSize);
      return;
    }
    const [outer, size, inner] = splitAt(b.inputShape, this.sampleAxis(b.inputShape.length));
    if (inner === 1) k.softmaxGrad(dInput, grad, b.input, out, rows * outer, size);
    else k.softmaxAxisGrad(dInput, grad, b.input, out, rows * outer, size, inner);
  }

  /** @internal */
  override outputActivation(): ActivationName | undefined {
    const rank = binding(this).inputShape.length;
    return rank > 0 && this.sampleAxis(rank) === rank - 1 ? 'softmax' : undefined;
  }

  /** @internal */
  override logits(): number {
    return binding(this).input;
  }
}

/** Options of `PReLU`. */
export interface PReLUOptions extends LayerOptions {
  /** Initialiser of alpha; default `'zeros'`. */
  alphaInitializer?: InitializerLike;
  /** Penalty on alpha. */
  alphaRegularizer?: RegularizerLike;
  /** Not supported: only null (none). */
  alphaConstraint?: null;
  /** Axes (batch axis 0, so ≥ 1) along which alpha is shared, e.g. `[1, 2]` for one alpha per image channel. */
  sharedAxes?: number | number[] | null;
}

/** The sample seen as [outer, a, s, b] with alpha [a, b] shared along s (outer absorbs the batch and leading shared axes). */
interface PReLUSplit { outer: number; a: number; s: number; b: number }

/**
 * `x > 0 ? x : alpha·x` with a trainable alpha of the sample's shape (1 along `sharedAxes`). The kernel covers
 * every pattern of shared axes up to rank 3 and those of the form [shared…] kept shared kept beyond.
 */
export class PReLU extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'PReLU';
  /** Initialiser of alpha. */
  readonly alphaInitializer: Initializer;
  /** Penalty on alpha, if any. */
  readonly alphaRegularizer: Required<Regularizer> | undefined;
  /** Axes along which alpha is shared (batch axis 0), or undefined. */
  readonly sharedAxes: readonly number[] | undefined;
  #split: { for: readonly number[]; split: PReLUSplit } | undefined;

  constructor(options?: PReLUOptions | null) {
    const where = 'PReLU()';
    const o = readOptions(options, [...LAYER_KEYS, 'alphaInitializer', 'alphaRegularizer', 'alphaConstraint', 'sharedAxes'], where);
    super('p_re_lu', o, where);
    this.alphaInitializer = initializerKey(o.alphaInitializer ?? 'zeros', where);
    this.alphaRegularizer = resolveRegularizer(o.alphaRegularizer, 'alphaRegularizer', where);
    if (o.alphaConstraint !== undefined) throw new ValueError(`${where}: alphaConstraint is not supported (constraints are not implemented), got ${describe(o.alphaConstraint)}`);
    const shared = o.sharedAxes === undefined ? undefined : typeof o.sharedAxes === 'number' ? [o.sharedAxes] : o.sharedAxes;
    if (shared !== undefined && !Array.isArray(shared)) throw new ValueError(`${where}: sharedAxes must be an axis or a list of axes (≥ 1), got ${describe(o.sharedAxes)}`);
    this.sharedAxes = shared && Object.freeze(shared.map((a, i) => integer(a, `sharedAxes[${i}]`, where, 1, 7)));
    lockSettings<PReLU>(this, ['name', 'declaredInputShape', 'alphaInitializer', 'alphaRegularizer', 'sharedAxes']);
  }

  /** Rebuilds a PReLU layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): PReLU {
    const constraint = c.config.alpha_constraint;
    if (constraint !== undefined && constraint !== null) throw new ValueError(`${c.where}: alpha_constraint ${describe(constraint)} is not supported`);
    const init = c.config.alpha_initializer;
    const shared = c.config.shared_axes;
    return new PReLU({
      ...common, alphaInitializer: init === undefined || init === null ? 'zeros' : (init as InitializerLike),
      alphaRegularizer: c.regularizer('alpha_regularizer'),
      sharedAxes: shared === undefined || shared === null ? undefined : typeof shared === 'number' ? shared : c.ints('shared_axes'),
    });
  }

  /** Alpha's shape for a sample shape: 1 along the shared axes. */
  private alphaShape(inputShape: readonly number[]): number[] {
    const shape = [...inputShape];
    for (const a of this.sharedAxes ?? []) {
      if (a > shape.length) throw new ShapeError(`PReLU '${this.name}': shared axis ${a} does not exist in an input of ${shape.length + 1} dimensions (batch included)`);
      shape[a - 1] = 1;
    }
    return shape;
  }

  /** The [outer, a, s, b] view of a sample (times `rows` in outer), or a ShapeError for a pattern the kernel lacks. */
  private splitFor(inputShape: readonly number[]): PReLUSplit {
    if (this.#split?.for === inputShape) return this.#split.split;
    const alpha = this.alphaShape(inputShape);
    // Runs of shared (alpha 1) and kept axes, in order; axes of size 1 belong to either.
    const runs: Array<{ kept: boolean; size: number }> = [];
    inputShape.forEach((d, i) => {
      if (d === 1) return;
      const kept = alpha[i] !== 1;
      const last = runs[runs.length - 1];
      if (last && last.kept === kept) last.size *= d;
      else runs.push({ kept, size: d });
    });
    const outer = runs[0] && !runs[0].kept ? runs.shift()!.size : 1;
    if (runs.length > 3) throw new ShapeError(`PReLU '${this.name}': sharedAxes [${this.sharedAxes!.join(', ')}] on an input of shape [${inputShape.join(', ')}] alternate shared and kept axes more than the kernel supports (at most kept, shared, kept after leading shared axes)`);
    const split = { outer, a: runs[0]?.size ?? 1, s: runs[1]?.size ?? 1, b: runs[2]?.size ?? 1 };
    this.#split = { for: inputShape, split };
    return split;
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    this.splitFor(inputShape);
    return [...inputShape];
  }

  /** @internal */
  override weightSpecs(inputShape: readonly number[]): WeightSpec[] {
    return [{ name: 'alpha', shape: this.alphaShape(inputShape), initializer: this.alphaInitializer, regularizer: this.alphaRegularizer, trainable: true }];
  }

  getConfig(): Record<string, unknown> {
    return {
      alpha_initializer: { class_name: this.alphaInitializer.className, config: this.alphaInitializer.getConfig() },
      alpha_regularizer: regularizerConfig(this.alphaRegularizer), alpha_constraint: null,
      shared_axes: this.sharedAxes ? [...this.sharedAxes] : null,
    };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    const { outer, a, s, b: inner } = this.splitFor(b.inputShape);
    k.prelu(b.buffers.out, input, b.weightOffsets[0]!, rows * outer, a, s, inner);
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    const b = binding(this);
    const { outer, a, s, b: inner } = this.splitFor(b.inputShape);
    k.preluGrad(dInput, b.gradOffsets[0]!, b.buffers.grad, b.input, b.weightOffsets[0]!, rows * outer, a, s, inner);
  }
}
