// The layer contract: what a layer is (the shape it makes of a sample, its weights' shapes, the buffers it
// needs) is separate from where it computes (byte offsets its model hands it once per build or batch
// capacity). forward/backward only call kernels. Each layer kind lives in its own file beside this one.
import { kernels as k } from '../backend.js';
import { arena } from '../arena.js';
import type { ActivationName } from '../activations.js';
import type { Initializer } from '../initializers.js';
import { ShapeError, StateError, ValueError, describe } from '../errors.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import { camelCase } from '../names.js';
import { boolean, lockSettings, number, readOptions, text } from '../arguments.js';
import { constraintConfig, resolveConstraint, type Constraint, type ConstraintLike } from '../constraints.js';

/** An L1/L2 penalty on a weight: `l1·Σ|w| + l2·Σw²`, added to the loss (Keras's `L1L2`). */
export interface Regularizer { l1?: number; l2?: number }

/** `'l1'`, `'l2'` or `'l1_l2'` (each 0.01, as in Keras; class names `'L1'`, `'L2'`, `'L1L2'` too) or explicit factors. */
export type RegularizerLike = Regularizer | 'l1' | 'l2' | 'l1l2' | 'l1_l2' | 'L1' | 'L2' | 'L1L2';

/** One weight a layer declares: its name within the layer, shape, initialiser, penalty, and whether training updates it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  initializer: Initializer;
  regularizer: Required<Regularizer> | undefined;
  /** False for state the layer updates itself (BatchNormalization's moving statistics); the optimizer skips it. */
  trainable: boolean;
  /** Set in a frozen layer's laid-out specs on the weights it would train (`trainable` is false there). */
  frozen?: boolean;
  /** The least value the weight may hold, if it has one (a variance: 0). `setWeights` and loading refuse less. */
  min?: number;
}

/**
 * A per-batch buffer a layer needs besides its output and output gradient: `perSample` floats for each sample
 * of the batch plus `fixed` floats (per-channel statistics, say).
 */
export interface BufferSpec { name: string; perSample: number; fixed?: number }

/** Offsets of a layer's per-batch buffers: `out` and `grad` always (each `capacity × outputSize` floats), and its own. */
export interface LayerBuffers { out: number; grad: number; [name: string]: number }

const counters = new Map<string, number>();
/** Keras's default names: the first `dense`, then `dense_1`, `dense_2`, … (one counter per process). */
function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** A regularizer option resolved to its factors, or undefined for none. */
export function resolveRegularizer(r: unknown, name: string, where: string): Required<Regularizer> | undefined {
  if (r === undefined || r === null) return undefined;
  if (typeof r === 'string') {
    const key = camelCase(r).replace(/_/g, '').toLowerCase();
    if (key === 'l1') return { l1: 0.01, l2: 0 };
    if (key === 'l2') return { l1: 0, l2: 0.01 };
    if (key === 'l1l2') return { l1: 0.01, l2: 0.01 };
    throw new ValueError(`${where}: unknown ${name} ${describe(r)}; expected 'l1', 'l2', 'l1_l2' or { l1, l2 }`);
  }
  if (typeof r !== 'object' || Array.isArray(r)) throw new ValueError(`${where}: ${name} must be 'l1', 'l2', 'l1_l2' or { l1, l2 }, got ${describe(r)}`);
  const o = readOptions(r as Regularizer, ['l1', 'l2'], `${where}: ${name}`);
  return { l1: number(o.l1 ?? 0, 'l1', `${where}: ${name}`, { min: 0 }), l2: number(o.l2 ?? 0, 'l2', `${where}: ${name}`, { min: 0 }) };
}

/** Option names every layer takes. */
export const LAYER_KEYS = ['name', 'inputDim', 'inputShape', 'batchInputShape', 'trainable'] as const;

/** Options of the layers with weights: a penalty on the output and a constraint per weight. */
export interface WeightOptions {
  /** A penalty on the layer's output, divided by the batch size (Keras 3), added to the loss. */
  activityRegularizer?: RegularizerLike;
  /** Applied to the kernel after every optimizer step. */
  kernelConstraint?: ConstraintLike;
  /** Applied to the bias after every optimizer step. */
  biasConstraint?: ConstraintLike;
}

