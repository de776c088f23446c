// Conv2D and Conv1D: channels-last convolutions (Conv1D is a Conv2D of height 1), with Keras's 'valid',
// 'same' (and, for sequences, 'causal') padding, strides and dilation; the window geometry pooling shares.
import { parallel } from '../threads.js';
import { ACTIVATIONS, activationKey, type ActivationName, type ActivationSpelling, type ActivationKernels } from '../activations.js';
import { initializerKey, type Initializer, type InitializerLike } from '../initializers.js';
import { boolean, lockSettings, oneOf, readOptions } from '../arguments.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { LAYER_KEYS, WEIGHT_KEYS, Layer, binding, positiveInt, resolveRegularizer, sizeOf, tuple, type BufferSpec, type LayerOptions, type Regularizer, type RegularizerLike, type WeightOptions, type WeightSpec } from './layer.js';
import { activationConfig, initializerConfig, regularizerConfig, type ConfigReader } from './config.js';

/** Keras's padding modes: `'valid'` (no padding), `'same'` (output size ⌈input / stride⌉), `'causal'` (Conv1D: only before). */
export type Padding = 'valid' | 'same' | 'causal';

/** A padding option as Keras reads it: any case (`'SAME'` is `'same'`, as Keras lowercases it). */
export function paddingOf<T extends string>(v: unknown, choices: readonly T[], where: string): T {
  return oneOf(typeof v === 'string' ? v.toLowerCase() : v ?? 'valid', choices, 'padding', where);
}

/** Output size and padding before the first position of a window sliding along one axis, as Keras computes them. */
export function windowAxis(padding: Padding, size: number, window: number, stride: number, dilation: number): { out: number; before: number } {
  const span = (window - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, before: 0 };
  if (padding === 'causal') return { out: Math.floor((size - 1) / stride) + 1, before: span - 1 };
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + span - size, 0) / 2) };
}

/** The sizes a convolution or pooling kernel takes for one input shape, computed once per build. */
export interface WindowGeometry {
  height: number; width: number; channels: number;
  windowH: number; windowW: number; strideH: number; strideW: number; dilationH: number; dilationW: number;
  outH: number; outW: number; padTop: number; padLeft: number;
}

/** The 2-D window geometry of a sample `[h, w, c]` (rank 2) or `[steps, c]` (rank 1, as height 1), or a ShapeError naming the layer. */
export function windowGeometry(layer: string, rank: 1 | 2, inputShape: readonly number[], window: readonly number[], strides: readonly number[],
  dilation: readonly number[], padding: Padding, what: string): WindowGeometry {
  const dims = rank === 2 ? '[height, width, channels]' : '[steps, channels]';
  if (inputShape.length !== rank + 1) throw new ShapeError(`layer '${layer}' expects samples of shape ${dims}, got [${inputShape.join(', ')}]${inputShape.length === rank ? ` (add a channels axis of 1: [${inputShape.join(', ')}, 1])` : ''}`);
  const spatial = rank === 2 ? [inputShape[0]!, inputShape[1]!] : [1, inputShape[0]!];
  const win = rank === 2 ? window : [1, window[0]!];
  const str = rank === 2 ? strides : [1, strides[0]!];
  const dil = rank === 2 ? dilation : [1, dilation[0]!];
  const y = windowAxis(rank === 2 ? padding : 'valid', spatial[0]!, win[0]!, str[0]!, dil[0]!);
  const x = windowAxis(padding, spatial[1]!, win[1]!, str[1]!, dil[1]!);
  if (y.out < 1 || x.out < 1) {
    throw new ShapeError(`layer '${layer}': a ${window.join('×')} ${what}${dil.some((d) => d > 1) ? ` dilated ${dilation.join('×')}` : ''} does not fit in an input of ${inputShape.slice(0, rank).join('×')} with padding 'valid'`);
  }
  return {
    height: spatial[0]!, width: spatial[1]!, channels: inputShape[rank]!, windowH: win[0]!, windowW: win[1]!, strideH: str[0]!, strideW: str[1]!,
    dilationH: dil[0]!, dilationW: dil[1]!, outH: y.out, outW: x.out, padTop: y.before, padLeft: x.before,
  };
}

