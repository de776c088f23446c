// Pooling: the largest or the mean value of each window, per channel (max remembers its winner for the
// backward pass); 2-D over images, 1-D over sequences (as height 1), and global over all positions.
import { parallel } from '../threads.js';
import { boolean, lockSettings, readOptions } from '../arguments.js';
import { ShapeError, ValueError } from '../errors.js';
import { LAYER_KEYS, Layer, binding, sizeOf, tuple, type BufferSpec, type LayerOptions } from './layer.js';
import { channelsLast, paddingOf, windowGeometry, type WindowGeometry } from './convolution.js';
import type { ConfigReader } from './config.js';

/** Options of the pooling layers. */
export interface PoolingOptions extends LayerOptions {
  /** The window, as TensorFlow.js takes it (`{ poolSize: 2 }`), instead of the first argument. */
  poolSize?: number | number[];
  /** Step of the window per spatial axis; default the pool size (windows side by side). */
  strides?: number | number[];
  /** `'valid'` (default) or `'same'` (output ⌈input / stride⌉; the mean counts only the cells inside the input). */
  padding?: 'valid' | 'same';
  /** Only `'channelsLast'` (Keras's default). */
  dataFormat?: 'channelsLast' | 'channels_last';
}

/** What the four windowed pooling layers share. */
abstract class Pooling extends Layer {
  /** Window size per spatial axis. */
  readonly poolSize: readonly number[];
  /** Step per spatial axis. */
  readonly strides: readonly number[];
  /** Padding mode. */
  readonly padding: 'valid' | 'same';
  private readonly rank: 1 | 2;
  private readonly max: boolean;
  #geometry: WindowGeometry | undefined;
  #geometryFor: readonly number[] | undefined;

  protected constructor(rank: 1 | 2, max: boolean, prefix: string, poolSize: number | number[] | PoolingOptions | undefined,
    options: PoolingOptions | null | undefined, where: string) {
    // TensorFlow.js's form: the options alone, first (`new MaxPooling2D({ poolSize: 2, strides: 2 })`).
    const alone = typeof poolSize === 'object' && poolSize !== null && !Array.isArray(poolSize);
    if (alone && options !== undefined && options !== null) throw new ValueError(`${where}: give the pool size first and the options second, or one options object, not both`);
    const o = readOptions(alone ? poolSize : options, [...LAYER_KEYS, 'poolSize', 'strides', 'padding', 'dataFormat'], where);
    super(prefix, o, where);
    this.rank = rank;
    this.max = max;
    const size = alone ? o.poolSize : poolSize;
    if (!alone && o.poolSize !== undefined) throw new ValueError(`${where}: the pool size is given twice (as the first argument and as poolSize)`);
    this.poolSize = Object.freeze(tuple(size ?? 2, rank, 'poolSize', where));
    this.strides = Object.freeze(o.strides === undefined || o.strides === null ? [...this.poolSize] : tuple(o.strides, rank, 'strides', where));
    this.padding = paddingOf(o.padding, ['valid', 'same'] as const, where);
    channelsLast(o.dataFormat, where);
  }

  /** The arguments a saved config gives. @internal */
  protected static readConfig(c: ConfigReader, common: LayerOptions): [number | number[], PoolingOptions] {
    c.channelsLast();
    const poolSize = c.sizes('pool_size', 2);
    const strides = c.config.strides === null || c.config.strides === undefined ? undefined : c.sizes('strides');
    return [poolSize, { ...common, strides, padding: c.string('padding', 'valid') as 'valid' | 'same' }];
  }

  private geometry(inputShape: readonly number[]): WindowGeometry {
    if (this.#geometryFor !== inputShape) {
      this.#geometry = windowGeometry(this.name, this.rank, inputShape, this.poolSize, this.strides, [1, 1], this.padding, 'pool');
      this.#geometryFor = inputShape;
    }
    return this.#geometry!;
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return this.rank === 2 ? [g.outH, g.outW, g.channels] : [g.outW, g.channels];
  }

