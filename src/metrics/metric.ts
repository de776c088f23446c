// Metrics as Keras 3 has them: objects whose state is a few f64 slots that wasm kernels add each batch to (row by
// row, in row order, so the result does not depend on batch size), and whose value the host computes from that
// state with + − × ÷ (and sqrt). This file holds the base class; the families are beside it, and
// ../metrics.ts holds the table of names and the standalone functions.
// NOTE: the state is an offset into the one memory while a model trains; the standalone API (updateState/result)
// keeps it as a host Float64Array and copies it into a scratch block for each call.
import { arena } from '../arena.js';
import { memory } from '../backend.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { text } from '../arguments.js';
import { runOnCopies } from '../standalone.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';


/** Keras's backend epsilon, as F-scores add it. */
export const EPSILON = 1e-7;
/** Keras's NEG_INF: the threshold of a top-k Precision or Recall without thresholds. */
export const NEG_INF = -1e10;

/** Each row's value into `out` (`rows` floats); targets one class index per row when the metric is sparse. */
export type RowsKernel = (out: number, pred: number, target: number, rows: number, cols: number) => void;

// One block of per-row values shared by every mean metric, for callers that pass no scratch of their own: grown
// when a batch has more rows than any before (so at most a few times per process), never per batch.
let scratch = { offset: -1, floats: 0 };

/** @internal Makes the shared per-row scratch hold `rows` values now, so later updates of up to `rows` rows allocate nothing. */
export function reserveRowScratch(rows: number): number {
  if (rows <= scratch.floats) return scratch.offset;
  const floats = Math.max(rows, 64);
  const offset = arena.alloc(floats * 4, 'metric');
  if (scratch.offset >= 0) arena.release(scratch.offset);
  scratch = { offset, floats };
  return offset;
}

let f64View: Float64Array | undefined;

/**
 * The f64 at byte offset `at` (8-aligned), read through one view of the memory that is made again only when the
 * memory has grown: what a metric's value per batch reads, so logging it allocates nothing.
 */
export function f64At(at: number): number {
  if (f64View === undefined || f64View.buffer !== memory.buffer) f64View = new Float64Array(memory.buffer);
  return f64View[at / 8]!;
}

/** A copy of `n` f64 slots at byte offset `state`. */
export function readState(state: number, n: number): Float64Array {
  return new Float64Array(memory.buffer, state, n).slice();
}

/** The shapes of one standalone update: rows, columns, the prediction and target data, the weights. */
interface Batch { rows: number; cols: number; pred: Float32Array; target: Float32Array; weights?: Float32Array }

