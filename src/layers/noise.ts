// The noise layers (Keras's GaussianNoise, GaussianDropout, AlphaDropout): random in training, identity at
// inference. Each keeps what its backward pass needs (the mask) in a per-batch buffer; kernels in assembly/noise.ts.
import { kernels as k } from '../backend.js';
import { lockSettings, number, readOptions } from '../arguments.js';
import { LAYER_KEYS, type Binding, type LayerOptions } from './layer.js';
import { RandomLayer, ShapedDropout, expandMask, noiseCount } from './dropout.js';
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

/** Reads the options of `GaussianNoise` and `GaussianDropout`. */
function readNoiseOptions(options: NoiseOptions | null | undefined, where: string): NoiseOptions {
  return readOptions(options, [...LAYER_KEYS, 'seed'], where);
}

/** Adds N(0, stddev²) noise in training (Keras 3 takes stddev in [0, 1], as here; TF.js takes any stddev ≥ 0); identity otherwise. */
export class GaussianNoise extends RandomLayer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'GaussianNoise';
  /** Standard deviation of the noise, in [0, 1]. */
  readonly stddev: number;

  constructor(stddev: number, options?: NoiseOptions | null) {
    const where = 'GaussianNoise()';
    super('gaussian_noise', readNoiseOptions(options, where), where);
    this.stddev = number(stddev, 'stddev', where, { min: 0, max: 1 });
    lockSettings<GaussianNoise>(this, ['name', 'declaredInputShape', 'stddev', 'seed']);
  }

  /** Rebuilds a GaussianNoise layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): GaussianNoise {
    return new GaussianNoise(c.number('stddev'), { ...common, seed: savedSeed(c) });
  }

  getConfig(): Record<string, unknown> {
    return { stddev: this.stddev, seed: this.seed ?? null };
  }

  /** Additive noise: the gradient passes through unchanged, no mask. */
  protected override keepsMask(): boolean {
    return false;
  }

  protected draws(): boolean {
    return this.stddev > 0;
  }

  protected draw(b: Binding, input: number, _rows: number, n: number, state: number): void {
    k.gaussianNoise(b.buffers.out, input, n, state, this.stddev);
  }
}

/** Multiplies by N(1, rate/(1 − rate)) noise in training; identity otherwise. */
export class GaussianDropout extends RandomLayer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'GaussianDropout';
  /** The drop probability the noise matches, in [0, 1). */
  readonly rate: number;

  constructor(rate: number, options?: NoiseOptions | null) {
    const where = 'GaussianDropout()';
    super('gaussian_dropout', readNoiseOptions(options, where), where);
    this.rate = number(rate, 'rate', where, { min: 0, below: 1 });
    lockSettings<GaussianDropout>(this, ['name', 'declaredInputShape', 'rate', 'seed']);
  }

  /** Rebuilds a GaussianDropout layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): GaussianDropout {
    return new GaussianDropout(c.number('rate'), { ...common, seed: savedSeed(c) });
  }

  getConfig(): Record<string, unknown> {
    return { rate: this.rate, seed: this.seed ?? null };
  }

  protected draws(): boolean {
    return this.rate > 0;
  }

  protected draw(b: Binding, input: number, _rows: number, n: number, state: number): void {
    const mask = b.buffers.mask!;
    k.randomNormal(mask, n, state, 1, Math.sqrt(this.rate / (1 - this.rate)));
    k.multiply(b.buffers.out, input, mask, n);
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
export class AlphaDropout extends ShapedDropout {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'AlphaDropout';

  constructor(rate: number, options?: AlphaDropoutOptions | null) {
    super('alpha_dropout', rate, options, 'AlphaDropout()');
  }

  protected draw(b: Binding, input: number, rows: number, n: number, state: number): void {
    const mask = b.buffers.mask!;
    const a = 1 / Math.sqrt((1 - this.rate) * (1 + this.rate * ALPHA_P * ALPHA_P));
    k.alphaDropoutMask(mask, noiseCount(rows, b.inputShape, this.noiseShape), state, this.rate, a);
    expandMask(mask, rows, b.inputShape, this.noiseShape);
    k.alphaDropout(b.buffers.out, input, mask, n, a, -a * ALPHA_P * this.rate, ALPHA_P);
  }
}
