// What users hand the plot functions, checked and turned into plain numbers: a column of outputs, a weight
// matrix, a training history. Each error names the function and the argument, as the core's errors do.
// NOTE: the core is reached only through its public entry ('../index.js'): the build maps that import to the
// package 'neurasm' itself, so an error thrown here is an instance of the ValueError users import.
import { History, Layer, ShapeError, Tensor, ValueError } from '../index.js';

/** Short printable form of any value for an error message. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return typeof value;
}

/** A row-major matrix of finite numbers; `rank` 1 when it came as a flat array (one value per row). */
export interface Matrix { rows: number; cols: number; values: number[]; rank: 1 | 2 }

/** Converts a Tensor, nested rows, a flat array or a typed array into a matrix of finite numbers. */
export function toMatrix(value: unknown, where: string, arg: string): Matrix {
  let m: Matrix;
  if (value instanceof Tensor) {
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

/** A training history as epochs and per-key values: from `fit`'s History or its `.history` record. */
export interface Logged { epochs: number[]; values: Record<string, number[]> }

export function toLogged(history: unknown, where: string): Logged {
  const record = history instanceof History ? history.history : history;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new ValueError(`${where}: history must be what fit() returns (or its .history record), got ${describe(history)}`);
  }
  const values = record as Record<string, unknown>;
  const keys = Object.keys(values);
  const length = keys.length === 0 ? 0 : (values[keys[0]!] as unknown[] | undefined)?.length ?? 0;
  if (length === 0) throw new ValueError(`${where}: the history is empty: no epoch was logged (call fit with epochs ≥ 1 first)`);
  for (const key of keys) {
    const v = values[key];
    if (!Array.isArray(v) || v.length !== length || v.some((x) => typeof x !== 'number')) {
      throw new ValueError(`${where}: history.${key} must be ${length} numbers like history.${keys[0]}, got ${describe(v)}`);
    }
  }
  // Epoch numbers as the log prints them (1-based), continuing from initialEpoch when fit resumed.
  const first = history instanceof History && history.epoch.length === length ? history.epoch[0]! : 0;
  return { epochs: Array.from({ length }, (_, i) => first + i + 1), values: values as Record<string, number[]> };
}
