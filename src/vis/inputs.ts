// What users hand the plot functions, checked and turned into plain numbers: the options object, a column of
// outputs, a weight matrix, a training history. Each error names the function and the argument, as the core's do.
// NOTE: the core is reached only through its public entry ('../index.js'): the build maps that import to the
// package 'neurasm' itself, so an error thrown here is an instance of the ValueError users import. That is also
// why the option checkers below are small copies of the core's (src/arguments.ts is internal, not exported).
import { History, Layer, ShapeError, Tensor, ValueError } from '../index.js';

/** Short printable form of any value for an error message (never throws, whatever the value). */
export function describe(value: unknown): string {
  try {
    if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    if (typeof value === 'function') return 'a function';
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
    if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
    return String(value);
  } catch {
    return 'an object';
  }
}

// ----- options -----

/** The options every plot function takes besides its spec's: where the picture goes, and at what scale. */
export const FILE_KEYS = ['toFile', 'scale'] as const;

/**
 * PNG pixels per SVG pixel. Above 10 a chart is a poster (6,000 pixels wide for a 600-pixel chart): write .svg;
 * below 0.1 a picture shrinks to a few pixels.
 */
const SCALE = { min: 0.1, max: 10 };
/** Plotting area of a chart in pixels: below 10 nothing can be read; 4,096 at the default scale 2 is a PNG well inside 16,384. */
const SIZE = { min: 10, max: 4096 };

/**
 * The options object of a call as a fresh object without null or undefined values (so `??` applies the defaults):
 * undefined and null mean no options; a key not in `keys` is refused, naming the nearest known key. Checks the
 * options pictures share (title, scale, width, height) where `keys` has them; the caller checks the rest.
 */
export function readOptions<T extends object>(value: unknown, keys: readonly string[], where: string): T {
  if (value === undefined || value === null) return {} as T;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValueError(`${where}: options must be an object, got ${describe(value)}`);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!keys.includes(key)) {
      const near = nearest(key, keys);
      throw new ValueError(`${where}: unknown option '${key}'${near ? `; did you mean '${near}'?` : ''} (options: ${keys.join(', ')})`);
    }
    if (v !== undefined && v !== null) out[key] = v;
  }
  if (out.title !== undefined && typeof out.title !== 'string') throw new ValueError(`${where}: title must be a string, got ${describe(out.title)}`);
  if (out.scale !== undefined) number(out.scale, 'scale', where, SCALE.min, SCALE.max);
  if (out.width !== undefined) number(out.width, 'width', where, SIZE.min, SIZE.max);
  if (out.height !== undefined) number(out.height, 'height', where, SIZE.min, SIZE.max);
  return out as T;
}

/** The known key closest to a misspelt one (differing in case or by at most two edits), if any. */
function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 0 : editDistance(k, name);
    if (d < bestDistance) { best = k; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** A finite number from `min` to `max`. */
export function number(v: unknown, name: string, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ValueError(`${where}: ${name} must be a ${min > 0 ? 'positive ' : ''}number from ${min} to ${max}, got ${describe(v)}`);
  }
  return v;
}

/** An integer from `min` to `max`. */
export function integer(v: unknown, name: string, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValueError(`${where}: ${name} must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
  return v;
}

/** `true` or `false` (a string such as 'false' is refused rather than taken as truthy). */
export function boolean(v: unknown, name: string, where: string): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${where}: ${name} must be true or false, got ${describe(v)}`);
  return v;
}

/** One of a few allowed strings. */
export function oneOf<T extends string>(v: unknown, choices: readonly T[], name: string, where: string): T {
  if (!choices.includes(v as T)) throw new ValueError(`${where}: ${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${describe(v)}`);
  return v as T;
}

// ----- data -----

/** A row-major matrix of finite numbers; `rank` 1 when it came as a flat array (one value per row). */
export interface Matrix { rows: number; cols: number; values: number[]; rank: 1 | 2 }

/** Converts a Tensor, nested rows, a flat array or a typed array into a matrix of finite numbers. */
export function toMatrix(value: unknown, where: string, arg: string): Matrix {
  let m: Matrix;
  if (value instanceof Tensor) {
    if (value.rank > 2) throw new ShapeError(`${where}: ${arg} has shape [${value.shape.join(', ')}]; expected a matrix or a vector`);
    const rank2 = value.shape.length === 2;
    m = { rows: rank2 ? value.shape[0]! : value.size, cols: rank2 ? value.shape[1]! : 1, values: Array.from(value.data), rank: rank2 ? 2 : 1 };
  } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const values = Array.from(value as unknown as ArrayLike<number>);
    m = { rows: values.length, cols: 1, values, rank: 1 };
  } else if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    const cols = (value[0] as unknown[]).length;
    value.forEach((row: unknown, r) => {
      if (!Array.isArray(row) || row.length !== cols) throw new ShapeError(`${where}: ${arg} is ragged: row 0 has ${cols} values, row ${r} has ${Array.isArray(row) ? row.length : describe(row)}`);
    });
    m = { rows: value.length, cols, values: (value as unknown[][]).flat() as number[], rank: 2 };
  } else if (Array.isArray(value)) {
    m = { rows: value.length, cols: 1, values: value as number[], rank: 1 };
  } else {
    throw new ValueError(`${where}: ${arg} must be a Tensor, an array of numbers or rows, or a typed array; got ${describe(value)}`);
  }
  if (m.values.length === 0) throw new ValueError(`${where}: ${arg} is empty`);
  m.values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ValueError(`${where}: ${arg} has ${describe(v)} at row ${Math.floor(i / m.cols)}, column ${i % m.cols}; expected finite numbers`);
    }
  });
  return m;
}

