// Layers: what a layer is (its weights' shapes, its output width) is separate from where it computes
// (byte offsets the model hands it once per build or batch capacity). forward/backward only call kernels.
import { kernels as k } from './backend.js';
import { arena } from './arena.js';
import { ACTIVATIONS, activationKey, type ActivationName, type ActivationKernels } from './activations.js';
import { INITIALIZERS, initializerKey, type InitializerName } from './initializers.js';
import { ShapeError, StateError, ValueError, describe } from './errors.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';
import { camelCase } from './names.js';
import { boolean, lockSettings, number, readOptions, text } from './arguments.js';

/** An L1/L2 penalty on a weight: `l1·Σ|w| + l2·Σw²`, added to the loss (Keras's `L1L2`). */
export interface Regularizer { l1?: number; l2?: number }

/** `'l1'`, `'l2'` or `'l1_l2'` (each 0.01, as in Keras) or explicit factors. */
export type RegularizerLike = Regularizer | 'l1' | 'l2' | 'l1l2' | 'l1_l2';

/** One weight a layer declares: its name within the layer, shape, initialiser and penalty. */
export interface WeightSpec {
  name: string;
  shape: number[];
  initializer: InitializerName;
  regularizer: Required<Regularizer> | undefined;
}

/** Offsets of a layer's per-batch buffers, each `capacity × outputDim` floats. */
export interface LayerBuffers { out: number; pre: number; mask: number; grad: number }

const counters = new Map<string, number>();
/** Keras's default names: the first `dense`, then `dense_1`, `dense_2`, … (one counter per process). */
function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

function resolveRegularizer(r: unknown, name: string, where: string): Required<Regularizer> | undefined {
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
const LAYER_KEYS = ['name', 'inputDim', 'inputShape', 'batchInputShape'] as const;

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
  /** Width of the input, for a first layer (Keras's `input_dim`). */
  inputDim?: number;
  /** Shape of one input sample, for a first layer (Keras's `input_shape`); only 1-D samples, e.g. `[2]`. */
  inputShape?: number[];
  /** The input shape with the batch axis first, as TensorFlow.js writes it: `[null, 2]` (or a fixed batch size). */
  batchInputShape?: Array<number | null>;
}

/**
 * Where a layer computes, set by its model: its widths, the byte offsets of its weights, their gradients and
 * its per-batch buffers in the wasm memory, its weights' specs (cached so steps build no arrays), the offset
 * of the input its last forward pass read, and whether its model was disposed.
 */
export interface Binding {
  inputDim: number;
  outputDim: number;
  weightOffsets: number[];
  gradOffsets: number[];
  buffers: LayerBuffers;
  specs: WeightSpec[];
  input: number;
  disposed: boolean;
}

