// DepthwiseConv2D and SeparableConv2D: a convolution per input channel (each with `depthMultiplier` filters of
// its own), and that followed by a 1×1 convolution mixing the channels — what mobile-sized image models are made of.
import { kernels as k } from '../backend.js';
import { denseForward, matmulTransA, matmulTransB } from '../threads.js';
import { ACTIVATIONS, activationKey, type ActivationName, type ActivationSpelling, type ActivationKernels } from '../activations.js';
import { initializerKey, type Initializer, type InitializerLike } from '../initializers.js';
import { boolean, lockSettings, readOptions } from '../arguments.js';
import { ValueError } from '../errors.js';
import { LAYER_KEYS, Layer, binding, positiveInt, resolveRegularizer, sizeOf, tuple, type BufferSpec, type LayerOptions, type Regularizer, type RegularizerLike, type WeightOptions, type WeightSpec } from './layer.js';
import type { ConstraintLike } from '../constraints.js';
import { channelsLast, paddingOf, windowGeometry, type WindowGeometry } from './convolution.js';
import { activationConfig, initializerConfig, regularizerConfig, type ConfigReader } from './config.js';

/** Options of `DepthwiseConv2D`. */
export interface DepthwiseConvOptions extends LayerOptions, Omit<WeightOptions, 'kernelConstraint'> {
  /** Applied to the depthwise kernel after every optimizer step. */
  depthwiseConstraint?: ConstraintLike;
  /** Step of the window per axis; default 1. */
  strides?: number | [number, number];
  /** `'valid'` (default) or `'same'`. */
  padding?: 'valid' | 'same';
  /** Filters per input channel; default 1. */
  depthMultiplier?: number;
  /** Spacing of the taps per axis; default 1. */
  dilationRate?: number | [number, number];
  /** Only `'channelsLast'`. */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** Activation; default `'linear'`. */
  activation?: ActivationSpelling;
  /** Whether the layer has a bias per output channel; default true. */
  useBias?: boolean;
  /** Initialiser of the depthwise kernel; default `'glorotUniform'`. */
  depthwiseInitializer?: InitializerLike;
  /** Initialiser of the bias; default `'zeros'`. */
  biasInitializer?: InitializerLike;
  /** Penalty on the depthwise kernel. */
  depthwiseRegularizer?: RegularizerLike;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerLike;
}

/** Options of `SeparableConv2D`: a DepthwiseConv2D's, and the pointwise kernel's. */
export interface SeparableConvOptions extends DepthwiseConvOptions {
  /** Initialiser of the pointwise (1×1) kernel; default `'glorotUniform'`. */
  pointwiseInitializer?: InitializerLike;
  /** Penalty on the pointwise kernel. */
  pointwiseRegularizer?: RegularizerLike;
  /** Applied to the pointwise kernel after every optimizer step. */
  pointwiseConstraint?: ConstraintLike;
}

