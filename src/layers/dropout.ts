// Dropout: zeroes a random fraction of the values in training (inverted dropout), on any rank.
import { kernels as k } from '../backend.js';
import { lockSettings, number, readOptions } from '../arguments.js';
import { ValueError } from '../errors.js';
import { LAYER_KEYS, Layer, binding, type BufferSpec, type LayerOptions } from './layer.js';
import type { ConfigReader } from './config.js';

/** Options of `Dropout`. */
export type DropoutOptions = LayerOptions;

/** Zeroes a fraction `rate` of its inputs during training and scales the rest by 1/(1 − rate); identity otherwise. */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  /** Fraction of the values dropped in training, in [0, 1). */
  readonly rate: number;

  constructor(rate: number, options?: DropoutOptions | null) {
    const o = readOptions(options, LAYER_KEYS, 'Dropout()');
    super('dropout', o, 'Dropout()');
    this.rate = number(rate, 'rate', 'Dropout()', { min: 0, below: 1 });
    lockSettings<Dropout>(this, ['name', 'declaredInputShape', 'rate']);
  }

  /** Rebuilds a Dropout layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): Dropout {
    if (c.config.noise_shape !== undefined && c.config.noise_shape !== null) throw new ValueError(`${c.where}: noise_shape is not supported`);
    return new Dropout(c.number('rate'), common);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return [{ name: 'mask', perSample: inputShape.reduce((a, b) => a * b, 1) }];
  }

  getConfig(): Record<string, unknown> {
    return { rate: this.rate, noise_shape: null, seed: null };
  }

  forward(input: number, rows: number, training: boolean, randomState: number): void {
    const b = binding(this);
    const n = rows * b.outputSize;
    const { out, mask } = b.buffers;
    if (training && this.rate > 0) {
      k.dropoutMask(mask!, n, randomState, this.rate);
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
