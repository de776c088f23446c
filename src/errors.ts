// The errors neurasm raises on bad input. Each says which call and argument, what was expected and what came,
// and is raised before anything changes.

/** Base class of every error neurasm raises on purpose. */
export class NeurasmError extends Error {
  override name = 'NeurasmError';
}

/** Data or weights whose shape does not fit the model or each other. */
export class ShapeError extends NeurasmError {
  override name = 'ShapeError';
}

/** A value out of range, not finite, of the wrong type, or a name nothing answers to. */
export class ValueError extends NeurasmError {
  override name = 'ValueError';
}

/** A call made in the wrong state, e.g. `fit` before `compile`. */
export class StateError extends NeurasmError {
  override name = 'StateError';
}

/**
 * The wasm memory cannot hold what a call needs (it grows to at most 2 GiB and never shrinks). Raised before
 * anything changes; `dispose()` models you no longer need to make room.
 */
export class MemoryError extends NeurasmError {
  override name = 'MemoryError';
}

/** Storage or the network failed while saving or loading a model (a file system error, a failed request). */
export class IOError extends NeurasmError {
  override name = 'IOError';
}

/** Short printable form of any value for an error message (never throws, whatever the value). */
export function describe(value: unknown): string {
  try {
    if (value === null || value === undefined) return String(value);
    if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
    if (typeof value === 'boolean') return String(value);
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    if (typeof value === 'function') return 'a function';
    if (typeof value === 'symbol') return String(value);
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
    // Symbol.toStringTag first: neurasm's classes give their name there, which survives an app's minifier
    // (constructor.name becomes whatever the minifier renamed the class to).
    const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
    return `an object (${typeof tag === 'string' ? tag : (value as object).constructor?.name ?? 'Object'})`;
  } catch {
    return 'an object';
  }
}

/** A neurasm error as plain data, for `postMessage` (structured clone keeps only built-in error classes). */
export interface ErrorData { name: string; message: string }

/** An error as plain data to post from a worker; `errorFromData` on the other side rebuilds it. */
export function errorToData(error: unknown): ErrorData {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

const ERROR_CLASSES: Record<string, new (message: string) => Error> = {
  NeurasmError, ShapeError, ValueError, StateError, MemoryError, IOError, TypeError, RangeError,
};

/** Rebuilds an error posted with `errorToData`: a ShapeError stays a ShapeError, with the same message. */
export function errorFromData(data: ErrorData): Error {
  if (typeof data !== 'object' || data === null) throw new ValueError(`errorFromData(): expected { name, message } from errorToData, got ${describe(data)}`);
  const name = typeof data.name === 'string' ? data.name : 'Error';
  const Class = Object.hasOwn(ERROR_CLASSES, name) ? ERROR_CLASSES[name]! : Error;
  return new Class(typeof data.message === 'string' ? data.message : String(data.message));
}