const DEPTHWISE_KEYS = [...LAYER_KEYS, 'strides', 'padding', 'depthMultiplier', 'dilationRate', 'dataFormat', 'activation', 'useBias',
  'depthwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'biasRegularizer', 'activityRegularizer', 'depthwiseConstraint', 'biasConstraint'] as const;

/** What both layers share: the per-channel convolution and the activation. */
abstract class Depthwise extends Layer {
  readonly kernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: 'valid' | 'same';
  readonly depthMultiplier: number;
  readonly dilationRate: readonly number[];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Required<Regularizer> | undefined;
  readonly biasRegularizer: Required<Regularizer> | undefined;
  protected readonly act: ActivationKernels;
  #geometry: WindowGeometry | undefined;
  #geometryFor: readonly number[] | undefined;

  protected constructor(prefix: string, kernelSize: number | number[], o: SeparableConvOptions, where: string) {
    super(prefix, o, where);
    this.kernelSize = Object.freeze(tuple(kernelSize, 2, 'kernelSize', where));
    this.strides = Object.freeze(tuple(o.strides ?? 1, 2, 'strides', where));
    this.dilationRate = Object.freeze(tuple(o.dilationRate ?? 1, 2, 'dilationRate', where));
    this.padding = paddingOf(o.padding, ['valid', 'same'] as const, where);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) throw new ValueError(`${where}: strides [${this.strides.join(', ')}] and dilationRate [${this.dilationRate.join(', ')}] cannot both exceed 1 (as in Keras)`);
    this.depthMultiplier = positiveInt(o.depthMultiplier ?? 1, 'depthMultiplier', where);
    channelsLast(o.dataFormat, where);
    this.activation = activationKey(o.activation ?? 'linear', where);
    this.act = ACTIVATIONS[this.activation];
    this.useBias = boolean(o.useBias ?? true, 'useBias', where);
    this.depthwiseInitializer = initializerKey(o.depthwiseInitializer ?? 'glorotUniform', where);
    this.biasInitializer = initializerKey(o.biasInitializer ?? 'zeros', where);
    this.depthwiseRegularizer = resolveRegularizer(o.depthwiseRegularizer, 'depthwiseRegularizer', where);
    this.biasRegularizer = resolveRegularizer(o.biasRegularizer, 'biasRegularizer', where);
  }

  /** The options a saved config gives. @internal */
  protected static readConfig(c: ConfigReader, common: LayerOptions): SeparableConvOptions {
    c.channelsLast();
    return {
      ...common, strides: c.sizes('strides', 1) as [number, number], padding: c.string('padding', 'valid') as 'valid' | 'same',
      depthMultiplier: c.int('depth_multiplier', 1), dilationRate: c.sizes('dilation_rate', 1) as [number, number],
      activation: c.activation(), useBias: c.bool('use_bias', true),
      depthwiseInitializer: c.initializer('depthwise_initializer'), biasInitializer: c.initializer('bias_initializer'),
      depthwiseRegularizer: c.regularizer('depthwise_regularizer'), biasRegularizer: c.regularizer('bias_regularizer'), ...c.weightOptions(),
    };
  }

  protected geometry(inputShape: readonly number[]): WindowGeometry {
    if (this.#geometryFor !== inputShape) {
      this.#geometry = windowGeometry(this.name, 2, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding, 'kernel');
      this.#geometryFor = inputShape;
    }
    return this.#geometry!;
  }

  protected depthwiseSpec(channels: number): WeightSpec {
    return { name: 'depthwise_kernel', shape: [...this.kernelSize, channels, this.depthMultiplier], initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer, trainable: true };
  }

  protected depthwiseConfig(): Record<string, unknown> {
    return {
      kernel_size: [...this.kernelSize], strides: [...this.strides], padding: this.padding, depth_multiplier: this.depthMultiplier,
      data_format: 'channels_last', dilation_rate: [...this.dilationRate], activation: activationConfig(this.activation), use_bias: this.useBias,
      depthwise_initializer: initializerConfig(this.depthwiseInitializer), bias_initializer: initializerConfig(this.biasInitializer),
      depthwise_regularizer: regularizerConfig(this.depthwiseRegularizer), bias_regularizer: regularizerConfig(this.biasRegularizer),
      ...this.weightOptionsConfig('depthwise', 'bias'),
    };
  }

  /** The per-channel convolution of `rows` samples at `input` into `out` (bias `b`, 0 for none). */
  protected depthwiseForward(out: number, input: number, w: number, b: number, rows: number, g: WindowGeometry): void {
    k.depthwiseConv2d(out, input, w, b, rows, g.height, g.width, g.channels, this.depthMultiplier, g.windowH, g.windowW,
      g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW);
  }

  /** Its filter gradient (`db` 0 for none) and, unless `dInput` is 0, its input gradient, from `dy`. */
  protected depthwiseBackward(dInput: number, dw: number, db: number, input: number, dy: number, w: number, rows: number, g: WindowGeometry): void {
    if (!binding(this).frozen) {
      k.depthwiseConv2dFilterGrad(dw, db, input, dy, rows, g.height, g.width, g.channels, this.depthMultiplier, g.windowH, g.windowW,
        g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW);
    }
    if (dInput !== 0) {
      k.depthwiseConv2dInputGrad(dInput, dy, w, rows, g.height, g.width, g.channels, this.depthMultiplier, g.windowH, g.windowW,
        g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW);
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

const DEPTHWISE_SETTINGS = ['name', 'declaredInputShape', 'kernelSize', 'strides', 'padding', 'depthMultiplier', 'dilationRate', 'activation', 'useBias',
  'depthwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'biasRegularizer'] as const;

/**
 * A convolution of each input channel with its own `depthMultiplier` filters: `[h, w, c]` → `[oh, ow, c·depthMultiplier]`
 * (output channel `ci·depthMultiplier + m`); kernel `[kh, kw, c, depthMultiplier]`.
 */
export class DepthwiseConv2D extends Depthwise {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'DepthwiseConv2D';

  constructor(kernelSize: number | [number, number], options?: DepthwiseConvOptions | null) {
    const where = 'DepthwiseConv2D()';
    super('depthwise_conv2d', kernelSize, readOptions(options, DEPTHWISE_KEYS, where), where);
    lockSettings<DepthwiseConv2D>(this, [...DEPTHWISE_SETTINGS]);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): DepthwiseConv2D {
    return new DepthwiseConv2D(c.sizes('kernel_size') as [number, number], Depthwise.readConfig(c, common));
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return [g.outH, g.outW, g.channels * this.depthMultiplier];
  }

  /** @internal */
  override weightSpecs(inputShape: readonly number[]): WeightSpec[] {
    const c = this.geometry(inputShape).channels;
    const specs = [this.depthwiseSpec(c)];
    if (this.useBias) specs.push({ name: 'bias', shape: [c * this.depthMultiplier], initializer: this.biasInitializer, regularizer: this.biasRegularizer, trainable: true });
    return specs;
  }

  /** @internal */
  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return this.activation === 'linear' ? [] : [{ name: 'pre', perSample: sizeOf(this.computeOutputShape(inputShape)) }];
  }

  getConfig(): Record<string, unknown> {
    return this.depthwiseConfig();
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    const g = this.geometry(b.inputShape);
    const pre = this.logits();
    this.depthwiseForward(pre, input, b.weightOffsets[0]!, this.useBias ? b.weightOffsets[1]! : 0, rows, g);
    if (this.activation !== 'linear') this.act.forward(b.buffers.out, pre, rows * g.outH * g.outW, g.channels * this.depthMultiplier);
  }

  /** @internal */
  backward(dInput: number, rows: number, gradIsPre: boolean): void {
    const b = binding(this);
    const g = this.geometry(b.inputShape);
    const grad = b.buffers.grad;
    if (!gradIsPre && this.activation !== 'linear') this.act.backward(grad, grad, this.logits(), b.buffers.out, rows * g.outH * g.outW, g.channels * this.depthMultiplier);
    this.depthwiseBackward(dInput, b.gradOffsets[0]!, this.useBias ? b.gradOffsets[1]! : 0, b.input, grad, b.weightOffsets[0]!, rows, g);
  }
}

/**
 * A depthwise convolution followed by a pointwise (1×1) one that mixes the channels into `filters`:
 * `[h, w, c]` → `[oh, ow, filters]`. Weights: depthwise_kernel `[kh, kw, c, depthMultiplier]`, pointwise_kernel
 * `[1, 1, c·depthMultiplier, filters]`, bias `[filters]`.
 */
export class SeparableConv2D extends Depthwise {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'SeparableConv2D';
  /** Output channels. */
  readonly filters: number;
  /** Initialiser of the pointwise kernel. */
  readonly pointwiseInitializer: Initializer;
  /** Penalty on the pointwise kernel, if any. */
  readonly pointwiseRegularizer: Required<Regularizer> | undefined;

  constructor(filters: number, kernelSize: number | [number, number], options?: SeparableConvOptions | null) {
    const where = 'SeparableConv2D()';
    const o = readOptions(options, [...DEPTHWISE_KEYS, 'pointwiseInitializer', 'pointwiseRegularizer', 'pointwiseConstraint'], where);
    super('separable_conv2d', kernelSize, o, where);
    this.filters = positiveInt(filters, 'filters', where);
    this.pointwiseInitializer = initializerKey(o.pointwiseInitializer ?? 'glorotUniform', where);
    this.pointwiseRegularizer = resolveRegularizer(o.pointwiseRegularizer, 'pointwiseRegularizer', where);
    lockSettings<SeparableConv2D>(this, [...DEPTHWISE_SETTINGS, 'filters', 'pointwiseInitializer', 'pointwiseRegularizer']);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): SeparableConv2D {
    return new SeparableConv2D(c.int('filters'), c.sizes('kernel_size') as [number, number], {
      ...Depthwise.readConfig(c, common), pointwiseInitializer: c.initializer('pointwise_initializer'), pointwiseRegularizer: c.regularizer('pointwise_regularizer'),
    });
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return [g.outH, g.outW, this.filters];
  }

  /** @internal */
  override weightSpecs(inputShape: readonly number[]): WeightSpec[] {
    const c = this.geometry(inputShape).channels;
    const specs = [
      this.depthwiseSpec(c),
      { name: 'pointwise_kernel', shape: [1, 1, c * this.depthMultiplier, this.filters], initializer: this.pointwiseInitializer, regularizer: this.pointwiseRegularizer, trainable: true },
    ];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, regularizer: this.biasRegularizer, trainable: true });
    return specs;
  }

  /** @internal */
  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    const g = this.geometry(inputShape);
    const mid = g.outH * g.outW * g.channels * this.depthMultiplier;
    const specs: BufferSpec[] = [{ name: 'mid', perSample: mid }, { name: 'midGrad', perSample: mid }];
    if (this.activation !== 'linear') specs.push({ name: 'pre', perSample: g.outH * g.outW * this.filters });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return {
      filters: this.filters, ...this.depthwiseConfig(), pointwise_initializer: initializerConfig(this.pointwiseInitializer),
      pointwise_regularizer: regularizerConfig(this.pointwiseRegularizer), ...this.weightOptionsConfig('pointwise'),
    };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    const g = this.geometry(b.inputShape);
    const w = b.weightOffsets;
    this.depthwiseForward(b.buffers.mid!, input, w[0]!, 0, rows, g);
    denseForward(b.buffers.out, this.logits(), b.buffers.mid!, w[1]!, this.useBias ? w[2]! : 0, rows * g.outH * g.outW,
      g.channels * this.depthMultiplier, this.filters, this.act.id, this.act.alpha ?? 0);
  }

  /** @internal */
  backward(dInput: number, rows: number, gradIsPre: boolean): void {
    const b = binding(this);
    const g = this.geometry(b.inputShape);
    const { grad, mid, midGrad } = b.buffers;
    const vectors = rows * g.outH * g.outW;
    const channels = g.channels * this.depthMultiplier;
    if (!gradIsPre && this.activation !== 'linear') this.act.backward(grad, grad, this.logits(), b.buffers.out, vectors, this.filters);
    if (!b.frozen) {
      matmulTransA(b.gradOffsets[1]!, mid!, grad, channels, vectors, this.filters, false);
      if (this.useBias) k.biasGrad(b.gradOffsets[2]!, grad, vectors, this.filters);
    }
    matmulTransB(midGrad!, grad, b.weightOffsets[1]!, vectors, this.filters, channels, false);
    this.depthwiseBackward(dInput, b.gradOffsets[0]!, 0, b.input, midGrad!, b.weightOffsets[0]!, rows, g);
  }
}
