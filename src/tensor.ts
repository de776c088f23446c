// The public Tensor: a shape and a Float32Array that belongs to the tensor (never a view of the wasm memory),
// plus conversion of user data into it. Its invariants are checked at construction: the shape is a list of
// non-negative integers whose product is the length of the data, and neither can be replaced afterwards. Two
// things can still break them, and every use checks (toTensor, which all entry points go through): the data's buffer detached
// (transferred by postMessage or structuredClone: the array's length becomes 0), and a subclass, or an own
// property, that answers `shape` or `data` differently from what the constructor checked; toTensor reads the
// private fields (partsOf), never the getters.
import { MemoryError, ShapeError, ValueError, describe } from './errors.js';

/** Most dimensions a tensor may have. */
const MAX_RANK = 8;

/** Ranks a tensor may have, 0 to 8. */
export type Rank = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/**
 * What `toArray()` returns for each rank: `number` for rank 0, `number[]` for rank 1, `number[][]` for rank 2, and so
 * on; `TensorArrays[Rank]` (any of them) when the rank is not known statically.
 */
export interface TensorArrays {
  0: number; 1: number[]; 2: number[][]; 3: number[][][]; 4: number[][][][]; 5: number[][][][][];
  6: number[][][][][][]; 7: number[][][][][][][]; 8: number[][][][][][][][];
}

/**
 * `t`'s data and shape as its constructor checked them, from its private fields; throws a ValueError naming `where`
 * and `arg` if the data's buffer has been detached since, or `t` only has Tensor's prototype.
 */
let partsOf: (t: Tensor, where: string, arg: string) => { data: Float32Array; shape: readonly number[] };

/**
 * A dense float32 array of any rank, row-major. Owns its data: changing a model never changes a Tensor. The type
 * argument `R` is its rank where that is known statically (`Tensor<2>` from `predict`); `Tensor` alone is any rank.
 */