  /** @internal */
  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return this.max ? [{ name: 'argmax', perSample: sizeOf(this.computeOutputShape(inputShape)) }] : [];
  }

  getConfig(): Record<string, unknown> {
    return { pool_size: [...this.poolSize], padding: this.padding, strides: [...this.strides], data_format: 'channels_last' };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    const g = this.geometry(b.inputShape);
    if (this.max) {
      parallel('maxPool2d', b.buffers.out, b.buffers.argmax!, input, rows, g.height, g.width, g.channels, g.windowH, g.windowW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW);
    } else {
      parallel('avgPool2d', b.buffers.out, input, rows, g.height, g.width, g.channels, g.windowH, g.windowW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW);
    }
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    if (dInput === 0) return;
    const b = binding(this);
    const g = this.geometry(b.inputShape);
    if (this.max) {
      parallel('maxPool2dGrad', dInput, b.buffers.grad, b.buffers.argmax!, rows, g.height, g.width, g.channels, g.windowH, g.windowW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW);
    } else {
      parallel('avgPool2dGrad', dInput, b.buffers.grad, rows, g.height, g.width, g.channels, g.windowH, g.windowW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW);
    }
  }
}

const POOL_SETTINGS = ['name', 'declaredInputShape', 'poolSize', 'strides', 'padding'] as const;

/** The largest value of each `poolSize` window per channel: `new MaxPooling2D(2)` halves an image's height and width. */
export class MaxPooling2D extends Pooling {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'MaxPooling2D';
  constructor(poolSize?: number | [number, number] | PoolingOptions, options?: PoolingOptions | null) {
    super(2, true, 'max_pooling2d', poolSize, options, 'MaxPooling2D()');
    lockSettings<MaxPooling2D>(this, [...POOL_SETTINGS]);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): MaxPooling2D {
    const [size, o] = Pooling.readConfig(c, common);
    return new MaxPooling2D(size as [number, number], o);
  }
}

/** The mean of each `poolSize` window per channel. */
export class AveragePooling2D extends Pooling {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'AveragePooling2D';
  constructor(poolSize?: number | [number, number] | PoolingOptions, options?: PoolingOptions | null) {
    super(2, false, 'average_pooling2d', poolSize, options, 'AveragePooling2D()');
    lockSettings<AveragePooling2D>(this, [...POOL_SETTINGS]);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): AveragePooling2D {
    const [size, o] = Pooling.readConfig(c, common);
    return new AveragePooling2D(size as [number, number], o);
  }
}

/** The largest value of each window of `poolSize` steps per channel, over sequences `[steps, channels]`. */
export class MaxPooling1D extends Pooling {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'MaxPooling1D';
  constructor(poolSize?: number | [number] | PoolingOptions, options?: PoolingOptions | null) {
    super(1, true, 'max_pooling1d', poolSize, options, 'MaxPooling1D()');
    lockSettings<MaxPooling1D>(this, [...POOL_SETTINGS]);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): MaxPooling1D {
    const [size, o] = Pooling.readConfig(c, common);
    return new MaxPooling1D(size as [number], o);
  }
}

/** The mean of each window of `poolSize` steps per channel, over sequences `[steps, channels]`. */
export class AveragePooling1D extends Pooling {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'AveragePooling1D';
  constructor(poolSize?: number | [number] | PoolingOptions, options?: PoolingOptions | null) {
    super(1, false, 'average_pooling1d', poolSize, options, 'AveragePooling1D()');
    lockSettings<AveragePooling1D>(this, [...POOL_SETTINGS]);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): AveragePooling1D {
    const [size, o] = Pooling.readConfig(c, common);
    return new AveragePooling1D(size as [number], o);
  }
}

/** Options of the global pooling layers. */
export interface GlobalPoolingOptions extends LayerOptions {
  /** Keep the spatial axes with size 1 (`[1, 1, channels]`) instead of dropping them; default false. */
  keepdims?: boolean;
  /** Only `'channelsLast'` (Keras's default). */
  dataFormat?: 'channelsLast' | 'channels_last';
}

/** What the global pooling layers share: one window over all positions of a sample. */
abstract class GlobalPooling extends Layer {
  /** Whether the output keeps the spatial axes (size 1). */
  readonly keepdims: boolean;
  private readonly rank: 1 | 2;
  private readonly max: boolean;
  #dims: [number, number, number] = [0, 0, 0];
  #dimsFor: readonly number[] | undefined;

  protected constructor(rank: 1 | 2, max: boolean, prefix: string, options: GlobalPoolingOptions | null | undefined, where: string) {
    const o = readOptions(options, [...LAYER_KEYS, 'keepdims', 'dataFormat'], where);
    super(prefix, o, where);
    this.rank = rank;
    this.max = max;
    this.keepdims = boolean(o.keepdims ?? false, 'keepdims', where);
    channelsLast(o.dataFormat, where);
  }

  /** The options a saved config gives. @internal */
  protected static readConfig(c: ConfigReader, common: LayerOptions): GlobalPoolingOptions {
    c.channelsLast();
    return { ...common, keepdims: c.bool('keepdims', false) };
  }