/** A binding to nothing: a layer before its model is built, or after it is reset. @internal */
export function unbound(): Binding {
  return { inputDim: 0, outputDim: 0, weightOffsets: [], gradOffsets: [], buffers: { out: 0, pre: 0, mask: 0, grad: 0 }, specs: [], input: 0, disposed: false };
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
  /** The Keras class name shown by `summary` (e.g. `'Dense'`). */
  abstract readonly className: string;
  /** Input width declared by `inputDim`/`inputShape`, if any. */
  readonly declaredInputDim: number | undefined;
  // NOTE: where the layer computes lives in a private field, reachable only through `binding()` inside the
  // package: no assignment from outside can point this layer's kernels at another model's memory.
  #binding: Binding = unbound();
  static {
    bindingOf = (layer) => layer.#binding;
  }

  /** Input width once built (0 before). */
  get inputDim(): number {
    return this.#binding.inputDim;
  }

  /** Output width once built (0 before). */
  get outputDim(): number {
    return this.#binding.outputDim;
  }

  /** Checks the options every layer takes (`options` already read by `readOptions`). */
  protected constructor(prefix: string, options: LayerOptions, where: string) {
    this.name = options.name === undefined ? uniqueName(prefix) : text(options.name, 'name', where);
    this.declaredInputDim = inputDimOf(options, where);
  }

  /** Output width for an input width; throws if the layer cannot take it. */
  abstract computeOutputDim(inputDim: number): number;

  /** The weights this layer needs for an input width (none for most layers). */
  weightSpecs(_inputDim: number): WeightSpec[] {
    return [];
  }

  /** Which per-batch buffers the layer uses, each `capacity × outputDim` floats. */
  abstract bufferNames(): Array<keyof LayerBuffers>;

  /** Computes `buffers.out` from `input` (`rows × inputDim` floats at that offset). */
  abstract forward(input: number, rows: number, training: boolean, randomState: number): void;

  /**
   * From `buffers.grad` (d loss / d output, or d loss / d pre-activation when `gradIsPre`), writes the weight
   * gradients and, unless `dInput` is 0, d loss / d input there.
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

  /** Adds each weight's penalty gradient and returns the penalty (0 without regularizers). */
  regularize(): number {
    return 0;
  }

  /** The penalty alone, for evaluation. */
  penalty(): number {
    return 0;
  }

  /** Copies of the layer's weights (e.g. `[kernel [in, units], bias [units]]`), empty before the model is built. */
  getWeights(): Tensor[] {
    const b = binding(this);
    if (b.disposed) throw new StateError(`${this.name}.getWeights(): the layer's model was disposed`);
    const specs = this.weightSpecs(this.inputDim);
    if (b.weightOffsets.length !== specs.length) return [];
    return specs.map((s, i) => new Tensor(arena.read(b.weightOffsets[i]!, size(s.shape)), s.shape));
  }

  /** Replaces the layer's weights; shapes must match `getWeights()` and values be finite. Nothing changes on error. */
  setWeights(weights: readonly TensorLike[]): void {
    const b = binding(this);
    const where = `${this.name}.setWeights()`;
    if (b.disposed) throw new StateError(`${where}: the layer's model was disposed`);
    if (!Array.isArray(weights)) throw new ShapeError(`${where}: expected a list of weight arrays, got ${describe(weights)}`);
    const specs = this.weightSpecs(this.inputDim);
    if (b.weightOffsets.length !== specs.length || specs.length === 0) {
      if (specs.length === 0 && b.weightOffsets.length === 0 && this.inputDim > 0) {
        if (weights.length === 0) return;
        throw new ShapeError(`${where}: layer ${this.name} has no weights, got ${weights.length} arrays`);
      }
      throw new ShapeError(`${where}: layer ${this.name} is not built yet (give the first layer inputDim or inputShape)`);
    }
    const checked = checkWeights(weights, specs, where);
    checked.forEach((t, i) => arena.write(b.weightOffsets[i]!, t.data));
  }
}

/** Validates a list of weight arrays against specs; returns them as Tensors. Throws before anything is written. */
export function checkWeights(weights: readonly TensorLike[], specs: WeightSpec[], where: string): Tensor[] {
  if (!Array.isArray(weights) || weights.length !== specs.length) {
    throw new ShapeError(`${where}: expected ${specs.length} weight arrays (${specs.map((s) => `${s.name} [${s.shape.join(', ')}]`).join(', ')}), got ${describe(weights)}`);
  }
  return specs.map((s, i) => {
    const t = toTensor(weights[i], where, `weights[${i}] (${s.name})`);
    const same = t.shape.length === s.shape.length && t.shape.every((d, j) => d === s.shape[j]);
    if (!same) throw new ShapeError(`${where}: ${s.name} must have shape [${s.shape.join(', ')}], got [${t.shape.join(', ')}]`);
    return t;
  });
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Most units or features per sample: a weight of that many rows and columns could never be allocated anyway. */
const MAX_UNITS = 2 ** 28;

function positiveInt(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_UNITS) throw new ValueError(`${where}: ${what} must be a positive integer${typeof v === 'number' && v > MAX_UNITS ? ` ≤ ${MAX_UNITS}` : ''}, got ${describe(v)}`);
  return v;
}

