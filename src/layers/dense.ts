// Dense: y = activation(x·W + b) on the last axis of each sample (Keras's Dense on any rank), one fused kernel
// forward; backward through the three matmul forms.
import { kernels as k } from '../backend.js';
import { parallel, denseForward, matmulTransA, matmulTransB } from '../threads.js';
import { ACTIVATIONS, activationKey, type ActivationName, type ActivationSpelling, type ActivationKernels } from '../activations.js';
import { initializerKey, type Initializer, type InitializerLike } from '../initializers.js';
import { boolean, lockSettings, readOptions } from '../arguments.js';
import { LAYER_KEYS, WEIGHT_KEYS, Layer, binding, positiveInt, resolveRegularizer, type BufferSpec, type LayerOptions, type Regularizer, type RegularizerLike, type WeightOptions, type WeightSpec } from './layer.js';
import { activationConfig, initializerConfig, regularizerConfig, type ConfigReader } from './config.js';

/** Options of `Dense`. */
export interface DenseOptions extends LayerOptions, WeightOptions {
  /** Activation applied to `x·W + b`; default `'linear'`. */
  activation?: ActivationSpelling;
  /** Whether the layer has a bias; default true. */
  useBias?: boolean;
  /** Initialiser of the kernel; default `'glorotUniform'` (Keras's). */
  kernelInitializer?: InitializerLike;
  /** Initialiser of the bias; default `'zeros'`. */
  biasInitializer?: InitializerLike;
  /** Penalty on the kernel. */
  kernelRegularizer?: RegularizerLike;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerLike;
}

/**
 * A fully connected layer: `y = activation(x·W + b)`, W of shape `[inputs, units]`. On a sample of rank 2 or
 * more it applies to the last axis, as Keras's does: `[steps, 16]` → `[steps, units]`.
 */
export class Dense extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'Dense';
  /** Output width. */
  readonly units: number;
  /** Activation name (table key). */
  readonly activation: ActivationName;
  /** Whether the layer adds a bias. */
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

  constructor(units: number, options?: DenseOptions | null) {
    const where = 'Dense()';
    const o = readOptions(options, [...LAYER_KEYS, 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', ...WEIGHT_KEYS], where);
    super('dense', o, where);
    this.units = positiveInt(units, 'units', where);
    this.activation = activationKey(o.activation ?? 'linear', where);
    this.act = ACTIVATIONS[this.activation];
    this.useBias = boolean(o.useBias ?? true, 'useBias', where);
    this.kernelInitializer = initializerKey(o.kernelInitializer ?? 'glorotUniform', where);
    this.biasInitializer = initializerKey(o.biasInitializer ?? 'zeros', where);
    this.kernelRegularizer = resolveRegularizer(o.kernelRegularizer, 'kernelRegularizer', where);
    this.biasRegularizer = resolveRegularizer(o.biasRegularizer, 'biasRegularizer', where);
    lockSettings<Dense>(this, ['name', 'declaredInputShape', 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer']);
  }

  /** Rebuilds a Dense layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): Dense {
    return new Dense(c.int('units'), {
      ...common, activation: c.activation(), useBias: c.bool('use_bias', true),
      kernelInitializer: c.initializer('kernel_initializer'), biasInitializer: c.initializer('bias_initializer'),
      kernelRegularizer: c.regularizer('kernel_regularizer'), biasRegularizer: c.regularizer('bias_regularizer'), ...c.weightOptions(),
    });
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape.slice(0, -1), this.units];
  }

  /** @internal */
  override weightSpecs(inputShape: readonly number[]): WeightSpec[] {
    const inputs = inputShape[inputShape.length - 1]!;
    const specs: WeightSpec[] = [{ name: 'kernel', shape: [inputs, this.units], initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, trainable: true }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, regularizer: this.biasRegularizer, trainable: true });
    return specs;
  }

  /** @internal */
  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    const outputs = this.computeOutputShape(inputShape).reduce((a, b) => a * b, 1);
    const specs = this.activation === 'linear' ? [] : [{ name: 'pre', perSample: outputs }];
    // A product deeper than one K block: the forward pass may split by K blocks, keeping all but the first part's in `depth`.
    const slices = k.denseDepthSlices(inputShape[inputShape.length - 1]!, this.units);
    if (slices > 0) specs.push({ name: 'depth', perSample: outputs * slices });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return {
      units: this.units, activation: activationConfig(this.activation), use_bias: this.useBias,
      kernel_initializer: initializerConfig(this.kernelInitializer), bias_initializer: initializerConfig(this.biasInitializer),
      kernel_regularizer: regularizerConfig(this.kernelRegularizer), bias_regularizer: regularizerConfig(this.biasRegularizer),
      ...this.weightOptionsConfig('kernel', 'bias'),
    };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    const inputs = b.inputShape[b.inputShape.length - 1]!;
    const vectors = rows * (b.inputSize / inputs);
    const bias = this.useBias ? b.weightOffsets[1]! : 0;
    const depth = b.buffers.depth;
    if (depth === undefined) {
      denseForward(b.buffers.out, this.logits(), input, b.weightOffsets[0]!, bias, vectors, inputs, this.units, this.act.id, this.act.alpha ?? 0);
      return;
    }
    // Split by K blocks (assembly/matmul.ts): each thread reads only its rows of the kernel, the rows of the
    // gradient and of the optimizer step it computes too; the second call adds the blocks up and activates.
    const split = parallel('denseForwardDepth', this.logits(), depth, input, b.weightOffsets[0]!, bias, vectors, inputs, this.units);
    parallel('denseForwardReduce', b.buffers.out, this.logits(), depth, vectors, inputs, this.units, split, this.act.id, this.act.alpha ?? 0);
  }

  /** @internal */
  backward(dInput: number, rows: number, gradIsPre: boolean): void {
    const b = binding(this);
    const { out, grad } = b.buffers;
    const inputs = b.inputShape[b.inputShape.length - 1]!;
    const vectors = rows * (b.inputSize / inputs); // rows of the matrix products: one per position of the last axis
    // d loss / d pre-activation, in place over the output gradient.
    if (!gradIsPre && this.activation !== 'linear') this.act.backward(grad, grad, this.logits(), out, vectors, this.units);
    if (!b.frozen) {
      matmulTransA(b.gradOffsets[0]!, b.input, grad, inputs, vectors, this.units, false);
      if (this.useBias) k.biasGrad(b.gradOffsets[1]!, grad, vectors, this.units);
    }
    if (dInput !== 0) matmulTransB(dInput, grad, b.weightOffsets[0]!, vectors, this.units, inputs, false);
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
