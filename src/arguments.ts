// What users pass to public entry points, checked before anything changes: the options object (undefined and
// null mean "none"; a key the call does not know is an error naming the nearest known one) and single values
// by kind. Every failure is a ValueError naming the call and the argument.
import { ValueError, describe } from './errors.js';

/** Largest finite float32: a value beyond it becomes Infinity in a kernel. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The options object of a call, as a fresh object without null or undefined values (so `??` applies the
 * defaults). Throws if it is not a plain object or has a key that is not in `keys`.
 */
export function readOptions<T extends object>(value: T | null | undefined, keys: readonly (keyof T & string)[], where: string): T {
  if (value === undefined || value === null) return {} as T;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValueError(`${where}: options must be an object, got ${describe(value)}`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!(keys as readonly string[]).includes(key)) {
      const near = nearest(key, keys);
      throw new ValueError(`${where}: unknown option '${key}'${near ? `; did you mean '${near}'?` : ''} (options: ${keys.join(', ')})`);
    }
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && v !== null) out[key] = v;
  }
  return out as T;
}

/** The known name closest to a misspelt one (differing in case or by at most two edits), if any. */
export function nearest(name: string, known: readonly string[]): string | undefined {
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

/** An integer in [min, max]. */
export function integer(v: unknown, name: string, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new ValueError(`${where}: ${name} must be an integer ${range}, got ${describe(v)}`);
  }
  return v;
}

/** Bounds of a number: `min`/`max` inclusive, `above`/`below` exclusive. */
export interface NumberRange { min?: number; max?: number; above?: number; below?: number }

/** A finite number (within float32's range, as every kernel scalar is) that lies in `range`. */
export function number(v: unknown, name: string, where: string, range: NumberRange = {}): number {
  const inRange = (x: number) => (range.min === undefined || x >= range.min) && (range.max === undefined || x <= range.max)
    && (range.above === undefined || x > range.above) && (range.below === undefined || x < range.below);
  const ok = typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX && inRange(v);
  if (!ok) throw new ValueError(`${where}: ${name} must be ${rangeText(range)}, got ${describe(v)}`);
  // NOTE: the kernels take it as a float32: an epsilon of 1e-50 would reach them as 0 (and divide 0 by 0), a rate
  // of 0.99999999999 as 1. The value they compute with must lie in the range too.
  const f = Math.fround(v);
  if (!inRange(f)) throw new ValueError(`${where}: ${name} must be ${rangeText(range)} as a float32 (the kernels compute in float32), got ${describe(v)}, which is ${f} as a float32`);
  return v;
}

function rangeText({ min, max, above, below }: NumberRange): string {
  if (above === 0 && max === undefined && below === undefined) return 'a positive finite number';
  if (min === 0 && max === undefined && below === undefined && above === undefined) return 'a non-negative finite number';
  const lo = min !== undefined ? `[${min}` : above !== undefined ? `(${above}` : undefined;
  const hi = max !== undefined ? `${max}]` : below !== undefined ? `${below})` : undefined;
  if (lo && hi) return `in ${lo}, ${hi}`;
  if (lo) return `a finite number ${min !== undefined ? '≥' : '>'} ${min ?? above}`;
  if (hi) return `a finite number ${max !== undefined ? '≤' : '<'} ${max ?? below}`;
  return 'a finite number';
}

/** `true` or `false` (a string such as 'false' is refused rather than taken as truthy). */
export function boolean(v: unknown, name: string, where: string): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${where}: ${name} must be true or false, got ${describe(v)}`);
  return v;
}

/** A non-empty string. */
export function text(v: unknown, name: string, where: string): string {
  if (typeof v !== 'string' || v === '') throw new ValueError(`${where}: ${name} must be a non-empty string, got ${describe(v)}`);
  return v;
}

/** A function. */
export function callable<F extends (...args: never[]) => unknown>(v: unknown, name: string, where: string): F {
  if (typeof v !== 'function') throw new ValueError(`${where}: ${name} must be a function, got ${describe(v)}`);
  return v as F;
}

/** One of a few allowed values. */
export function oneOf<T>(v: unknown, choices: readonly T[], name: string, where: string): T {
  if (!choices.includes(v as T)) throw new ValueError(`${where}: ${name} must be ${choices.map((c) => describe(c)).join(', ').replace(/, ([^,]*)$/, ' or $1')}, got ${describe(v)}`);
  return v as T;
}

/**
 * Makes checked settings read-only at run time too (TypeScript's `readonly` is only a type): a layer's `units`
 * or an optimizer's `beta1` changed behind its back could make a kernel write past its block or train on
 * garbage. Assigning to one then throws in strict code and does nothing otherwise.
 */
export function lockSettings<T extends object>(object: T, keys: ReadonlyArray<keyof T & string>): void {
  for (const key of keys) {
    const value = object[key];
    if (typeof value === 'object' && value !== null) Object.freeze(value);
    Object.defineProperty(object, key, { value, writable: false, configurable: false, enumerable: true });
  }
}