function inputDimOf(options: LayerOptions, where: string): number | undefined {
  if (options.batchInputShape !== undefined) {
    const b = options.batchInputShape;
    if (!Array.isArray(b) || b.length < 1 || !(b[0] === null || (Number.isSafeInteger(b[0]) && b[0]! > 0))) {
      throw new ShapeError(`${where}: batchInputShape must be [null or a batch size, ...one sample's shape], e.g. [null, 2]; got ${Array.isArray(b) ? `[${b.map(describe).join(', ')}]` : describe(b)}`);
    }
    const dim = inputDimOf({ inputShape: b.slice(1) as number[] }, where)!;
    if (options.inputShape !== undefined && inputDimOf({ inputShape: options.inputShape }, where) !== dim) throw new ShapeError(`${where}: inputShape and batchInputShape disagree`);
    if (options.inputDim !== undefined && options.inputDim !== dim) throw new ShapeError(`${where}: inputDim ${describe(options.inputDim)} and batchInputShape [${b.map(describe).join(', ')}] disagree`);
    return dim;
  }
  if (options.inputShape !== undefined) {
    const s = options.inputShape;
    if (!Array.isArray(s) || s.length !== 1) {
      throw new ShapeError(`${where}: inputShape must describe one sample of 1-D features, e.g. [2]; got ${Array.isArray(s) ? `[${s.join(', ')}]` : describe(s)} (flatten images to one row per sample)`);
    }
    const dim = positiveInt(s[0], 'inputShape[0]', where);
    if (options.inputDim !== undefined && options.inputDim !== dim) throw new ShapeError(`${where}: inputDim ${describe(options.inputDim)} and inputShape [${dim}] disagree`);
    return dim;
  }
  return options.inputDim === undefined ? undefined : positiveInt(options.inputDim, 'inputDim', where);
}

/** Options of `Dense`. */
export interface DenseOptions extends LayerOptions {
  /** Activation applied to `x·W + b`; default `'linear'`. */
  activation?: ActivationName | (string & {});
  /** Whether the layer has a bias; default true. */
  useBias?: boolean;
  /** Initialiser of the kernel; default `'glorotUniform'` (Keras's). */
  kernelInitializer?: InitializerName | (string & {});
  /** Initialiser of the bias; default `'zeros'`. */
  biasInitializer?: InitializerName | (string & {});
  /** Penalty on the kernel. */
  kernelRegularizer?: RegularizerLike;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerLike;
}

/** A fully connected layer: `y = activation(x·W + b)`, W of shape `[inputDim, units]`. */
export class Dense extends Layer {
  readonly className = 'Dense';
  /** Output width. */
  readonly units: number;
  /** Activation name (table key). */
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly kernelRegularizer: Required<Regularizer> | undefined;
  readonly biasRegularizer: Required<Regularizer> | undefined;
  private readonly act: ActivationKernels;