/** Keys of `WeightOptions`, for a layer's `readOptions`. */
export const WEIGHT_KEYS = ['activityRegularizer', 'kernelConstraint', 'biasConstraint'] as const;

/** Each constraint option with the weight it constrains and its saved config key. */
export const CONSTRAINT_OPTIONS = [
  ['kernelConstraint', 'kernel', 'kernel_constraint'], ['biasConstraint', 'bias', 'bias_constraint'],
  ['depthwiseConstraint', 'depthwise_kernel', 'depthwise_constraint'], ['pointwiseConstraint', 'pointwise_kernel', 'pointwise_constraint'],
] as const;

/**
 * The model each layer belongs to: a layer serves one model. Kept beside the layers rather than on them, so no
 * assignment can free a layer to join a second model while the first still computes with it.
 */
const owners = new WeakMap<Layer, object>();

/** The model `layer` belongs to, if any. @internal */
export function ownerOf(layer: Layer): object | undefined {
  return owners.get(layer);
}

/** Gives `layer` to `model`, or (undefined) frees it. @internal */
export function setOwner(layer: Layer, model: object | undefined): void {
  if (model === undefined) owners.delete(layer);
  else owners.set(layer, model);
}

/** Options every layer takes. */
export interface LayerOptions {
  /** Unique name within the model; defaults to the class's Keras name with a counter (`dense_1`). */
  name?: string;
  /** Width of a 1-D input, for a first layer (Keras's `input_dim`): the same as `inputShape: [inputDim]`. */
  inputDim?: number;
  /** Shape of one input sample, for a first layer (Keras's `input_shape`): `[2]`, `[28, 28, 1]`, … */
  inputShape?: number[];
  /** The input shape with the batch axis first, as TensorFlow.js writes it: `[null, 28, 28, 1]` (or a fixed batch size). */
  batchInputShape?: Array<number | null>;
  /** False freezes the layer's weights (see `Layer.trainable`); default true. */
  trainable?: boolean;
}

/**
 * Where a layer computes, set by its model: the shapes of one input and one output sample and their sizes,
 * the byte offsets of its weights, their gradients (0 for a weight training does not update) and its per-batch
 * buffers in the wasm memory, its weights' specs (cached so steps build no arrays), the offset of the input its
 * last forward pass read, and whether its model was disposed.
 */
export interface Binding {
  inputShape: readonly number[];
  outputShape: readonly number[];
  /** Floats per input sample. */
  inputSize: number;
  /** Floats per output sample. */
  outputSize: number;
  weightOffsets: number[];
  gradOffsets: number[];
  buffers: LayerBuffers;
  /** The weights as laid out: a frozen layer's specs say `trainable: false` (and its gradOffsets are 0). */
  specs: WeightSpec[];
  /** Whether the layer was frozen when its model laid its weights out: no weight gradients, BatchNormalization in inference mode. */
  frozen: boolean;
  input: number;
  disposed: boolean;
}

/** A binding to nothing: a layer before its model is built, or after it is reset. @internal */
export function unbound(): Binding {
  return { inputShape: [], outputShape: [], inputSize: 0, outputSize: 0, weightOffsets: [], gradOffsets: [], buffers: { out: 0, grad: 0 }, specs: [], frozen: false, input: 0, disposed: false };
}

let bindingOf: (layer: Layer) => Binding;

/** The layer's binding, for its model and its own methods (never exported from the package). @internal */
export function binding(layer: Layer): Binding {
  return bindingOf(layer);
}