export class Tensor<R extends Rank = Rank> {
  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return 'Tensor';
  }

  readonly #data: Float32Array;
  readonly #shape: readonly number[];
  readonly #size: number;

  static {
    partsOf = (t, where, arg) => {
      if (!(#data in t)) throw new ValueError(`${where}: ${arg} is not a tensor: it has Tensor's prototype but was not made by new Tensor() or tensor()`);
      t.#intact(where, arg);
      return { data: t.#data, shape: t.#shape };
    };
  }

  /** Throws unless the data still has the length the constructor checked (a detached buffer has none). */
  #intact(where: string, arg: string): void {
    if (this.#data.length !== this.#size) {
      throw new ValueError(`${where}: ${arg}'s data is gone: its ArrayBuffer was detached (transferred by postMessage or structuredClone), so its shape [${this.#shape.join(', ')}] has no values behind it; make the tensor again, or send a copy (tensor.data.slice())`);
    }
  }

  /**
   * A tensor over `data` (taken, not copied, unless it lies on a shared or resizable buffer) with `shape`;
   * `tensor(values, shape)` converts other arrays.
   */
  constructor(data: Float32Array, shape: readonly number[]) {
    if (!(data instanceof Float32Array)) throw new ValueError(`Tensor(): data must be a Float32Array (use tensor(values, shape) for other arrays), got ${describe(data)}`);
    const dims = checkShape(shape, 'Tensor()');
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new ShapeError(`Tensor(): shape [${dims.join(', ')}] holds ${size} values, but the data has ${data.length}`);
    // A view of a resizable or shared buffer could change length or contents under us: own a copy instead.
    const buffer = data.buffer as ArrayBuffer & { resizable?: boolean };
    this.#data = buffer.resizable === true || !(buffer instanceof ArrayBuffer) ? data.slice() : data;
    this.#shape = Object.freeze(dims);
    this.#size = size;
  }

  /** Dimensions, e.g. `[4, 1]` for four predictions of one output (frozen). */
  get shape(): readonly number[] {
    return this.#shape;
  }

  /** The values, row-major. Its length is fixed; values written into it are checked again when it is used. */
  get data(): Float32Array {
    return this.#data;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.#shape.length;
  }

  /** Number of values (the product of the shape). */
  get size(): number {
    return this.#size;
  }

  /** Nested plain arrays: `number[]` for rank 1, `number[][]` for rank 2, deeper for higher ranks; a number for rank 0. */
  toArray(): TensorArrays[R] {
    this.#intact('Tensor.toArray()', 'the tensor');
    const nest = (dim: number, at: number): unknown => {
      const n = this.#shape[dim]!;
      if (dim === this.#shape.length - 1) return Array.from(this.#data.subarray(at, at + n));
      const stride = this.#shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: n }, (_, i) => nest(dim + 1, at + i * stride));
    };
    return (this.#shape.length === 0 ? this.#data[0]! : nest(0, 0)) as TensorArrays[R];
  }

  /** The value at row `i` (and column `j` for rank 2). */
  get(i: number, j = 0): number {
    const cols = this.#shape.length === 2 ? this.#shape[1]! : 1;
    const rows = this.#shape.length === 0 ? 1 : this.#shape[0]!;
    const ok = this.#shape.length <= 2 && Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j >= 0 && i < rows && j < cols;
    if (!ok) throw new ValueError(`Tensor.get(): index (${describe(i)}, ${describe(j)}) is outside shape [${this.#shape.join(', ')}]`);
    this.#intact('Tensor.get()', 'the tensor');
    return this.#data[i * cols + j]!;
  }

  /** Shape and values, for console output. */
  toString(): string {
    if (this.#data.length !== this.#size) return `Tensor [${this.#shape.join(', ')}] (detached: no data)`;
    return `Tensor [${this.#shape.join(', ')}] ${JSON.stringify(this.toArray())}`;
  }
}


/** A shape as given by a user, copied and checked: at most 8 non-negative safe integers. */
function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape)) throw new ShapeError(`${where}: shape must be an array of dimensions, e.g. [2, 3], got ${describe(shape)}`);
  const dims = Array.from(shape as unknown[]);
  if (dims.length > MAX_RANK) throw new ShapeError(`${where}: shape has ${dims.length} dimensions; at most ${MAX_RANK} are supported`);
  if (!dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new ShapeError(`${where}: shape [${dims.map(describe).join(', ')}] must hold non-negative integers`);
  }
  return dims as number[];
}

/** Numbers nested in arrays to any depth (`number[]`, `number[][]`, `number[][][]`, …; readonly ones too). */
export interface NestedArray extends ReadonlyArray<number | NestedArray> {}

/** Anything neurasm accepts as data: nested arrays of any depth, a flat array or typed array (a column), or a Tensor. */
export type TensorLike = Tensor | NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array;

/** Makes a Tensor from values and a shape, e.g. `tensor(pixels, [60000, 784])`; nested arrays need no shape. */
export function tensor(values: TensorLike, shape?: readonly number[]): Tensor {
  const t = toTensor(values, 'tensor()', 'values');
  const data = t.data === values || values instanceof Tensor ? t.data.slice() : t.data; // never shares the caller's array
  if (shape === undefined) return new Tensor(data, t.shape);
  const dims = checkShape(shape, 'tensor()');
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new ShapeError(`tensor(): shape [${dims.join(', ')}] holds ${size} values, but ${data.length} were given`);
  return new Tensor(data, dims);
}

/**
 * Converts user data into a Tensor of float32s (nested arrays of any depth give their own shape; flat arrays
 * and typed arrays are rank 1), with an error naming `where` and `arg` for ragged rows, non-numbers, and,
 * when `finite`, NaN, Infinity or values beyond float32's range.
 */
export function toTensor(values: unknown, where: string, arg: string, finite = true): Tensor {
  if (values instanceof Tensor) {
    const { data, shape } = partsOf(values, where, arg);
    if (finite) checkFinite(data, where, arg, shape.length >= 2 ? data.length / shape[0]! : 1);
    // A Tensor of neurasm's own over the same data: what callers read is what was checked, whatever `values` answers.
    return new Tensor(data, shape);
  }
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
      throw new ValueError(`${where}: ${arg} is a ${values.constructor.name}; neurasm computes in float32: pass numbers (e.g. Float32Array.from(values, Number))`);
    }
    const data = values instanceof Float32Array ? values : Float32Array.from(values as unknown as ArrayLike<number>);
    if (finite) checkFinite(data, where, arg, 1);
    return new Tensor(data, [data.length]);
  }
  if (!Array.isArray(values)) {
    throw new ValueError(`${where}: ${arg} must be an array of rows, an array of numbers, a typed array or a Tensor; got ${describe(values)}`);
  }
  const shape: number[] = [];
  for (let level: unknown = values; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0 || shape.length > MAX_RANK) break;
  }
  if (shape.length > MAX_RANK) throw new ShapeError(`${where}: ${arg} nests deeper than ${MAX_RANK} levels`);
  const count = shape.reduce((a, b) => a * b, 1);
  let data: Float32Array;
  try {
    data = new Float32Array(count);
  } catch {
    throw new MemoryError(`${where}: ${arg} has shape [${shape.join(', ')}]: ${count} values, more than one Float32Array can hold`);
  }
  const index: number[] = [];
  const path = (depth: number) => index.slice(0, depth).map((i) => `[${i}]`).join('');
  let at = 0;
  const fill = (v: unknown, dim: number): void => {
    if (!Array.isArray(v)) {
      const inner = dim === shape.length - 1 ? `an array of ${shape[dim]} numbers` : `an array of ${shape[dim]} arrays`;
      throw new ValueError(`${where}: ${arg}${path(dim)} must be a row (${inner}) like the rows before it, got ${describe(v)}`);
    }
    if (v.length !== shape[dim]) {
      const [was, now] = dim === 1 ? ['row 0', `row ${index[0]}`] : [`${arg}${'[0]'.repeat(dim)}`, `${arg}${path(dim)}`];
      throw new ShapeError(`${where}: ${arg} is ragged: ${was} has ${shape[dim]} values, ${now} has ${v.length}`);
    }
    if (dim === shape.length - 1) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x !== 'number') { index[dim] = i; throw new ValueError(`${where}: ${arg}${path(dim + 1)} must be a number, got ${describe(x)}`); }
        data[at++] = x;
      }
      return;
    }
    for (let i = 0; i < v.length; i++) { index[dim] = i; fill(v[i], dim + 1); }
  };
  fill(values, 0);
  if (finite) checkFinite(data, where, arg, shape.length >= 2 ? data.length / shape[0]! : 1);
  return new Tensor(data, shape);
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
