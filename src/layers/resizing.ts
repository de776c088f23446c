// ZeroPadding2D and UpSampling2D: images made larger, by a border of zeros or by repeating each pixel.
import { kernels as k } from '../backend.js';
import { lockSettings, oneOf, readOptions } from '../arguments.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { LAYER_KEYS, Layer, binding, tuple, type LayerOptions } from './layer.js';
import { channelsLast } from './convolution.js';
import type { ConfigReader } from './config.js';

function image(layer: string, inputShape: readonly number[]): void {
  if (inputShape.length !== 3) throw new ShapeError(`layer '${layer}' expects samples of shape [height, width, channels], got [${inputShape.join(', ')}]`);
}

function padAmount(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 20) throw new ValueError(`${where}: ${what} must be a non-negative integer, got ${describe(v)}`);
  return v;
}

/** Options of `ZeroPadding2D`. */
export interface ZeroPaddingOptions extends LayerOptions {
  /** Only `'channelsLast'` (Keras's default). */
  dataFormat?: 'channelsLast' | 'channels_last';
}

/**
 * Adds rows and columns of zeros around each image: `padding` is one number for all sides, `[rows, columns]`
 * (each on both sides), or `[[top, bottom], [left, right]]`; default 1.
 */
export class ZeroPadding2D extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'ZeroPadding2D';
  /** `[[top, bottom], [left, right]]`. */
  readonly padding: readonly [readonly [number, number], readonly [number, number]];

  constructor(padding?: number | [number, number] | [[number, number], [number, number]], options?: ZeroPaddingOptions | null) {
    const where = 'ZeroPadding2D()';
    const o = readOptions(options, [...LAYER_KEYS, 'dataFormat'], where);
    super('zero_padding2d', o, where);
    channelsLast(o.dataFormat, where);
    const p: unknown = padding ?? 1;
    let pads: [[number, number], [number, number]];
    if (typeof p === 'number') {
      const n = padAmount(p, 'padding', where);
      pads = [[n, n], [n, n]];
    } else if (Array.isArray(p) && p.length === 2 && p.every((d) => typeof d === 'number')) {
      const [h, w] = [padAmount(p[0], 'padding[0]', where), padAmount(p[1], 'padding[1]', where)];
      pads = [[h, h], [w, w]];
    } else if (Array.isArray(p) && p.length === 2 && p.every((d) => Array.isArray(d) && d.length === 2)) {
      pads = [[padAmount(p[0][0], 'top', where), padAmount(p[0][1], 'bottom', where)], [padAmount(p[1][0], 'left', where), padAmount(p[1][1], 'right', where)]];
    } else {
      throw new ValueError(`${where}: padding must be a number, [rows, columns] or [[top, bottom], [left, right]], got ${describe(p)}`);
    }
    this.padding = Object.freeze([Object.freeze(pads[0]), Object.freeze(pads[1])] as const);
    lockSettings<ZeroPadding2D>(this, ['name', 'declaredInputShape', 'padding']);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): ZeroPadding2D {
    c.channelsLast();
    return new ZeroPadding2D(c.config.padding as [[number, number], [number, number]], common);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    image(this.name, inputShape);
    const [[t, b], [l, r]] = this.padding;
    return [inputShape[0]! + t + b, inputShape[1]! + l + r, inputShape[2]!];
  }

  getConfig(): Record<string, unknown> {
    return { padding: this.padding.map((p) => [...p]), data_format: 'channels_last' };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    const s = b.inputShape;
    const p = this.padding;
    k.zeroPad2d(b.buffers.out, input, rows, s[0]!, s[1]!, s[2]!, p[0][0], p[0][1], p[1][0], p[1][1]);
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    if (dInput === 0) return;
    const b = binding(this);
    const s = b.inputShape;
    const p = this.padding;
    k.crop2d(dInput, b.buffers.grad, rows, s[0]!, s[1]!, s[2]!, p[0][0], p[0][1], p[1][0], p[1][1]);
  }
}

/** Options of `UpSampling2D`. */
export interface UpSamplingOptions extends LayerOptions {
  /** How new pixels are made: `'nearest'` (the default, each pixel repeated; the only one neurasm has). */
  interpolation?: 'nearest';
  /** Only `'channelsLast'` (Keras's default). */
  dataFormat?: 'channelsLast' | 'channels_last';
}

/** Repeats each pixel `size` times along the rows and the columns (`size`: one number or `[rows, columns]`; default 2). */
export class UpSampling2D extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'UpSampling2D';
  /** Repetitions along the rows and the columns. */
  readonly size: readonly number[];
  /** `'nearest'`. */
  readonly interpolation: 'nearest';

  constructor(size?: number | [number, number], options?: UpSamplingOptions | null) {
    const where = 'UpSampling2D()';
    const o = readOptions(options, [...LAYER_KEYS, 'interpolation', 'dataFormat'], where);
    super('up_sampling2d', o, where);
    channelsLast(o.dataFormat, where);
    this.size = Object.freeze(tuple(size ?? 2, 2, 'size', where));
    if ((o.interpolation as string) === 'bilinear') throw new ValueError(`${where}: interpolation 'bilinear' is not supported yet; use 'nearest'`);
    this.interpolation = oneOf(o.interpolation ?? 'nearest', ['nearest'] as const, 'interpolation', where);
    lockSettings<UpSampling2D>(this, ['name', 'declaredInputShape', 'size', 'interpolation']);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): UpSampling2D {
    c.channelsLast();
    return new UpSampling2D(c.sizes('size', 2) as [number, number], { ...common, interpolation: c.string('interpolation', 'nearest') as 'nearest' });
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    image(this.name, inputShape);
    return [inputShape[0]! * this.size[0]!, inputShape[1]! * this.size[1]!, inputShape[2]!];
  }

  getConfig(): Record<string, unknown> {
    return { size: [...this.size], data_format: 'channels_last', interpolation: this.interpolation };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    const s = b.inputShape;
    k.upSample2d(b.buffers.out, input, rows, s[0]!, s[1]!, s[2]!, this.size[0]!, this.size[1]!);
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    if (dInput === 0) return;
    const b = binding(this);
    const s = b.inputShape;
    k.upSample2dGrad(dInput, b.buffers.grad, rows, s[0]!, s[1]!, s[2]!, this.size[0]!, this.size[1]!);
  }
}