/** Base class of layers: naming, input declaration, weights access, and the compute interface a model drives. */
export abstract class Layer {
  /** The layer's name, unique within its model. */
  readonly name: string;
  /** The Keras class name shown by `summary` and written by `save` (e.g. `'Dense'`). */
  abstract readonly className: string;

  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return this.className;
  }

  /** Shape of one input sample declared by `inputDim`/`inputShape`/`batchInputShape`, if any (frozen). */
  readonly declaredInputShape: readonly number[] | undefined;
  /** The penalty on the layer's output (`activityRegularizer`), if any. */
  readonly activityRegularizer: Required<Regularizer> | undefined;
  /** Each constrained weight's constraint, by weight name (`kernel`, `bias`, `depthwise_kernel`, `pointwise_kernel`). */
  readonly constraints: Readonly<Record<string, Constraint>>;
  // NOTE: where the layer computes lives in a private field, reachable only through `binding()` inside the
  // package: no assignment from outside can point this layer's kernels at another model's memory.
  #binding: Binding = unbound();
  #trainable = true;
  static {
    bindingOf = (layer) => layer.#binding;
  }

  /**
   * Whether training updates the layer's weights (Keras's `trainable`; default true). A frozen layer keeps its
   * weights through `fit`: the optimizer, its regularizers and constraints leave them alone, its weights count as
   * non-trainable, and a frozen BatchNormalization normalises by its moving statistics, as in inference (Keras 3).
   * A change takes effect at the next `compile` or `fit` of its model (not in the middle of one); the optimizer's
   * state (Adam's moments) starts over then, as after `compile`. Saved and loaded with the model.
   */
  get trainable(): boolean {
    return this.#trainable;
  }

  set trainable(value: boolean) {
    this.#trainable = boolean(value, 'trainable', `${this.name}.trainable`);
  }

  /** Shape of the input with the batch axis first, as Keras and TensorFlow.js show it (`[null, 28, 28, 1]`); empty before the model is built. */
  get inputShape(): Array<number | null> {
    const s = this.#binding.inputShape;
    return s.length === 0 ? [] : [null, ...s];
  }

  /** Shape of the output with the batch axis first (`[null, 24, 24, 8]`); empty before the model is built. */
  get outputShape(): Array<number | null> {
    const s = this.#binding.outputShape;
    return s.length === 0 ? [] : [null, ...s];
  }

  /** Values per input sample once built (0 before): the width of a 1-D input. */
  get inputDim(): number {
    return this.#binding.inputSize;
  }

  /** Values per output sample once built (0 before): the width of a 1-D output. */
  get outputDim(): number {
    return this.#binding.outputSize;
  }

  /** Checks the options every layer takes (`options` already read by `readOptions`). */
  protected constructor(prefix: string, options: LayerOptions, where: string) {
    this.name = options.name === undefined ? uniqueName(prefix) : text(options.name, 'name', where);
    const w = options as Record<string, unknown>;
    this.activityRegularizer = resolveRegularizer(w.activityRegularizer, 'activityRegularizer', where);
    const constraints: Record<string, Constraint> = {};
    for (const [option, weight] of CONSTRAINT_OPTIONS) {
      const c = resolveConstraint(w[option], option, where);
      if (c) constraints[weight] = c;
    }
    this.constraints = Object.freeze(constraints);
    lockSettings<Layer>(this, ['activityRegularizer', 'constraints']);
    const declared = declaredShape(options, where);
    this.declaredInputShape = declared && Object.freeze(declared);
    if (options.trainable !== undefined) this.#trainable = boolean(options.trainable, 'trainable', where);
  }

  /**
   * Shape of one output sample for one input sample's shape (both without the batch axis); throws a
   * ShapeError naming the layer if it cannot take that input.
   */
  abstract computeOutputShape(inputShape: readonly number[]): number[];

  /** The weights this layer needs for an input shape, in Keras's order (none for most layers). @internal */
  weightSpecs(_inputShape: readonly number[]): WeightSpec[] {
    return [];
  }

  /** Buffers the layer needs besides `out` and `grad`, for an input shape. @internal */
  bufferSpecs(_inputShape: readonly number[]): BufferSpec[] {
    return [];
  }

  /** The layer's settings as Keras's `get_config()` writes them (snake_case), without name, dtype and input shape. */
  abstract getConfig(): Record<string, unknown>;

  /** Computes `buffers.out` from `input` (`rows` samples at that offset). @internal */
  abstract forward(input: number, rows: number, training: boolean, randomState: number): void;

  /**
   * From `buffers.grad` (d loss / d output, or d loss / d pre-activation when `gradIsPre`), writes the weight
   * gradients and, unless `dInput` is 0, d loss / d input there.
   * @internal
   */
  abstract backward(dInput: number, rows: number, gradIsPre: boolean): void;

  /** The activation this layer applies last, if a loss could fuse with it (sigmoid, softmax). @internal */
  outputActivation(): ActivationName | undefined {
    return undefined;
  }

  /**
   * Offset of the pre-activations (logits) the last `forward` read or wrote: what a fused loss takes. Asked
   * after each forward pass, never cached, since an Activation layer's input moves with the batch. @internal
   */
  logits(): number {
    return 0;
  }

  /** The `pre` buffer a layer with an activation computes into, or `out` when it has none (linear: the same buffer). */
  protected preActivations(): number {
    const buffers = binding(this).buffers;
    return buffers.pre ?? buffers.out;
  }

  /** The constraint (if any) of a weight by its option name (`'kernel'` for `kernelConstraint`). @internal */
  constraintOf(option: 'kernel' | 'bias' | 'depthwise' | 'pointwise'): Constraint | undefined {
    return this.constraints[option === 'depthwise' || option === 'pointwise' ? `${option}_kernel` : option];
  }

  /** The saved form of the activity regularizer and of the named weights' constraints (null for none). */
  protected weightOptionsConfig(...weights: Array<'kernel' | 'bias' | 'depthwise' | 'pointwise'>): Record<string, unknown> {
    const out: Record<string, unknown> = { activity_regularizer: this.activityRegularizer ? { class_name: 'L1L2', config: { ...this.activityRegularizer } } : null };
    for (const w of weights) out[`${w}_constraint`] = constraintConfig(this.constraintOf(w));
    return out;
  }

  /** Number of the layer's weights, trainable or not (0 before its model is built), as Keras's `count_params`. */
  countParams(): number {
    let n = 0;
    for (const s of binding(this).specs) n += sizeOf(s.shape);
    return n;
  }

  /** Adds each regularized weight's penalty gradient to its gradient and returns the penalties' sum (0 without regularizers). @internal */
  regularize(): number {
    return applyPenalties(binding(this), true);
  }

  /** The penalties alone, for evaluation. @internal */
  penalty(): number {
    return applyPenalties(binding(this), false);
  }

  /** Copies of the layer's weights in Keras's order and layout (Dense: `[kernel [in, units], bias [units]]`), empty before the model is built. */
  getWeights(): Tensor[] {
    const b = binding(this);
    if (b.disposed) throw new StateError(`${this.name}.getWeights(): the layer's model was disposed`);
    if (b.weightOffsets.length !== b.specs.length) return [];
    return b.specs.map((s, i) => new Tensor(arena.read(b.weightOffsets[i]!, sizeOf(s.shape)), s.shape));
  }

  /** Replaces the layer's weights; shapes must match `getWeights()` and values be finite. Nothing changes on error. */
  setWeights(weights: readonly TensorLike[]): void {
    const b = binding(this);
    const where = `${this.name}.setWeights()`;
    if (b.disposed) throw new StateError(`${where}: the layer's model was disposed`);
    if (!Array.isArray(weights)) throw new ShapeError(`${where}: expected a list of weight arrays, got ${describe(weights)}`);
    if (b.inputSize === 0) throw new ShapeError(`${where}: layer ${this.name} is not built yet (give the first layer inputShape)`);
    if (b.specs.length === 0) {
      if (weights.length === 0) return;
      throw new ShapeError(`${where}: layer ${this.name} has no weights, got ${weights.length} arrays`);
    }
    const checked = checkWeights(weights, b.specs, where);
    checked.forEach((t, i) => arena.write(b.weightOffsets[i]!, t.data));
  }
}

