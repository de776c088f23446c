// The noise layers (Keras's GaussianNoise, GaussianDropout, AlphaDropout): random in training, identity at
// inference. Each keeps what its backward pass needs (the mask) in a per-batch buffer; kernels in assembly/noise.ts.
import { kernels as k } from '../backend.js';
import { lockSettings, number, readOptions } from '../arguments.js';
import { LAYER_KEYS, Layer, binding, type BufferSpec, type LayerOptions } from './layer.js';
import { checkNoiseShape, expandMask, layerState, noiseBuffers, noiseCount, readNoiseShape, readSeed } from './dropout.js';
import type { ConfigReader } from './config.js';

/** Options of `GaussianNoise` and `GaussianDropout`. */
export interface NoiseOptions extends LayerOptions {
  /** An integer in [0, 2³²) mixed into the model's stream (see `Dropout`'s `seed`). */
  seed?: number;
}

/** Options of `AlphaDropout`. */
export interface AlphaDropoutOptions extends NoiseOptions {
  /** Shape of the mask with the batch axis first, 1 where a draw is shared (see `Dropout`'s `noiseShape`). */
  noiseShape?: Array<number | null>;
}

/** Reads a saved `seed` (null for none). */
function savedSeed(c: ConfigReader): number | undefined {
  return c.config.seed as number | undefined;
}

/** Adds N(0, stddev²) noise in training (Keras 3 takes stddev in [0, 1], as here; TF.js takes any stddev ≥ 0); identity otherwise. */
export class GaussianNoise extends Layer {
  readonly className = 'GaussianNoise';
  /** Standard deviation of the noise, in [0, 1]. */
  readonly stddev: number;
  /** The layer's own seed, if any. */
  readonly seed: number | undefined;

  constructor(stddev: number, options?: NoiseOptions | null) {
    const where = 'GaussianNoise()';
    const o = readOptions(options, [...LAYER_KEYS, 'seed'], where);
    super('gaussian_noise', o, where);
    this.stddev = number(stddev, 'stddev', where, { min: 0, max: 1 });
    this.seed = readSeed(o.seed, where);
    lockSettings<GaussianNoise>(this, ['name', 'declaredInputShape', 'stddev', 'seed']);
  }

  /** Rebuilds a GaussianNoise layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): GaussianNoise {
    return new GaussianNoise(c.number('stddev'), { ...common, seed: savedSeed(c) });
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return noiseBuffers(inputShape, false, this.seed);
  }

  getConfig(): Record<string, unknown> {
    return { stddev: this.stddev, seed: this.seed ?? null };
  }

  forward(input: number, rows: number, training: boolean, randomState: number): void {
    const b = binding(this);
    const n = rows * b.outputSize;
    if (training && this.stddev > 0) k.gaussianNoise(b.buffers.out, input, n, layerState(randomState, this.seed, b.buffers.state), this.stddev);
    else k.linear(b.buffers.out, input, n);
  }

  backward(dInput: number, rows: number): void {
    const b = binding(this);
    if (dInput !== 0) k.linear(dInput, b.buffers.grad, rows * b.outputSize);
  }
}

/** Multiplies by N(1, rate/(1 − rate)) noise in training; identity otherwise. */
export class GaussianDropout extends Layer {
  readonly className = 'GaussianDropout';
  /** The drop probability the noise matches, in [0, 1). */
  readonly rate: number;
  /** The layer's own seed, if any. */
  readonly seed: number | undefined;

  constructor(rate: number, options?: NoiseOptions | null) {
    const where = 'GaussianDropout()';
    const o = readOptions(options, [...LAYER_KEYS, 'seed'], where);
    super('gaussian_dropout', o, where);
    this.rate = number(rate, 'rate', where, { min: 0, below: 1 });
    this.seed = readSeed(o.seed, where);
    lockSettings<GaussianDropout>(this, ['name', 'declaredInputShape', 'rate', 'seed']);
  }

