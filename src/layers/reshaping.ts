// Flatten and Reshape: the same values per sample under another shape. The memory is row-major, so both are a
// copy forward and a copy backward (the buffers of neighbouring layers stay distinct).
import { kernels as k } from '../backend.js';
import { lockSettings, readOptions } from '../arguments.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { LAYER_KEYS, Layer, binding, sizeOf, type LayerOptions } from './layer.js';
import type { ConfigReader } from './config.js';
import { channelsLast } from './convolution.js';

/** Flattens each sample to one axis: `[h, w, c]` → `[h·w·c]` (channels-last order, as Keras's). */
export class Flatten extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'Flatten';

  constructor(options?: (LayerOptions & { dataFormat?: 'channelsLast' | 'channels_last' }) | null) {
    const o = readOptions(options, [...LAYER_KEYS, 'dataFormat'], 'Flatten()');
    super('flatten', o, 'Flatten()');
    channelsLast(o.dataFormat, 'Flatten()');
    lockSettings<Flatten>(this, ['name', 'declaredInputShape']);
  }

  /** Rebuilds a Flatten layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): Flatten {
    c.channelsLast();
    return new Flatten(common);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return [sizeOf(inputShape)];
  }

  getConfig(): Record<string, unknown> {
    return { data_format: 'channels_last' };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    k.linear(b.buffers.out, input, rows * b.outputSize);
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    if (dInput !== 0) k.linear(dInput, binding(this).buffers.grad, rows * binding(this).outputSize);
  }
}

/** Options of `Reshape`. */
export type ReshapeOptions = LayerOptions;

/** Gives each sample another shape with as many values: `new Reshape([7, 7, 16])`; one dimension may be -1 (inferred). */
export class Reshape extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'Reshape';
  /** The shape of one output sample, as given (one dimension may be -1). */
  readonly targetShape: readonly number[];

  constructor(targetShape: number[], options?: ReshapeOptions | null) {
    const where = 'Reshape()';
    const o = readOptions(options, LAYER_KEYS, where);
    super('reshape', o, where);
    if (!Array.isArray(targetShape) || targetShape.length < 1 || targetShape.length > 7) throw new ValueError(`${where}: targetShape must be a list of 1 to 7 dimensions, got ${describe(targetShape)}`);
    let unknown = 0;
    for (const d of targetShape) {
      if (d === -1) unknown++;
      else if (!Number.isSafeInteger(d) || d < 1) throw new ValueError(`${where}: targetShape [${targetShape.map(describe).join(', ')}] must hold positive integers and at most one -1`);
    }
    if (unknown > 1) throw new ValueError(`${where}: targetShape [${targetShape.join(', ')}] may have only one -1`);
    this.targetShape = Object.freeze([...targetShape]);
    lockSettings<Reshape>(this, ['name', 'declaredInputShape', 'targetShape']);
  }

  /** Rebuilds a Reshape layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): Reshape {
    // TensorFlow.js writes the dimension to infer as null, Keras as -1.
    const raw = c.config.target_shape;
    return new Reshape(Array.isArray(raw) ? raw.map((d) => (d === null ? -1 : d)) : c.ints('target_shape'), common);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    const n = sizeOf(inputShape);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const shape = this.targetShape.map((d) => (d === -1 ? n / known : d));
    if (!shape.every((d) => Number.isInteger(d) && d > 0) || sizeOf(shape) !== n) {
      throw new ShapeError(`layer '${this.name}' cannot reshape a sample of shape [${inputShape.join(', ')}] (${n} values) to [${this.targetShape.join(', ')}]`);
    }
    return shape;
  }

  getConfig(): Record<string, unknown> {
    return { target_shape: [...this.targetShape] };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    k.linear(b.buffers.out, input, rows * b.outputSize);
  }

  /** @internal */
  backward(dInput: number, rows: number): void {
    if (dInput !== 0) k.linear(dInput, binding(this).buffers.grad, rows * binding(this).outputSize);
  }
}