/** Options of `Conv2D` and `Conv1D`. */
export interface ConvOptions extends LayerOptions, WeightOptions {
  /** Step of the window along each spatial axis: one number or one per axis; default 1. */
  strides?: number | number[];
  /** `'valid'` (default), `'same'`, or for Conv1D `'causal'`. */
  padding?: Padding;
  /** Spacing of the kernel's taps along each axis (atrous convolution); default 1. Strides and dilation cannot both exceed 1. */
  dilationRate?: number | number[];
  /** Only `'channelsLast'` (Keras's default): samples are `[height, width, channels]`. */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** Activation applied to the convolution plus bias; default `'linear'`. */
  activation?: ActivationSpelling;
  /** Whether the layer has a bias per filter; default true. */
  useBias?: boolean;
  /** Initialiser of the kernel; default `'glorotUniform'`. */
  kernelInitializer?: InitializerLike;
  /** Initialiser of the bias; default `'zeros'`. */
  biasInitializer?: InitializerLike;
  /** Penalty on the kernel. */
  kernelRegularizer?: RegularizerLike;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerLike;
}

const CONV_KEYS = [...LAYER_KEYS, 'strides', 'padding', 'dilationRate', 'dataFormat', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', ...WEIGHT_KEYS] as const;

/** Refuses channels-first data (an option whose only supported value is Keras's default). */
export function channelsLast(v: unknown, where: string): void {
  if (v !== undefined && v !== 'channelsLast' && v !== 'channels_last') throw new ValueError(`${where}: dataFormat ${describe(v)} is not supported; neurasm's images are channels-last ([height, width, channels])`);
}

/** What Conv2D and Conv1D share: everything but the rank. */
abstract class Convolution extends Layer {
  /** Number of output channels. */
  readonly filters: number;
  /** Window size per spatial axis. */
  readonly kernelSize: readonly number[];
  /** Step per spatial axis. */
  readonly strides: readonly number[];
  /** Padding mode. */
  readonly padding: Padding;
  /** Spacing of the taps per spatial axis. */
  readonly dilationRate: readonly number[];
  /** Activation name (table key). */
  readonly activation: ActivationName;
  /** Whether the layer adds a bias per filter. */
  readonly useBias: boolean;
  /** Initialiser of the kernel. */
  readonly kernelInitializer: Initializer;
  /** Initialiser of the bias. */
  readonly biasInitializer: Initializer;
  /** Penalty on the kernel, if any. */
  readonly kernelRegularizer: Required<Regularizer> | undefined;
  /** Penalty on the bias, if any. */
  readonly biasRegularizer: Required<Regularizer> | undefined;
  private readonly act: ActivationKernels;
  private readonly rank: 1 | 2;
  #geometry: WindowGeometry | undefined;
  #geometryFor: readonly number[] | undefined;

  protected constructor(rank: 1 | 2, prefix: string, filters: number, kernelSize: number | number[], options: ConvOptions | null | undefined, where: string) {
    const o = readOptions(options, CONV_KEYS, where);
    super(prefix, o, where);
    this.rank = rank;
    this.filters = positiveInt(filters, 'filters', where);
    this.kernelSize = Object.freeze(tuple(kernelSize, rank, 'kernelSize', where));
    this.strides = Object.freeze(tuple(o.strides ?? 1, rank, 'strides', where));
    this.dilationRate = Object.freeze(tuple(o.dilationRate ?? 1, rank, 'dilationRate', where));
    this.padding = paddingOf(o.padding, (rank === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same']) as Padding[], where);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) throw new ValueError(`${where}: strides [${this.strides.join(', ')}] and dilationRate [${this.dilationRate.join(', ')}] cannot both exceed 1 (as in Keras)`);
    channelsLast(o.dataFormat, where);
    this.activation = activationKey(o.activation ?? 'linear', where);
    this.act = ACTIVATIONS[this.activation];
    this.useBias = boolean(o.useBias ?? true, 'useBias', where);
    this.kernelInitializer = initializerKey(o.kernelInitializer ?? 'glorotUniform', where);
    this.biasInitializer = initializerKey(o.biasInitializer ?? 'zeros', where);
    this.kernelRegularizer = resolveRegularizer(o.kernelRegularizer, 'kernelRegularizer', where);
    this.biasRegularizer = resolveRegularizer(o.biasRegularizer, 'biasRegularizer', where);
  }

  /** The options a saved config gives (Conv2D's and Conv1D's are the same keys). @internal */
  protected static readConfig(c: ConfigReader, common: LayerOptions): ConvOptions {
    c.channelsLast();
    if (c.config.groups !== undefined && c.config.groups !== null && c.config.groups !== 1) throw new ValueError(`${c.where}: groups ${describe(c.config.groups)} is not supported (only 1)`);
    return {
      ...common, strides: c.sizes('strides', 1), padding: c.string('padding', 'valid') as Padding,
      dilationRate: c.sizes('dilation_rate', 1), activation: c.activation(), useBias: c.bool('use_bias', true),
      kernelInitializer: c.initializer('kernel_initializer'), biasInitializer: c.initializer('bias_initializer'),
      kernelRegularizer: c.regularizer('kernel_regularizer'), biasRegularizer: c.regularizer('bias_regularizer'), ...c.weightOptions(),
    };
  }

  private geometry(inputShape: readonly number[]): WindowGeometry {
    if (this.#geometryFor !== inputShape) {
      this.#geometry = windowGeometry(this.name, this.rank, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding, 'kernel');
      this.#geometryFor = inputShape;
    }
    return this.#geometry!;
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return this.rank === 2 ? [g.outH, g.outW, this.filters] : [g.outW, this.filters];
  }

  /** @internal */
  override weightSpecs(inputShape: readonly number[]): WeightSpec[] {
    const channels = this.geometry(inputShape).channels;
    const specs: WeightSpec[] = [{ name: 'kernel', shape: [...this.kernelSize, channels, this.filters], initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, trainable: true }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, regularizer: this.biasRegularizer, trainable: true });
    return specs;
  }

  /** @internal */
  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return this.activation === 'linear' ? [] : [{ name: 'pre', perSample: sizeOf(this.computeOutputShape(inputShape)) }];
  }

  getConfig(): Record<string, unknown> {
    return {
      filters: this.filters, kernel_size: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      data_format: 'channels_last', dilation_rate: [...this.dilationRate], activation: activationConfig(this.activation), use_bias: this.useBias,
      kernel_initializer: initializerConfig(this.kernelInitializer), bias_initializer: initializerConfig(this.biasInitializer),
      kernel_regularizer: regularizerConfig(this.kernelRegularizer), bias_regularizer: regularizerConfig(this.biasRegularizer),
      ...this.weightOptionsConfig('kernel', 'bias'),
    };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    const g = this.geometry(b.inputShape);
    const pre = this.logits();
    parallel('conv2dForward', b.buffers.out, pre, input, b.weightOffsets[0]!, this.useBias ? b.weightOffsets[1]! : 0, rows, g.height, g.width, g.channels, this.filters,
      g.windowH, g.windowW, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW, this.act.id, this.act.alpha ?? 0);
  }

  /** @internal */
  backward(dInput: number, rows: number, gradIsPre: boolean): void {
    const b = binding(this);
    const g = this.geometry(b.inputShape);
    const grad = b.buffers.grad;
    if (!gradIsPre && this.activation !== 'linear') this.act.backward(grad, grad, this.logits(), b.buffers.out, rows * g.outH * g.outW, this.filters);
    if (!b.frozen) {
      parallel('conv2dFilterGrad', b.gradOffsets[0]!, this.useBias ? b.gradOffsets[1]! : 0, b.input, grad, rows, g.height, g.width, g.channels, this.filters,
        g.windowH, g.windowW, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW);
    }
    if (dInput !== 0) {
      parallel('conv2dInputGrad', dInput, grad, b.weightOffsets[0]!, rows, g.height, g.width, g.channels, this.filters,
        g.windowH, g.windowW, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW);
    }
  }

  /** @internal */
  override outputActivation(): ActivationName | undefined {
    return this.activityRegularizer ? undefined : this.activation; // the penalty needs d loss / d output: no fused loss
  }

  /** @internal */
  override logits(): number {
    return this.preActivations();
  }
}

/**
 * A 2-D convolution over channels-last images: `new Conv2D(filters, kernelSize, { strides, padding, activation })`.
 * Samples `[height, width, channels]` → `[outHeight, outWidth, filters]`; kernel `[kh, kw, channels, filters]`.
 */
export class Conv2D extends Convolution {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'Conv2D';

  constructor(filters: number, kernelSize: number | [number, number], options?: ConvOptions | null) {
    super(2, 'conv2d', filters, kernelSize, options, 'Conv2D()');
    lockSettings<Conv2D>(this, ['name', 'declaredInputShape', 'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer']);
  }

  /** Rebuilds a Conv2D layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): Conv2D {
    return new Conv2D(c.int('filters'), c.sizes('kernel_size') as [number, number], Convolution.readConfig(c, common));
  }
}

/**
 * A 1-D convolution over sequences (time series, audio): samples `[steps, channels]` → `[outSteps, filters]`;
 * kernel `[k, channels, filters]`. `padding: 'causal'` pads only before, so no output sees the future.
 */
export class Conv1D extends Convolution {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'Conv1D';

  constructor(filters: number, kernelSize: number | [number], options?: ConvOptions | null) {
    super(1, 'conv1d', filters, kernelSize, options, 'Conv1D()');
    lockSettings<Conv1D>(this, ['name', 'declaredInputShape', 'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer']);
  }

  /** Rebuilds a Conv1D layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): Conv1D {
    return new Conv1D(c.int('filters'), c.sizes('kernel_size') as [number], Convolution.readConfig(c, common));
  }
}