function applyPenalties(b: Binding, withGrad: boolean): number {
  let total = 0;
  for (let i = 0; i < b.specs.length; i++) {
    const r = b.specs[i]!.regularizer;
    if (!r || !b.specs[i]!.trainable) continue;
    const n = sizeOf(b.specs[i]!.shape);
    total += withGrad ? k.regularize(b.gradOffsets[i]!, b.weightOffsets[i]!, n, r.l1, r.l2) : k.regularizerPenalty(b.weightOffsets[i]!, n, r.l1, r.l2);
  }
  return total;
}

/** Validates a list of weight arrays against specs; returns them as Tensors. Throws before anything is written. */
export function checkWeights(weights: readonly TensorLike[], specs: readonly WeightSpec[], where: string): Tensor[] {
  if (!Array.isArray(weights) || weights.length !== specs.length) {
    throw new ShapeError(`${where}: expected ${specs.length} weight arrays (${specs.map((s) => `${s.name} [${s.shape.join(', ')}]`).join(', ')}), got ${describe(weights)}`);
  }
  return specs.map((s, i) => {
    const t = toTensor(weights[i], where, `weights[${i}] (${s.name})`);
    if (!sameShape(t.shape, s.shape)) throw new ShapeError(`${where}: ${s.name} must have shape [${s.shape.join(', ')}], got [${t.shape.join(', ')}]`);
    if (s.min !== undefined) {
      const bad = t.data.findIndex((v) => v < s.min!);
      if (bad >= 0) throw new ValueError(`${where}: ${s.name} must be ≥ ${s.min} everywhere, got ${t.data[bad]} at index ${bad}`);
    }
    return t;
  });
}

