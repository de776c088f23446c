// BatchNormalization: normalises each channel (the last axis) by the batch's statistics in training, by its
// moving averages of them in inference, then scales and shifts; the moving statistics are weights training
// does not update by gradient (Keras's non-trainable weights), updated by the forward pass itself.
import { kernels as k } from '../backend.js';
import { initializerKey, type Initializer, type InitializerLike } from '../initializers.js';
import { boolean, integer, lockSettings, number, readOptions } from '../arguments.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { LAYER_KEYS, Layer, binding, resolveRegularizer, type BufferSpec, type LayerOptions, type Regularizer, type RegularizerLike, type WeightSpec } from './layer.js';
import { initializerConfig, regularizerConfig, type ConfigReader } from './config.js';

/** Options of `BatchNormalization` (Keras's defaults). */
export interface BatchNormalizationOptions extends LayerOptions {
  /** The axis of the features to normalise: only the last (-1, the default, or its positive index: channels-last). */
  axis?: number;
  /** Weight of the old value in each moving-average update; default 0.99. */
  momentum?: number;
  /** Added to the variance before its square root; default 1e-3. */
  epsilon?: number;
  /** Add the learned offset `beta`; default true. */
  center?: boolean;
  /** Multiply by the learned scale `gamma`; default true. */
  scale?: boolean;
  /** Initialiser of beta; default `'zeros'`. */
  betaInitializer?: InitializerLike;
  /** Initialiser of gamma; default `'ones'`. */
  gammaInitializer?: InitializerLike;
  /** Initialiser of the moving mean; default `'zeros'`. */
  movingMeanInitializer?: InitializerLike;
  /** Initialiser of the moving variance; default `'ones'`. */
  movingVarianceInitializer?: InitializerLike;
  /** Penalty on beta. */
  betaRegularizer?: RegularizerLike;
  /** Penalty on gamma. */
  gammaRegularizer?: RegularizerLike;
}

/**
 * Batch normalization over the last axis: `gamma·(x − mean)/√(var + epsilon) + beta`, with the batch's mean and
 * variance in training (updating the moving averages) and the moving averages in inference. Weights, in
 * Keras's order: gamma, beta (each if enabled), moving_mean, moving_variance (the last two not trainable).
 */