  /** Height, width and channels of a sample. */
  private dims(inputShape: readonly number[]): [number, number, number] {
    if (this.#dimsFor !== inputShape) {
      if (inputShape.length !== this.rank + 1) throw new ShapeError(`layer '${this.name}' expects samples of shape ${this.rank === 2 ? '[height, width, channels]' : '[steps, channels]'}, got [${inputShape.join(', ')}]`);
      this.#dims = this.rank === 2 ? [inputShape[0]!, inputShape[1]!, inputShape[2]!] : [1, inputShape[0]!, inputShape[1]!];
      this.#dimsFor = inputShape;
    }
    return this.#dims;
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    const channels = this.dims(inputShape)[2];
    return this.keepdims ? [...Array<number>(this.rank).fill(1), channels] : [channels];
  }

  /** @internal */
  override bufferSpecs(inputShape: readonly number[]): BufferSpec[] {
    return this.max ? [{ name: 'argmax', perSample: this.dims(inputShape)[2] }] : [];
  }

  getConfig(): Record<string, unknown> {
    return { data_format: 'channels_last', keepdims: this.keepdims };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    const d = this.dims(b.inputShape); // height, width, channels; one window of them all
    if (this.max) parallel('maxPool2d', b.buffers.out, b.buffers.argmax!, input, rows, d[0], d[1], d[2], d[0], d[1], 1, 1, 0, 0, 1, 1);
    else parallel('avgPool2d', b.buffers.out, input, rows, d[0], d[1], d[2], d[0], d[1], 1, 1, 0, 0, 1, 1);
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    if (dInput === 0) return;
    const b = binding(this);
    const d = this.dims(b.inputShape);
    if (this.max) parallel('maxPool2dGrad', dInput, b.buffers.grad, b.buffers.argmax!, rows, d[0], d[1], d[2], d[0], d[1], 1, 1, 0, 0, 1, 1);
    else parallel('avgPool2dGrad', dInput, b.buffers.grad, rows, d[0], d[1], d[2], d[0], d[1], 1, 1, 0, 0, 1, 1);
  }
}

/** The mean over all positions of an image, per channel: `[h, w, c]` → `[c]`. */
export class GlobalAveragePooling2D extends GlobalPooling {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'GlobalAveragePooling2D';
  constructor(options?: GlobalPoolingOptions | null) {
    super(2, false, 'global_average_pooling2d', options, 'GlobalAveragePooling2D()');
    lockSettings<GlobalAveragePooling2D>(this, ['name', 'declaredInputShape', 'keepdims']);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): GlobalAveragePooling2D {
    return new GlobalAveragePooling2D(GlobalPooling.readConfig(c, common));
  }
}

/** The largest value over all positions of an image, per channel: `[h, w, c]` → `[c]`. */
export class GlobalMaxPooling2D extends GlobalPooling {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'GlobalMaxPooling2D';
  constructor(options?: GlobalPoolingOptions | null) {
    super(2, true, 'global_max_pooling2d', options, 'GlobalMaxPooling2D()');
    lockSettings<GlobalMaxPooling2D>(this, ['name', 'declaredInputShape', 'keepdims']);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): GlobalMaxPooling2D {
    return new GlobalMaxPooling2D(GlobalPooling.readConfig(c, common));
  }
}

/** The mean over all steps of a sequence, per channel: `[steps, c]` → `[c]`. */
export class GlobalAveragePooling1D extends GlobalPooling {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'GlobalAveragePooling1D';
  constructor(options?: GlobalPoolingOptions | null) {
    super(1, false, 'global_average_pooling1d', options, 'GlobalAveragePooling1D()');
    lockSettings<GlobalAveragePooling1D>(this, ['name', 'declaredInputShape', 'keepdims']);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): GlobalAveragePooling1D {
    return new GlobalAveragePooling1D(GlobalPooling.readConfig(c, common));
  }
}

/** The largest value over all steps of a sequence, per channel: `[steps, c]` → `[c]`. */
export class GlobalMaxPooling1D extends GlobalPooling {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'GlobalMaxPooling1D';
  constructor(options?: GlobalPoolingOptions | null) {
    super(1, true, 'global_max_pooling1d', options, 'GlobalMaxPooling1D()');
    lockSettings<GlobalMaxPooling1D>(this, ['name', 'declaredInputShape', 'keepdims']);
  }

  /** Rebuilds the layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): GlobalMaxPooling1D {
    return new GlobalMaxPooling1D(GlobalPooling.readConfig(c, common));
  }
}
