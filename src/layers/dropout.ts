// Dropout: zeroes a random fraction of the values in training (inverted dropout), on any rank. Also what every
// random layer shares (RandomLayer, ShapedDropout): a mask drawn for `noiseShape` and repeated along its 1-axes,
// a layer's own `seed`, identity at inference and a backward through the mask.
import { kernels as k } from '../backend.js';
import { integer, lockSettings, number, readOptions } from '../arguments.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { LAYER_KEYS, Layer, binding, sizeOf, type Binding, type BufferSpec, type LayerOptions } from './layer.js';
import type { ConfigReader } from './config.js';

/** Options of `Dropout`. */
export interface DropoutOptions extends LayerOptions {
  /**
   * Shape of the mask with the batch axis first, 1 where one draw is shared (Keras's `noise_shape`):
   * `[null, 1, null]` drops whole features of a sequence at every step. `null` means the input's dimension.
   */
  noiseShape?: Array<number | null>;
  /** An integer in [0, 2³²) mixed into the model's stream, so the layer's masks change with it while the model's seed still fixes every bit. */
  seed?: number;
}

/** Checks a `noiseShape` option: a list of null or positive integers, the batch entry null or 1. */
export function readNoiseShape(v: unknown, where: string): Array<number | null> | undefined {
  if (v === undefined || v === null) return undefined;
  const ok = Array.isArray(v) && v.length >= 2 && v.length <= 8 && v.every((d) => d === null || (Number.isSafeInteger(d) && d > 0));
  if (!ok) throw new ValueError(`${where}: noiseShape must list the batch axis and each axis of a sample, each null or a positive integer (e.g. [null, 1, 16]), got ${Array.isArray(v) ? `[${v.map(describe).join(', ')}]` : describe(v)}`);
  if (v[0] !== null && v[0] !== 1) throw new ValueError(`${where}: noiseShape[0] (the batch axis) must be null (a draw per sample) or 1 (one draw for the batch), got ${describe(v[0])}`);
  return [...v];
}

/** Checks a `seed` option: an integer in [0, 2³²). */
export function readSeed(v: unknown, where: string): number | undefined {
  return v === undefined || v === null ? undefined : integer(v, 'seed', where, 0, 2 ** 32 - 1);
}

/** Throws a ShapeError if `noiseShape` does not fit a sample shape: one entry per axis, each null, 1 or the axis's size. */
export function checkNoiseShape(noiseShape: ReadonlyArray<number | null> | undefined, inputShape: readonly number[], name: string): void {
  if (!noiseShape) return;
  if (noiseShape.length !== inputShape.length + 1) {
    throw new ShapeError(`layer '${name}': noiseShape [${noiseShape.join(', ')}] has ${noiseShape.length} entries, but its input (batch, ${inputShape.join(', ')}) has ${inputShape.length + 1} axes`);
  }
  inputShape.forEach((d, i) => {
    const m = noiseShape[i + 1];
    if (m !== null && m !== 1 && m !== d) throw new ShapeError(`layer '${name}': noiseShape[${i + 1}] is ${m}, but the input's axis ${i + 1} has ${d} values (use null, 1 or ${d})`);
  });
}

/**
 * The generator a random layer draws from: the model's stream, or with a layer seed a scratch generator at
 * `scratch` seeded from the stream's next draw and the seed.
 */
export function layerState(state: number, seed: number | undefined, scratch: number | undefined): number {
  if (seed === undefined) return state;
  k.seedFrom(scratch!, state, seed);
  return scratch!;
}

/** The per-batch buffers of a random layer: its mask (if it keeps one) and a seeded layer's scratch generator. */
export function noiseBuffers(inputShape: readonly number[], mask: boolean, seed: number | undefined): BufferSpec[] {
  const specs: BufferSpec[] = mask ? [{ name: 'mask', perSample: sizeOf(inputShape) }] : [];
  if (seed !== undefined) specs.push({ name: 'state', perSample: 0, fixed: 4 }); // 16 bytes
  return specs;
}

/** Values a mask of `noiseShape` holds for `rows` samples of `inputShape`: what a random layer draws. */
export function noiseCount(rows: number, inputShape: readonly number[], noiseShape: ReadonlyArray<number | null> | undefined): number {
  // A plain loop: this runs every training step, where a reduce's closure would allocate.
  let count = noiseShape?.[0] === 1 ? 1 : rows;
  for (let i = 0; i < inputShape.length; i++) count *= noiseShape?.[i + 1] ?? inputShape[i]!;
  return count;
}