/** One output per sample: a column (n values, or n rows of one value). */
export function toColumn(value: unknown, where: string, arg: string): number[] {
  const m = toMatrix(value, where, arg);
  if (m.cols !== 1) throw new ShapeError(`${where}: ${arg} has ${m.cols} values per sample; expected one (pick the output to plot, e.g. one class's column)`);
  return m.values;
}

/** The matrix to draw for a layer (its kernel, the first weight) or a weight array given directly. */
export function toKernel(source: unknown, where: string): { matrix: Matrix; name: string | undefined } {
  if (source instanceof Layer) {
    const weights = source.getWeights();
    if (weights.length === 0) {
      const why = source.inputDim > 0 ? `a ${source.className} layer has no weights` : 'it is not built yet (give the first layer inputDim, or call fit first)';
      throw new ValueError(`${where}: layer '${source.name}' has no weights to plot: ${why}`);
    }
    return { matrix: toMatrix(weights[0], where, `${source.name}'s kernel`), name: source.name };
  }
  const m = toMatrix(source, where, 'weights');
  // A flat array (a bias, say) is one row of units.
  return { matrix: m.rank === 1 ? { ...m, rows: 1, cols: m.rows } : m, name: undefined };
}

/** A convolution kernel [height, width, inChannels, filters] as plain numbers, row-major in that order. */
export interface FilterBank { height: number; width: number; channels: number; filters: number; values: Float32Array }

/** The kernel to draw for a convolution layer (its first weight), or a kernel Tensor given directly. */
export function toFilterBank(source: unknown, where: string): { bank: FilterBank; name: string | undefined } {
  let kernel: Tensor;
  let name: string | undefined;
  if (source instanceof Layer) {
    const weights = source.getWeights();
    if (weights.length === 0) {
      const why = source.inputDim > 0 ? `a ${source.className} layer has no weights` : 'it is not built yet (give the first layer inputShape, or call fit first)';
      throw new ValueError(`${where}: layer '${source.name}' has no filters to plot: ${why}`);
    }
    kernel = weights[0]!;
    name = source.name;
    if (kernel.rank !== 4) {
      throw new ShapeError(`${where}: layer '${source.name}' (${source.className}) has a kernel of shape [${kernel.shape.join(', ')}]; plotFilters draws 2-D convolution kernels `
        + `[height, width, inChannels, filters] (Conv2D)${kernel.rank === 2 ? `; plotWeights draws a ${source.className}'s kernel` : ''}`);
    }
  } else if (source instanceof Tensor) {
    kernel = source;
    if (kernel.rank !== 4) throw new ShapeError(`${where}: the kernel has shape [${kernel.shape.join(', ')}]; expected [height, width, inChannels, filters], as Conv2D's getWeights()[0]`);
  } else {
    throw new ValueError(`${where}: expected a Conv2D layer or its kernel Tensor [height, width, inChannels, filters], got ${describe(source)}`);
  }
  const [height, width, channels, filters] = kernel.shape as [number, number, number, number];
  const values = kernel.data;
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const [f, c, x, y] = [bad % filters, Math.floor(bad / filters) % channels, Math.floor(bad / (filters * channels)) % width, Math.floor(bad / (filters * channels * width))];
    throw new ValueError(`${where}: ${name === undefined ? 'the kernel' : `${name}'s kernel`} has ${describe(values[bad])} in filter ${f}, channel ${c}, row ${y}, column ${x}; expected finite numbers`);
  }
  return { bank: { height, width, channels, filters, values }, name };
}

/** A training history as epochs and per-key values: from `fit`'s History or its `.history` record. */
export interface Logged { epochs: number[]; values: Record<string, number[]> }

/** Checks a history (one array of numbers per key, all of one length) and numbers its epochs. */
export function toLogged(history: unknown, where: string): Logged {
  const record = history instanceof History ? history.history : history;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new ValueError(`${where}: history must be what fit() returns (or its .history record), got ${describe(history)}`);
  }
  const values = record as Record<string, unknown>;
  const keys = Object.keys(values);
  const first = keys.length === 0 ? [] : values[keys[0]!];
  const length = Array.isArray(first) ? first.length : -1;
  if (length === 0) throw new ValueError(`${where}: the history is empty: no epoch was logged (call fit with epochs ≥ 1 first)`);
  for (const key of keys) {
    const v = values[key];
    if (!Array.isArray(v) || v.length !== length || v.some((x) => typeof x !== 'number')) {
      const expected = length < 0 ? 'an array of numbers, one per epoch' : `${length} numbers like history.${keys[0]}`;
      throw new ValueError(`${where}: history.${key} must be ${expected}, got ${describe(v)}`);
    }
  }
  // NaN and ±Infinity (a diverged run) stay: the chart leaves gaps for them.
  // Epoch numbers as the log prints them (1-based), continuing from initialEpoch when fit resumed.
  const start = history instanceof History && history.epoch.length === length ? history.epoch[0]! : 0;
  return { epochs: Array.from({ length }, (_, i) => start + i + 1), values: values as Record<string, number[]> };
}