  constructor(units: number, options?: DenseOptions | null) {
    const where = 'Dense()';
    const o = readOptions(options, [...LAYER_KEYS, 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer'], where);
    super('dense', o, where);
    this.units = positiveInt(units, 'units', where);
    this.activation = activationKey(o.activation ?? 'linear', where);
    this.act = ACTIVATIONS[this.activation];
    this.useBias = boolean(o.useBias ?? true, 'useBias', where);
    this.kernelInitializer = initializerKey(o.kernelInitializer ?? 'glorotUniform', where);
    this.biasInitializer = initializerKey(o.biasInitializer ?? 'zeros', where);
    this.kernelRegularizer = resolveRegularizer(o.kernelRegularizer, 'kernelRegularizer', where);
    this.biasRegularizer = resolveRegularizer(o.biasRegularizer, 'biasRegularizer', where);
    lockSettings<Dense>(this, ['name', 'declaredInputDim', 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer']);
  }

  computeOutputDim(): number {
    return this.units;
  }

  override weightSpecs(inputDim: number): WeightSpec[] {
    const specs: WeightSpec[] = [{ name: 'kernel', shape: [inputDim, this.units], initializer: this.kernelInitializer, regularizer: this.kernelRegularizer }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    return specs;
  }

  bufferNames(): Array<keyof LayerBuffers> {
    return this.activation === 'linear' ? ['out', 'grad'] : ['out', 'pre', 'grad'];
  }

  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    const { out, pre } = b.buffers; // the same buffer for a linear layer
    k.denseForward(out, pre, input, b.weightOffsets[0]!, this.useBias ? b.weightOffsets[1]! : 0,
      rows, this.inputDim, this.units, this.act.id, this.act.alpha ?? 0);
  }

  backward(dInput: number, rows: number, gradIsPre: boolean): void {
    const b = binding(this);
    const { out, pre, grad } = b.buffers;
    // d loss / d pre-activation, in place over the output gradient.
    if (!gradIsPre && this.activation !== 'linear') this.act.backward(grad, grad, pre, out, rows, this.units);
    k.matmulTransA(b.gradOffsets[0]!, b.input, grad, this.inputDim, rows, this.units, false);
    if (this.useBias) k.biasGrad(b.gradOffsets[1]!, grad, rows, this.units);
    if (dInput !== 0) k.matmulTransB(dInput, grad, b.weightOffsets[0]!, rows, this.units, this.inputDim, false);
  }

  /** @internal */
  override outputActivation(): ActivationName {
    return this.activation;
  }

  /** @internal */
  override logits(): number {
    return binding(this).buffers.pre; // the same buffer as `out` for a linear layer
  }

  override regularize(): number {
    return this.applyPenalty(true);
  }

  override penalty(): number {
    return this.applyPenalty(false);
  }

  private applyPenalty(withGrad: boolean): number {
    const b = binding(this);
    let total = 0;
    for (let i = 0; i < b.specs.length; i++) {
      const r = b.specs[i]!.regularizer;
      if (!r) continue;
      const n = size(b.specs[i]!.shape);
      total += withGrad ? k.regularize(b.gradOffsets[i]!, b.weightOffsets[i]!, n, r.l1, r.l2) : k.regularizerPenalty(b.weightOffsets[i]!, n, r.l1, r.l2);
    }
    return total;
  }
}

/** Applies an activation as a layer of its own: `new Activation('softmax')`. */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: ActivationName;
  private readonly act: ActivationKernels;

  constructor(activation: ActivationName | (string & {}), options?: LayerOptions | null) {
    const o = readOptions(options, LAYER_KEYS, 'Activation()');
    super('activation', o, 'Activation()');
    this.activation = activationKey(activation, 'Activation()');
    this.act = ACTIVATIONS[this.activation];
    lockSettings<Activation>(this, ['name', 'declaredInputDim', 'activation']);
  }

  computeOutputDim(inputDim: number): number {
    return inputDim;
  }

  bufferNames(): Array<keyof LayerBuffers> {
    return ['out', 'grad'];
  }

  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    this.act.forward(b.buffers.out, input, rows, this.outputDim);
  }

  backward(dInput: number, rows: number, gradIsPre: boolean): void {
    const b = binding(this);
    if (dInput === 0) return;
    const { out, grad } = b.buffers;
    if (gradIsPre) k.linear(dInput, grad, rows * this.outputDim);
    else this.act.backward(dInput, grad, b.input, out, rows, this.outputDim);
  }

  /** @internal */
  override outputActivation(): ActivationName {
    return this.activation;
  }

  /** @internal */
  override logits(): number {
    return binding(this).input;
  }
}

/** Options of `Dropout`. */
export type DropoutOptions = LayerOptions;

/** Zeroes a fraction `rate` of its inputs during training and scales the rest by 1/(1 − rate); identity otherwise. */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;

  constructor(rate: number, options?: DropoutOptions | null) {
    const o = readOptions(options, LAYER_KEYS, 'Dropout()');
    super('dropout', o, 'Dropout()');
    this.rate = number(rate, 'rate', 'Dropout()', { min: 0, below: 1 });
    lockSettings<Dropout>(this, ['name', 'declaredInputDim', 'rate']);
  }

  computeOutputDim(inputDim: number): number {
    return inputDim;
  }

  bufferNames(): Array<keyof LayerBuffers> {
    return ['out', 'mask', 'grad'];
  }

  forward(input: number, rows: number, training: boolean, randomState: number): void {
    const n = rows * this.outputDim;
    const { out, mask } = binding(this).buffers;
    if (training && this.rate > 0) {
      k.dropoutMask(mask, n, randomState, this.rate);
      k.multiply(out, input, mask, n);
    } else {
      k.fill(mask, n, 1);
      k.linear(out, input, n);
    }
  }

  backward(dInput: number, rows: number): void {
    const b = binding(this);
    if (dInput !== 0) k.multiply(dInput, b.buffers.grad, b.buffers.mask, rows * this.outputDim);
  }
}
