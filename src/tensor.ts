// The public Tensor: a shape and a Float32Array that belongs to the caller (always a copy, never a view of
// the wasm memory), plus conversion of user data into it.
import { ShapeError, ValueError, describe } from './errors.js';

/** A dense float32 array of rank 1 or 2, row-major. Owns its data: changing it never touches a model. */
export class Tensor {
  /** Dimensions, e.g. `[4, 1]` for four predictions of one output. */
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly data: Float32Array;

  constructor(data: Float32Array, shape: readonly number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.some((d) => !Number.isInteger(d) || d < 0) || size !== data.length) {
      throw new ShapeError(`tensor(): shape [${shape.join(', ')}] does not fit ${data.length} values`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  /** Number of values. */
  get size(): number {
    return this.data.length;
  }

  /** Nested plain arrays: `number[]` for rank 1, `number[][]` for rank 2. */
  toArray(): number[] | number[][] {
    if (this.shape.length !== 2) return Array.from(this.data);
    const [rows, cols] = this.shape as [number, number];
    const out: number[][] = [];
    for (let r = 0; r < rows; r++) out.push(Array.from(this.data.subarray(r * cols, (r + 1) * cols)));
    return out;
  }

  /** The value at row `i` (and column `j` for rank 2). */
  get(i: number, j = 0): number {
    const cols = this.shape.length === 2 ? this.shape[1]! : 1;
    const v = this.data[i * cols + j];
    if (v === undefined || i < 0 || j < 0 || j >= cols) throw new ValueError(`Tensor.get(): index (${i}, ${j}) is outside shape [${this.shape.join(', ')}]`);
    return v;
  }

  /** Shape and values, for console output. */
  toString(): string {
    return `Tensor [${this.shape.join(', ')}] ${JSON.stringify(this.toArray())}`;
  }
}

/** Anything neurasm accepts as data: nested arrays, a flat array or typed array (a column), or a Tensor. */
export type TensorLike = Tensor | number[][] | number[] | Float32Array | Float64Array | Int32Array | Uint8Array;

/** Makes a Tensor from values and a shape, e.g. `tensor(pixels, [60000, 784])`; nested arrays need no shape. */
export function tensor(values: TensorLike, shape?: readonly number[]): Tensor {
  const t = toTensor(values, 'tensor()', 'values');
  const data = t.data === values ? t.data.slice() : t.data; // a Tensor never shares the caller's array
  return new Tensor(data, shape ?? t.shape);
}

/**
 * Converts user data into a rank-2 (or, for `number[]` and typed arrays, rank-1) Tensor of finite float32s,
 * with an error naming `where` and `arg` for ragged rows, non-numbers, NaN or Infinity.
 */
export function toTensor(values: unknown, where: string, arg: string, finite = true): Tensor {
  if (values instanceof Tensor) {
    if (finite) checkFinite(values.data, where, arg, values.shape.length === 2 ? values.shape[1]! : 1);
    return values;
  }
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const data = values instanceof Float32Array ? values : Float32Array.from(values as unknown as ArrayLike<number>);
    if (finite) checkFinite(data, where, arg, 1);
    return new Tensor(data, [data.length]);
  }
  if (!Array.isArray(values)) {
    throw new ValueError(`${where}: ${arg} must be an array of rows, an array of numbers, a typed array or a Tensor; got ${describe(values)}`);
  }
  if (values.length > 0 && Array.isArray(values[0])) {
    const rows = values.length;
    const cols = (values[0] as unknown[]).length;
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = values[r] as unknown;
      if (!Array.isArray(row)) throw new ValueError(`${where}: ${arg}[${r}] must be a row (an array of ${cols} numbers) like the rows before it, got ${describe(row)}`);
      if (row.length !== cols) throw new ShapeError(`${where}: ${arg} is ragged: row 0 has ${cols} values, row ${r} has ${row.length}`);
      for (let c = 0; c < cols; c++) data[r * cols + c] = number(row[c], where, arg, r, c);
    }
    if (finite) checkFinite(data, where, arg, cols);
    return new Tensor(data, [rows, cols]);
  }
  const data = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = number(values[i], where, arg, i, -1);
  if (finite) checkFinite(data, where, arg, 1);
  return new Tensor(data, [data.length]);
}

function number(v: unknown, where: string, arg: string, r: number, c: number): number {
  if (typeof v !== 'number') {
    const at = c < 0 ? `[${r}]` : `[${r}][${c}]`;
    throw new ValueError(`${where}: ${arg}${at} must be a number, got ${describe(v)}`);
  }
  return v;
}

// Checked after conversion, so values finite in f64 but beyond f32's range (1e39) are caught too.
function checkFinite(data: Float32Array, where: string, arg: string, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw nonFiniteError(where, arg, data[i]!, i, cols);
  }
}

/** The error for a NaN or infinite value at flat index `i` of rows `cols` wide. */
export function nonFiniteError(where: string, arg: string, value: number, i: number, cols: number): ValueError {
  return new ValueError(`${where}: ${arg} has a value that is not a finite float32 (${value}) at row ${Math.floor(i / cols)}, column ${i % cols}`);
}