export class BatchNormalization extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'BatchNormalization';
  /** The normalised axis, as given (-1: the last). */
  readonly axis: number;
  /** Weight of the old value in the moving averages. */
  readonly momentum: number;
  /** Added to the variance. */
  readonly epsilon: number;
  /** Whether beta is added. */
  readonly center: boolean;
  /** Whether gamma multiplies. */
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Required<Regularizer> | undefined;
  readonly gammaRegularizer: Required<Regularizer> | undefined;

  constructor(options?: BatchNormalizationOptions | null) {
    const where = 'BatchNormalization()';
    const o = readOptions(options, [...LAYER_KEYS, 'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
      'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer'], where);
    super('batch_normalization', o, where);
    this.axis = integer(o.axis ?? -1, 'axis', where, -8, 8);
    this.momentum = number(o.momentum ?? 0.99, 'momentum', where, { min: 0, max: 1 });
    this.epsilon = number(o.epsilon ?? 1e-3, 'epsilon', where, { above: 0 });
    this.center = boolean(o.center ?? true, 'center', where);
    this.scale = boolean(o.scale ?? true, 'scale', where);
    this.betaInitializer = initializerKey(o.betaInitializer ?? 'zeros', where);
    this.gammaInitializer = initializerKey(o.gammaInitializer ?? 'ones', where);
    this.movingMeanInitializer = initializerKey(o.movingMeanInitializer ?? 'zeros', where);
    this.movingVarianceInitializer = initializerKey(o.movingVarianceInitializer ?? 'ones', where);
    this.betaRegularizer = resolveRegularizer(o.betaRegularizer, 'betaRegularizer', where);
    this.gammaRegularizer = resolveRegularizer(o.gammaRegularizer, 'gammaRegularizer', where);
    lockSettings<BatchNormalization>(this, ['name', 'declaredInputShape', 'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
      'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer']);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): BatchNormalization {
    const axis = Array.isArray(c.config.axis) ? c.ints('axis') : [c.config.axis ?? -1];
    if (axis.length !== 1 || typeof axis[0] !== 'number') throw new ValueError(`${c.where}: axis ${describe(c.config.axis)} is not supported; neurasm normalises one axis, the last`);
    return new BatchNormalization({
      ...common, axis: axis[0], momentum: c.number('momentum', 0.99), epsilon: c.number('epsilon', 1e-3),
      center: c.bool('center', true), scale: c.bool('scale', true),
      betaInitializer: c.initializer('beta_initializer'), gammaInitializer: c.initializer('gamma_initializer'),
      movingMeanInitializer: c.initializer('moving_mean_initializer'), movingVarianceInitializer: c.initializer('moving_variance_initializer'),
      betaRegularizer: c.regularizer('beta_regularizer'), gammaRegularizer: c.regularizer('gamma_regularizer'),
    });
  }

  private channels(inputShape: readonly number[]): number {
    // Keras counts the axis with the batch axis first: -1 and inputShape.length are both the last.
    if (this.axis !== -1 && this.axis !== inputShape.length) {
      throw new ShapeError(`layer '${this.name}': axis ${this.axis} is not the last axis of samples of shape [${inputShape.join(', ')}]; neurasm normalises the last (channels-last) axis`);
    }
    return inputShape[inputShape.length - 1]!;
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    this.channels(inputShape);
    return [...inputShape];
  }

  /** @internal */
  override weightSpecs(inputShape: readonly number[]): WeightSpec[] {
    const c = this.channels(inputShape);
    const specs: WeightSpec[] = [];
    if (this.scale) specs.push({ name: 'gamma', shape: [c], initializer: this.gammaInitializer, regularizer: this.gammaRegularizer, trainable: true });
    if (this.center) specs.push({ name: 'beta', shape: [c], initializer: this.betaInitializer, regularizer: this.betaRegularizer, trainable: true });
    specs.push({ name: 'moving_mean', shape: [c], initializer: this.movingMeanInitializer, regularizer: undefined, trainable: false });
    // A negative variance would make every output of its channel NaN (the square root of a negative number).
    specs.push({ name: 'moving_variance', shape: [c], initializer: this.movingVarianceInitializer, regularizer: undefined, trainable: false, min: 0 });
    return specs;
  }

  /** @internal */
  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    const c = this.channels(inputShape);
    return [{ name: 'xhat', perSample: inputShape.reduce((a, b) => a * b, 1) }, { name: 'mean', perSample: 0, fixed: c }, { name: 'invStd', perSample: 0, fixed: c }];
  }

  getConfig(): Record<string, unknown> {
    return {
      axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      beta_initializer: initializerConfig(this.betaInitializer), gamma_initializer: initializerConfig(this.gammaInitializer),
      moving_mean_initializer: initializerConfig(this.movingMeanInitializer), moving_variance_initializer: initializerConfig(this.movingVarianceInitializer),
      beta_regularizer: regularizerConfig(this.betaRegularizer), gamma_regularizer: regularizerConfig(this.gammaRegularizer),
      beta_constraint: null, gamma_constraint: null,
    };
  }

  /** @internal */
  forward(input: number, rows: number, training: boolean): void {
    const b = binding(this);
    const w = b.weightOffsets;
    const gamma = this.scale ? w[0]! : 0;
    const beta = this.center ? w[this.scale ? 1 : 0]! : 0;
    const movingMean = w[w.length - 2]!;
    const movingVar = w[w.length - 1]!;
    const c = b.outputShape[b.outputShape.length - 1]!;
    const vectors = rows * (b.outputSize / c);
    // A frozen BatchNormalization normalises by its moving statistics in training too, and leaves them (Keras 3).
    if (training && !b.frozen) {
      const { out, xhat, mean, invStd } = b.buffers;
      k.batchNormTrain(out, xhat!, mean!, invStd!, input, gamma, beta, movingMean, movingVar, vectors, c, this.momentum, this.epsilon);
    } else {
      k.batchNormInference(b.buffers.out, input, gamma, beta, movingMean, movingVar, vectors, c, this.epsilon);
    }
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    const b = binding(this);
    const g = b.gradOffsets;
    const c = b.outputShape[b.outputShape.length - 1]!;
    const vectors = rows * (b.outputSize / c);
    if (b.frozen) {
      // The forward pass was the inference one, y = (x − mean)·γ/√(var + ε) + β with the moving statistics fixed: its
      // gradient is dx = dy·γ/√(var + ε), which the same kernel gives with the mean and β at 0.
      if (dInput === 0) return;
      const w = b.weightOffsets;
      const zeros = b.buffers.mean!;
      k.fill(zeros, c, 0);
      k.batchNormInference(dInput, b.buffers.grad, this.scale ? w[0]! : 0, 0, zeros, w[w.length - 1]!, vectors, c, this.epsilon);
      return;
    }
    k.batchNormGrad(dInput, this.scale ? g[0]! : 0, this.center ? g[this.scale ? 1 : 0]! : 0, b.buffers.grad, b.buffers.xhat!, b.buffers.invStd!,
      this.scale ? b.weightOffsets[0]! : 0, vectors, c);
  }
}