/** A metric: Keras's stateful object. Built-in subclasses cover Keras 3's metrics; `resolveMetric` accepts names. */
export abstract class Metric {
  /** The name it is logged under: Keras's default, or the `name` option. */
  readonly name: string;
  /** Keras's class name, as saved configs write it. */
  abstract readonly className: string;

  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return this.className;
  }

  /** True when the result is one value per class or threshold: `fit` cannot log it (use it standalone). */
  readonly perClass: boolean = false;
  /** Targets are one class index per row rather than one value per output. */
  readonly sparseTargets: boolean = false;
  /**
   * Whether a higher value is better (Keras 3's `_direction = "up"`: accuracies, AUC, precision, recall, F-scores,
   * R², cosine similarity): what the callbacks' 'auto' mode follows. @internal
   */
  readonly rises: boolean = false;
  #state: Float64Array | undefined;
  #cols = -1;

  protected constructor(name: unknown, defaultName: string, where: string) {
    this.name = name === undefined || name === null ? defaultName : text(name, 'name', where);
  }

  /** Keras's config: `name`, `dtype` and the metric's own options under snake_case keys. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: 'float32', ...this.options() };
  }

  /** The metric's own config entries. */
  protected options(): Record<string, unknown> {
    return {};
  }

  /** Throws if a model or data with `cols` values per row cannot feed this metric. @internal */
  checkCols(cols: number, where: string): void {
    void cols; void where;
  }

  /** @internal f64 slots of state this metric needs for a model whose output has `cols` values per loss row. */
  abstract stateSize(cols: number): number;

  /**
   * @internal Adds a batch to the state (byte offset of `stateSize(cols)` f64s, zeroed = empty); `weights` is the
   * byte offset of one f32 per row, or 0 for unweighted. `scratch`, if given, is the byte offset of at least `rows`
   * f32s the mean metrics may overwrite; without it they use a shared block (see `reserveRowScratch`).
   */
  abstract update(state: number, pred: number, target: number, weights: number, rows: number, cols: number, scratch?: number): void;

  /** The value(s) from a state at byte offset `state`. */
  protected abstract compute(state: number, cols: number): number | number[];

  /** @internal The value from a state (a per-class metric throws: it has no single value to log). */
  resultOf(state: number, cols: number): number {
    const v = this.compute(state, cols);
    if (typeof v !== 'number') throw new ValueError(`${this.className}: the result is one value per class; it cannot be logged as one number`);
    return v;
  }

  /** Adds a batch: `yTrue` and `yPred` of shape [rows, cols] (or [rows] for one column; class indices when sparse). */
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): void {
    const where = `${this.className}.updateState()`;
    const batch = this.batch(yTrue, yPred, sampleWeight, where);
    if (this.#cols >= 0 && batch.cols !== this.#cols) {
      throw new ShapeError(`${where}: yPred has ${batch.cols} columns, but the state was built for ${this.#cols}; call resetState() first`);
    }
    this.checkCols(batch.cols, where);
    const state = this.#state ?? new Float64Array(this.stateSize(batch.cols));
    const data = [batch.pred, batch.target, ...(batch.weights ? [batch.weights] : [])];
    this.withState(state, (at) => {
      runOnCopies(data, [], (ins) => this.update(at, ins[0]!, ins[1]!, ins[2] ?? 0, batch.rows, batch.cols), where);
      state.set(readState(at, state.length));
    }, where);
    this.#state = state;
    this.#cols = batch.cols;
  }

  /** The value over every batch since the last reset (0 before any; an array for per-class results). */
  result(): number | number[] {
    if (!this.#state) return this.emptyResult();
    let value: number | number[] = 0;
    this.withState(this.#state, (at) => { value = this.compute(at, this.#cols); }, `${this.className}.result()`);
    return value;
  }

  /** Forgets every batch. */
  resetState(): void {
    this.#state = undefined;
    this.#cols = -1;
  }

  /** What result() gives before any update. */
  protected emptyResult(): number | number[] {
    return this.perClass ? [] : 0;
  }

  /** Runs `f` with a copy of `state` in a scratch block. */
  private withState(state: Float64Array, f: (at: number) => void, where: string): void {
    const at = arena.alloc(Math.max(1, state.length) * 8, where);
    try {
      new Float64Array(memory.buffer, at, state.length).set(state);
      f(at);
    } finally {
      arena.release(at);
    }
  }

  /** Checks and converts one standalone batch. */
  private batch(yTrue: TensorLike, yPred: TensorLike, sampleWeight: TensorLike | undefined, where: string): Batch {
    const pred = toTensor(yPred, where, 'yPred');
    const target = toTensor(yTrue, where, 'yTrue');
    const [rows, cols] = predRowsCols(pred, where);
    if (this.sparseTargets) {
      if (target.size !== rows || target.rank > 2 || (target.rank === 2 && target.shape[1] !== 1)) {
        throw new ShapeError(`${where}: yTrue must hold one class index per row ([${rows}] or [${rows}, 1]), got shape [${target.shape.join(', ')}]`);
      }
      target.data.forEach((v, r) => {
        if (!Number.isInteger(v) || v < 0 || v >= cols) throw new ValueError(`${where}: yTrue[${r}] must be a class index in [0, ${cols}), got ${describe(v)}`);
      });
    } else if (target.size !== pred.size || target.shape[0] !== rows) {
      throw new ShapeError(`${where}: yTrue has shape [${target.shape.join(', ')}], yPred [${pred.shape.join(', ')}]; they must match`);
    }
    let weights: Float32Array | undefined;
    if (sampleWeight !== undefined && sampleWeight !== null) {
      const w = toTensor(sampleWeight, where, 'sampleWeight');
      if (w.size !== rows || w.shape[0] !== rows) throw new ShapeError(`${where}: sampleWeight must hold one weight per row (${rows}), got shape [${w.shape.join(', ')}]`);
      weights = w.data;
    }
    return { rows, cols, pred: pred.data, target: target.data, ...(weights ? { weights } : {}) };
  }
}

/** yPred's rows and columns (a [rows] tensor is one column), checked as every standalone batch is. */
export function predRowsCols(pred: Tensor, where: string): [rows: number, cols: number] {
  if (pred.rank < 1 || pred.rank > 2) throw new ShapeError(`${where}: yPred must have shape [rows, cols] or [rows], got [${pred.shape.join(', ')}]`);
  const rows = pred.shape[0]!;
  const cols = pred.rank === 2 ? pred.shape[1]! : 1;
  if (rows > 0 && cols === 0) throw new ShapeError(`${where}: yPred has rows of no values`);
  return [rows, cols];
}