/** Number of values in a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape as Keras prints it: `(None, 24, 24, 8)`. */
export function formatShape(shape: readonly number[]): string {
  return `(None, ${shape.join(', ')})`;
}

/** Most units, filters or values per sample: a weight or buffer that large could never be allocated anyway. */
export const MAX_UNITS = 2 ** 28;

/** Checks a positive integer argument (units, filters, a kernel size). */
export function positiveInt(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_UNITS) throw new ValueError(`${where}: ${what} must be a positive integer${typeof v === 'number' && v > MAX_UNITS ? ` ≤ ${MAX_UNITS}` : ''}, got ${describe(v)}`);
  return v;
}

/** A size given as one number or one per spatial axis (`kernelSize: 3` or `[3, 2]`), as that many positive integers. */
export function tuple(v: unknown, n: number, what: string, where: string): number[] {
  const list = typeof v === 'number' ? Array<number>(n).fill(v) : v;
  if (!Array.isArray(list) || list.length !== n) throw new ValueError(`${where}: ${what} must be a positive integer or ${n} of them, got ${describe(v)}`);
  return list.map((d, i) => positiveInt(d, n === 1 ? what : `${what}[${i}]`, where));
}

/** A sample shape given by the user: 1 to 7 positive integers. */
export function sampleShape(s: unknown, what: string, where: string): number[] {
  if (!Array.isArray(s) || s.length < 1 || s.length > 7) {
    throw new ShapeError(`${where}: ${what} must describe one sample, e.g. [2] or [28, 28, 1]; got ${Array.isArray(s) ? `[${s.map(describe).join(', ')}]` : describe(s)}`);
  }
  const dims = s.map((d, i) => positiveInt(d, `${what}[${i}]`, where));
  if (sizeOf(dims) > MAX_UNITS) throw new ShapeError(`${where}: ${what} [${dims.join(', ')}] has more than ${MAX_UNITS} values per sample`);
  return dims;
}

/** Whether two shapes are the same dimensions in the same order. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The input shape a layer's options declare, if any; `inputDim`, `inputShape` and `batchInputShape` must agree. */
function declaredShape(options: LayerOptions, where: string): number[] | undefined {
  let shape: number[] | undefined;
  const agree = (s: number[], what: string) => {
    if (shape !== undefined && !sameShape(shape, s)) throw new ShapeError(`${where}: ${what} [${s.join(', ')}] and the declared input shape [${shape.join(', ')}] disagree`);
    shape = s;
  };
  if (options.batchInputShape !== undefined) {
    const b = options.batchInputShape;
    if (!Array.isArray(b) || b.length < 2 || !(b[0] === null || (Number.isSafeInteger(b[0]) && b[0]! > 0))) {
      throw new ShapeError(`${where}: batchInputShape must be [null or a batch size, ...one sample's shape], e.g. [null, 2]; got ${Array.isArray(b) ? `[${b.map(describe).join(', ')}]` : describe(b)}`);
    }
    agree(sampleShape(b.slice(1), 'batchInputShape', where), 'batchInputShape');
  }
  if (options.inputShape !== undefined) agree(sampleShape(options.inputShape, 'inputShape', where), 'inputShape');
  if (options.inputDim !== undefined) agree([positiveInt(options.inputDim, 'inputDim', where)], 'inputDim');
  return shape;
}

/** Keras's `compute_fans`: fan-in and fan-out of a weight of this shape (a conv kernel's receptive field counts). */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}