  /** Rebuilds a GaussianDropout layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): GaussianDropout {
    return new GaussianDropout(c.number('rate'), { ...common, seed: savedSeed(c) });
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return noiseBuffers(inputShape, true, this.seed);
  }

  getConfig(): Record<string, unknown> {
    return { rate: this.rate, seed: this.seed ?? null };
  }

  forward(input: number, rows: number, training: boolean, randomState: number): void {
    const b = binding(this);
    const n = rows * b.outputSize;
    const { out, mask } = b.buffers;
    if (training && this.rate > 0) {
      k.randomNormal(mask!, n, layerState(randomState, this.seed, b.buffers.state), 1, Math.sqrt(this.rate / (1 - this.rate)));
      k.multiply(out, input, mask!, n);
    } else {
      k.fill(mask!, n, 1);
      k.linear(out, input, n);
    }
  }

  backward(dInput: number, rows: number): void {
    const b = binding(this);
    if (dInput !== 0) k.multiply(dInput, b.buffers.grad, b.buffers.mask!, rows * b.outputSize);
  }
}

// SELU's constants, as Keras 3's AlphaDropout writes them; α′ = −α·scale is the value SELU tends to for x → −∞.
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const ALPHA_P = -SELU_ALPHA * SELU_SCALE;

/**
 * Dropout that keeps SELU's self-normalising mean and variance (Keras 3's formula): in training a fraction
 * `rate` of the values become α′ and all are mapped by a·x + b, a = ((1 − rate)(1 + rate·α′²))^−½,
 * b = −a·α′·rate; identity otherwise.
 */
export class AlphaDropout extends Layer {
  readonly className = 'AlphaDropout';
  /** Fraction of the values dropped in training, in [0, 1). */
  readonly rate: number;
  /** The mask's shape with the batch axis first, 1 where a draw is shared, or undefined for one draw per value. */
  readonly noiseShape: ReadonlyArray<number | null> | undefined;
  /** The layer's own seed, if any. */
  readonly seed: number | undefined;

  constructor(rate: number, options?: AlphaDropoutOptions | null) {
    const where = 'AlphaDropout()';
    const o = readOptions(options, [...LAYER_KEYS, 'noiseShape', 'seed'], where);
    super('alpha_dropout', o, where);
    this.rate = number(rate, 'rate', where, { min: 0, below: 1 });
    this.noiseShape = readNoiseShape(o.noiseShape, where);
    this.seed = readSeed(o.seed, where);
    lockSettings<AlphaDropout>(this, ['name', 'declaredInputShape', 'rate', 'noiseShape', 'seed']);
  }

  /** Rebuilds an AlphaDropout layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): AlphaDropout {
    return new AlphaDropout(c.number('rate'), { ...common, noiseShape: c.config.noise_shape as AlphaDropoutOptions['noiseShape'], seed: savedSeed(c) });
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    checkNoiseShape(this.noiseShape, inputShape, this.name);
    return [...inputShape];
  }

  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return noiseBuffers(inputShape, true, this.seed);
  }

  getConfig(): Record<string, unknown> {
    return { rate: this.rate, noise_shape: this.noiseShape ? [...this.noiseShape] : null, seed: this.seed ?? null };
  }

  forward(input: number, rows: number, training: boolean, randomState: number): void {
    const b = binding(this);
    const n = rows * b.outputSize;
    const { out, mask } = b.buffers;
    if (training && this.rate > 0) {
      const a = 1 / Math.sqrt((1 - this.rate) * (1 + this.rate * ALPHA_P * ALPHA_P));
      const state = layerState(randomState, this.seed, b.buffers.state);
      k.alphaDropoutMask(mask!, noiseCount(rows, b.inputShape, this.noiseShape), state, this.rate, a);
      expandMask(mask!, rows, b.inputShape, this.noiseShape);
      k.alphaDropout(out, input, mask!, n, a, -a * ALPHA_P * this.rate, ALPHA_P);
    } else {
      k.fill(mask!, n, 1);
      k.linear(out, input, n);
    }
  }

  backward(dInput: number, rows: number): void {
    const b = binding(this);
    if (dInput !== 0) k.multiply(dInput, b.buffers.grad, b.buffers.mask!, rows * b.outputSize);
  }
}