/** Repeats the `noiseCount` values drawn at `mask` along `noiseShape`'s 1-axes, in place, to [rows, ...inputShape]. */
export function expandMask(mask: number, rows: number, inputShape: readonly number[], noiseShape: ReadonlyArray<number | null> | undefined): void {
  if (!noiseShape) return;
  let outer = 1;
  let rest = noiseCount(rows, inputShape, noiseShape); // values of the axes after the current one, not yet expanded
  for (let a = 0; a <= inputShape.length; a++) {
    const target = a === 0 ? rows : inputShape[a - 1]!;
    const current = a === 0 ? (noiseShape[0] === 1 ? 1 : rows) : (noiseShape[a] ?? target);
    rest /= current;
    if (current === 1 && target > 1) k.broadcastAxis(mask, outer, target, rest);
    outer *= target;
  }
}

/**
 * What every random layer shares: its `seed`, its per-batch buffers, the same shape out as in, identity at
 * inference (with a mask of ones) and a backward through its mask. Subclasses say how training draws.
 */
export abstract class RandomLayer extends Layer {
  /** The layer's own seed, if any. */
  readonly seed: number | undefined;

  /** Takes options already read by `readOptions` (with `seed` among their keys). */
  protected constructor(prefix: string, o: DropoutOptions, where: string) {
    super(prefix, o, where);
    this.seed = readSeed(o.seed, where);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  /** Whether the layer keeps a mask for its backward pass (false: the gradient passes through unchanged). */
  protected keepsMask(): boolean {
    return true;
  }

  /** @internal */
  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return noiseBuffers(inputShape, this.keepsMask(), this.seed);
  }

  /** Whether training draws at all (a rate or a stddev above 0). */
  protected abstract draws(): boolean;

  /** In training: fills the mask (if kept) and `out` for `n` values of `rows` samples, drawing from the generator at `state`. */
  protected abstract draw(b: Binding, input: number, rows: number, n: number, state: number): void;

  /** @internal */
  forward(input: number, rows: number, training: boolean, randomState: number): void {
    const b = binding(this);
    const n = rows * b.outputSize;
    if (training && this.draws()) {
      this.draw(b, input, rows, n, layerState(randomState, this.seed, b.buffers.state));
      return;
    }
    if (this.keepsMask()) k.fill(b.buffers.mask!, n, 1);
    k.linear(b.buffers.out, input, n);
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    const b = binding(this);
    if (dInput === 0) return;
    if (this.keepsMask()) k.multiply(dInput, b.buffers.grad, b.buffers.mask!, rows * b.outputSize);
    else k.linear(dInput, b.buffers.grad, rows * b.outputSize);
  }
}

/** What Dropout and AlphaDropout share: a `rate`, a `noiseShape` and their options, checks and saved config. */
export abstract class ShapedDropout extends RandomLayer {
  /** Fraction of the values dropped in training, in [0, 1). */
  readonly rate: number;
  /** The mask's shape with the batch axis first, 1 where a draw is shared, or undefined for one draw per value. */
  readonly noiseShape: ReadonlyArray<number | null> | undefined;

  protected constructor(prefix: string, rate: number, options: DropoutOptions | null | undefined, where: string) {
    const o = readOptions(options, [...LAYER_KEYS, 'noiseShape', 'seed'], where);
    super(prefix, o, where);
    this.rate = number(rate, 'rate', where, { min: 0, below: 1 });
    this.noiseShape = readNoiseShape(o.noiseShape, where);
    lockSettings<ShapedDropout>(this, ['name', 'declaredInputShape', 'rate', 'noiseShape', 'seed']);
  }

  /** Rebuilds a layer of the class it is called on (Dropout, AlphaDropout) from its saved config. @internal */
  static fromConfig<T extends ShapedDropout>(this: new (rate: number, options: DropoutOptions) => T, c: ConfigReader, common: LayerOptions): T {
    return new this(c.number('rate'), { ...common, noiseShape: c.config.noise_shape as DropoutOptions['noiseShape'], seed: c.config.seed as number | undefined });
  }

  override computeOutputShape(inputShape: readonly number[]): number[] {
    checkNoiseShape(this.noiseShape, inputShape, this.name);
    return [...inputShape];
  }

  getConfig(): Record<string, unknown> {
    return { rate: this.rate, noise_shape: this.noiseShape ? [...this.noiseShape] : null, seed: this.seed ?? null };
  }

  protected draws(): boolean {
    return this.rate > 0;
  }
}

/** Zeroes a fraction `rate` of its inputs during training and scales the rest by 1/(1 − rate); identity otherwise. */
export class Dropout extends ShapedDropout {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'Dropout';

  constructor(rate: number, options?: DropoutOptions | null) {
    super('dropout', rate, options, 'Dropout()');
  }

  protected draw(b: Binding, input: number, rows: number, n: number, state: number): void {
    const mask = b.buffers.mask!;
    // NOTE: without a noiseShape the count is the batch's size, known here: no shape walk per step.
    if (this.noiseShape) {
      k.dropoutMask(mask, noiseCount(rows, b.inputShape, this.noiseShape), state, this.rate);
      expandMask(mask, rows, b.inputShape, this.noiseShape);
    } else {
      k.dropoutMask(mask, n, state, this.rate);
    }
    k.multiply(b.buffers.out, input, mask, n);
  }
}
