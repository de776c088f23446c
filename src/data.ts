// Data: validation and conversion of what users pass to fit/evaluate/predict, and the data utilities
// trainTestSplit and oneHot. Everything here runs before a model changes, so bad data never half-trains one.
import { kernels as k } from './backend.js';
import { arena } from './arena.js';
import { join, post, backgroundPays } from './threads.js';
import { ShapeError, ValueError, describe } from './errors.js';
import { FLOAT32_MAX, boolean, integer, nearest, number, readOptions } from './arguments.js';
import { Tensor, toTensor, nonFiniteError, type TensorLike } from './tensor.js';
import { sameShape } from './layers/index.js';

/** Validated data in float32 rows, ready to copy into the wasm memory. */
export interface Dataset {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  /** Shape of one input sample. */
  inputShape: readonly number[];
  /** Floats per input sample. */
  inputDim: number;
  /** Floats per target sample: the output's size, or one class index per loss row (sparse). */
  targetCols: number;
  /** Loss rows per sample: positions of the output's leading axes (1 for a flat output). */
  rowsPerSample: number;
  /** The output's leading axes (empty for a flat output). */
  leadingShape: readonly number[];
  /** One weight per loss row (sampleWeight or classWeight), if given: see `withWeights`. */
  w?: Float32Array;
  slice(start: number, end: number): Dataset;
  /** The same data with one weight per loss row. */
  withWeights(w: Float32Array | undefined): Dataset;
}

/** What the model expects of the data. Shapes (of one sample) are undefined when the model is not built yet. */
export interface DataSpec {
  where: string;
  inputShape: readonly number[] | undefined;
  outputShape: readonly number[] | undefined;
  /** Output shape for an input shape, for a model not built yet (throws if the layers cannot take it). */
  outputShapeFor?: (inputShape: readonly number[]) => readonly number[];
  /** Targets are class indices (sparse categorical cross-entropy). */
  sparse: boolean;
  /** A label that stands for "no class" (SparseCategoricalCrossentropy's ignoreClass). */
  ignoreClass?: number;
  /** Targets are probabilities in [0, 1] (the cross-entropies). */
  probabilities: boolean;
  needTargets: boolean;
}

/** Samples (the first axis) and values per sample; a scalar has no samples axis and is refused. */
function rowsOf(t: Tensor, where: string, arg: string): [number, number] {
  if (t.rank === 0) throw new ShapeError(`${where}: ${arg} is a scalar (shape []); it needs a first axis of samples, e.g. [[0.5]] or tensor([0.5], [1, 1])`);
  return [t.shape[0]!, t.shape.slice(1).reduce((a, b) => a * b, 1)];
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** Checks x (and y) against the model and each other; converts them to float32 rows. Throws a clear error otherwise. */
export function prepareData(x: unknown, y: unknown, spec: DataSpec): Dataset {
  const { where } = spec;
  if (x === undefined || x === null) throw new ValueError(`${where}: x is required`);
  // Finiteness is checked in the wasm once the data is copied there (upload), not here: one SIMD pass.
  const xt = toTensor(x, where, 'x', false);
  const [rows, inputDim] = rowsOf(xt, where, 'x');
  if (rows === 0 || inputDim === 0) throw new ValueError(`${where}: x is empty (shape [${xt.shape.join(', ')}])`);
  // A 1-D x is one feature per sample, as before: [samples] → [samples, 1].
  const inputShape = xt.rank === 1 ? [1] : xt.shape.slice(1);
  if (spec.inputShape !== undefined && !sameShape(inputShape, spec.inputShape)) {
    const expected = spec.inputShape;
    const detail = expected.length === 1 && inputShape.length === 1
      ? `x has ${inputDim} features per sample, but the model expects ${expected[0]}`
      : `x has samples of shape ${shapeText(inputShape)}, but the model expects ${shapeText(expected)}`;
    throw new ShapeError(`${where}: ${detail} (x shape [${xt.shape.join(', ')}])`);
  }
  const outputShape = spec.outputShape ?? spec.outputShapeFor?.(inputShape) ?? [0];
  const outputDim = outputShape.reduce((a, b) => a * b, 1);
  const classes = outputShape[outputShape.length - 1]!;
  const rowsPerSample = outputDim / Math.max(1, classes);
  const shape = { rows, inputShape, inputDim, rowsPerSample, leadingShape: outputShape.slice(0, -1) };
  if (!spec.needTargets && y === undefined) return dataset(xt.data, new Float32Array(0), shape, 0);
  if (y === undefined || y === null) throw new ValueError(`${where}: y is required`);
  const yt = toTensor(y, where, 'y', false);
  const [yRows, yCols] = rowsOf(yt, where, 'y');
  if (yRows !== rows) throw new ShapeError(`${where}: x has ${rows} samples but y has ${yRows}`);
  const ySample = yt.shape.slice(1);
  if (spec.sparse) {
    // One class index per loss row: y [samples] (or [samples, 1]) for a flat output, [samples, ...leading axes] otherwise.
    const leading = outputShape.slice(0, -1);
    const ok = yCols === rowsPerSample && (yt.rank <= 2 && leading.length === 0 || sameShape(ySample, leading) || sameShape(ySample, [...leading, 1]));
    if (!ok) {
      const expected = leading.length === 0 ? `[${rows}] or [${rows}, 1]` : `[${rows}, ${leading.join(', ')}]`;
      throw new ShapeError(`${where}: sparseCategoricalCrossentropy takes one class index per ${leading.length === 0 ? 'sample' : 'output position'} (y shape ${expected}), got y shape [${yt.shape.join(', ')}]; for one-hot targets use categoricalCrossentropy`);
    }
    checkLabels(yt.data, classes, where, 'y', spec.ignoreClass);
    return dataset(xt.data, yt.data, shape, yCols);
  }
  const matches = outputShape.length === 1 ? yt.rank <= 2 && yCols === outputDim : sameShape(ySample, outputShape);
  if (!matches) {
    const hint = yCols === rowsPerSample && classes > 1 ? '; for class indices use sparseCategoricalCrossentropy, or oneHot(y, classes)' : '';
    const what = outputShape.length === 1 ? `${yCols} values per sample, but the model outputs ${outputDim}` : `samples of shape ${shapeText(ySample)}, but the model outputs ${shapeText(outputShape)}`;
    throw new ShapeError(`${where}: y has ${what} (y shape [${yt.shape.join(', ')}])${hint}`);
  }
  if (spec.probabilities) {
    for (let i = 0; i < yt.data.length; i++) {
      const v = yt.data[i]!;
      if (v < 0 || v > 1) throw new ValueError(`${where}: y[${Math.floor(i / yCols)}] is ${v}, but cross-entropy targets must be in [0, 1]`);
    }
  }
  return dataset(xt.data, yt.data, shape, yCols);
}

/**
 * One weight per loss row (a sample's, repeated over its output positions) from Keras's `sampleWeight` or
 * `classWeight`, checked; undefined when neither is given. `sampleWeight` has one value per sample (shape
 * `[samples]` or `[samples, 1]`) or one per loss row (`[samples, ...the output's leading axes]`); `classWeight`
 * maps a class index (the label, the argmax of a one-hot row, or a single output rounded) to its weight.
 */
export function prepareWeights(data: Dataset, sampleWeight: unknown, classWeight: unknown, where: string): Float32Array | undefined {
  if ((sampleWeight === undefined || sampleWeight === null) && (classWeight === undefined || classWeight === null)) return undefined;
  const lossRows = data.rows * data.rowsPerSample;
  if (sampleWeight !== undefined && sampleWeight !== null) {
    if (classWeight !== undefined && classWeight !== null) throw new ValueError(`${where}: give sampleWeight or classWeight, not both (as Keras); multiply the class weights into sampleWeight instead`);
    const t = toTensor(sampleWeight, where, 'sampleWeight');
    const perSample = t.shape[0] === data.rows && (t.rank === 1 || (t.rank === 2 && t.shape[1] === 1));
    const perRow = t.shape[0] === data.rows && t.size === lossRows && data.rowsPerSample > 1 && sameShape(t.shape.slice(1), data.leadingShape);
    if (!perSample && !perRow) {
      const expected = data.rowsPerSample > 1 ? `[${data.rows}] or [${[data.rows, ...data.leadingShape].join(', ')}]` : `[${data.rows}]`;
      throw new ShapeError(`${where}: sampleWeight must have one weight per sample (shape ${expected}), got shape [${t.shape.join(', ')}]`);
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!(t.data[i]! >= 0)) throw new ValueError(`${where}: sampleWeight[${i}] is ${t.data[i]}; weights must be finite and not negative`);
    }
    if (perRow) return t.data;
    const w = new Float32Array(lossRows);
    for (let r = 0; r < data.rows; r++) w.fill(t.data[r]!, r * data.rowsPerSample, (r + 1) * data.rowsPerSample);
    return w;
  }
  const { weights: table, largest } = classWeights(classWeight, where);
  const w = new Float32Array(lossRows);
  const cols = data.targetCols / data.rowsPerSample; // 1 for labels or a single output, the classes for one-hot rows
  for (let r = 0; r < lossRows; r++) {
    let c = 0;
    if (cols > 1) {
      for (let j = 1; j < cols; j++) if (data.y[r * cols + j]! > data.y[r * cols + c]!) c = j; // first maximum, as argmax
    } else {
      c = roundHalfEven(data.y[r]!);
    }
    if (!(c >= 0 && c <= largest)) throw new ValueError(`${where}: classWeight has no weight for class ${c} (sample ${Math.floor(r / data.rowsPerSample)}); it covers classes 0 to ${largest}`);
    w[r] = table.get(c) ?? 1;
  }
  return w;
}

/** Keras's class_weight: each class's weight, and the largest class it covers (missing classes below it weigh 1). */
function classWeights(classWeight: unknown, where: string): { weights: Map<number, number>; largest: number } {
  const entries = Array.isArray(classWeight) ? Array.from(classWeight as unknown[], (v, i) => [String(i), v] as const)
    : typeof classWeight === 'object' && classWeight !== null && !ArrayBuffer.isView(classWeight) ? Object.entries(classWeight)
      : undefined;
  if (entries === undefined || entries.length === 0) throw new ValueError(`${where}: classWeight must map class indices to weights, e.g. { 0: 1, 1: 5 }; got ${describe(classWeight)}`);
  const weights = new Map<number, number>();
  let largest = -1;
  for (const [key, value] of entries) {
    const c = Number(key);
    if (!Number.isSafeInteger(c) || c < 0 || c >= MAX_CLASSES || String(c) !== key) throw new ValueError(`${where}: classWeight key ${describe(key)} is not a class index (an integer in [0, ${MAX_CLASSES}))`);
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(Math.fround(value))) throw new ValueError(`${where}: classWeight[${key}] is ${describe(value)}; weights must be finite numbers, not negative`);
    weights.set(c, value);
    largest = Math.max(largest, c);
  }
  return { weights, largest };
}

/** Rounds half to even, as tf.round (Keras rounds a single output to its class this way). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Where blocks come from and go back to (a model's own list of blocks). */
export interface BlockOwner { alloc(bytes: number, where?: string): number; release(offset: number): void }

/** A dataset in the memory: byte offsets of its x and y rows, and of its weights per loss row (0 when unweighted). */
export interface Uploaded { x: number; y: number; w: number; rows: number; inputDim: number; targetCols: number; rowsPerSample: number }

/**
 * Copies a dataset into fresh blocks and checks there, in one SIMD pass, that every value is a finite float32.
 * On error nothing stays allocated.
 */
export function upload(data: Dataset, blocks: BlockOwner, where: string): Uploaded {
  const x = blocks.alloc(data.x.length * 4, where);
  let y = -1;
  let w = 0;
  try {
    y = blocks.alloc(data.y.length * 4, where);
    if (data.w) {
      w = blocks.alloc(data.w.length * 4, where);
      arena.write(w, data.w); // checked finite and non-negative by prepareWeights
    }
    copyChecked(x, data.x, data.inputDim, 0, where, 'x');
    copyChecked(y, data.y, data.targetCols, 0, where, 'y');
  } catch (e) {
    if (w) blocks.release(w);
    if (y >= 0) blocks.release(y);
    blocks.release(x);
    throw e;
  }
  return { x, y, w, rows: data.rows, inputDim: data.inputDim, targetCols: data.targetCols, rowsPerSample: data.rowsPerSample };
}

/**
 * Copies rows (`cols` floats each, the first being row `firstRow` of the user's data) to `offset` and checks
 * there, in one SIMD pass, that all are finite float32s; the error names the user's row and column.
 */
export function copyChecked(offset: number, values: Float32Array, cols: number, firstRow: number, where: string, arg: string): void {
  const n = values.length;
  let bad = -1;
  if (n <= CHECK_CHUNK || !backgroundPays(n)) {
    arena.write(offset, values);
    bad = k.firstNonFinite(offset, n);
  } else {
    // With threads: copied a chunk at a time, each chunk checked by another thread while the next is copied.
    let checking = -1; // the first float of the chunk being checked
    try {
      for (let at = 0; at < n; at += CHECK_CHUNK) {
        const end = Math.min(n, at + CHECK_CHUNK);
        arena.write(offset + at * 4, values.subarray(at, end));
        if (checking >= 0) {
          const r = join();
          if (r >= 0) { bad = checking + r; break; }
        }
        post('firstNonFinite', true, offset + at * 4, end - at);
        checking = at;
      }
      if (bad < 0 && checking >= 0) {
        const r = join();
        if (r >= 0) bad = checking + r;
      }
    } finally {
      join(); // nothing outstanding on any way out
    }
  }
  if (bad >= 0) throw nonFiniteError(where, arg, values[bad]!, firstRow * cols + bad, cols);
}

/** Floats per chunk of copyChecked's copy with threads (1 MiB). */
const CHECK_CHUNK = 1 << 18;

/** Gives an upload's blocks back. */
export function release(u: Uploaded, blocks: BlockOwner): void {
  if (u.w) blocks.release(u.w);
  blocks.release(u.y);
  blocks.release(u.x);
}

function checkLabels(labels: Float32Array, classes: number, where: string, arg = 'y', ignoreClass?: number): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if ((!Number.isInteger(v) || v < 0 || v >= classes) && v !== ignoreClass) {
      throw new ValueError(`${where}: label ${arg}[${i}] = ${v} is not a class index in [0, ${classes - 1}]${ignoreClass === undefined ? '' : ` nor the ignored class ${ignoreClass}`}`);
    }
  }
}

interface DatasetShape { rows: number; inputShape: readonly number[]; inputDim: number; rowsPerSample: number; leadingShape: readonly number[] }

function dataset(x: Float32Array, y: Float32Array, shape: DatasetShape, targetCols: number, w?: Float32Array): Dataset {
  const { rows, inputDim, rowsPerSample } = shape;
  return {
    ...shape, x, y, targetCols, ...(w ? { w } : {}),
    slice: (start, end) => dataset(x.subarray(start * inputDim, end * inputDim), y.subarray(start * targetCols, end * targetCols),
      { ...shape, rows: end - start }, targetCols, w?.subarray(start * rowsPerSample, end * rowsPerSample)),
    withWeights: (weights) => dataset(x, y, { ...shape, rows }, targetCols, weights),
  };
}

/** Options of `trainTestSplit`. */
export interface SplitOptions {
  /** Fraction of samples for the test set, in (0, 1), rounded up as scikit-learn does; default 0.25. */
  testSize?: number;
  /** Shuffle before splitting; default true. */
  shuffle?: boolean;
  /** Seed of the shuffle; random if omitted. */
  seed?: number;
}

/** Splits `(x, y)` into `[xTrain, xTest, yTrain, yTest]` along the first axis, like scikit-learn's `train_test_split`. */
export function trainTestSplit(x: TensorLike, y: TensorLike, options?: SplitOptions | null): [Tensor, Tensor, Tensor, Tensor] {
  const where = 'trainTestSplit()';
  const o = readOptions(options, ['testSize', 'shuffle', 'seed'], where);
  const testSize = number(o.testSize ?? 0.25, 'testSize', where, { above: 0, below: 1 });
  const shuffle = boolean(o.shuffle ?? true, 'shuffle', where);
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new ValueError(`${where}: seed must be a non-negative integer, got ${describe(seed)}`);
  const xt = toTensor(x, where, 'x');
  const yt = toTensor(y, where, 'y');
  const [rows, xCols] = rowsOf(xt, where, 'x');
  const [yRows, yCols] = rowsOf(yt, where, 'y');
  if (rows !== yRows) throw new ShapeError(`${where}: x has ${rows} samples but y has ${yRows}`);
  const nTest = Math.ceil(rows * testSize);
  if (nTest === 0 || nTest >= rows) throw new ValueError(`${where}: testSize ${testSize} of ${rows} samples leaves an empty ${nTest === 0 ? 'test' : 'training'} set`);
  const order = new Int32Array(rows);
  if (shuffle) {
    const block = arena.alloc(16 + rows * 4, where);
    try {
      k.seedRandom(block, seed, 0);
      k.permutation(block + 16, rows, block);
      order.set(arena.i32(block + 16, rows));
    } finally {
      arena.release(block);
    }
  } else {
    for (let i = 0; i < rows; i++) order[i] = i;
  }
  const take = (t: Tensor, cols: number, from: number, to: number) => {
    const out = new Float32Array((to - from) * cols);
    for (let r = from; r < to; r++) out.set(t.data.subarray(order[r]! * cols, (order[r]! + 1) * cols), (r - from) * cols);
    return new Tensor(out, [to - from, ...t.shape.slice(1)]);
  };
  // As scikit-learn: shuffled, the test set is the first part of the permutation; unshuffled, the last rows.
  if (shuffle) return [take(xt, xCols, nTest, rows), take(xt, xCols, 0, nTest), take(yt, yCols, nTest, rows), take(yt, yCols, 0, nTest)];
  const nTrain = rows - nTest;
  return [take(xt, xCols, 0, nTrain), take(xt, xCols, nTrain, rows), take(yt, yCols, 0, nTrain), take(yt, yCols, nTrain, rows)];
}

/** Most classes `oneHot` makes rows for. */
const MAX_CLASSES = 2 ** 24;

/** One-hot rows for integer class labels: `oneHot([0, 2], 3)` → `[[1, 0, 0], [0, 0, 1]]`. */
export function oneHot(labels: TensorLike, numClasses: number): Tensor {
  const where = 'oneHot()';
  integer(numClasses, 'numClasses', where, 1, MAX_CLASSES);
  const t = toTensor(labels, where, 'labels');
  if (t.rank !== 1 && !(t.rank === 2 && t.shape[1] === 1)) throw new ShapeError(`${where}: labels must be 1-D, got shape [${t.shape.join(', ')}]`);
  checkLabels(t.data, numClasses, where, 'labels');
  if (t.size * numClasses > MAX_CLASSES * 64) throw new ValueError(`${where}: ${t.size} labels × ${numClasses} classes is more values (${t.size * numClasses}) than one-hot rows should hold; use sparseCategoricalCrossentropy with the labels as they are`);
  const out = new Float32Array(t.data.length * numClasses);
  t.data.forEach((v, i) => { out[i * numClasses + v] = 1; });
  return new Tensor(out, [t.data.length, numClasses]);
}

/** A column of a CSV text: its name in the header row, or its index (0-based; negative counts from the end, -1 is the last). */
export type CsvColumn = string | number;

/** Options of `parseCsv`. */
export interface CsvOptions {
  /** The first row names the columns (pandas' `header=0`); default true. Without it, columns are named '0', '1', … */
  header?: boolean;
  /** The one character between fields; default ','. */
  delimiter?: string;
  /** The feature columns of x, in this order; default every column that is not a label. */
  columns?: readonly CsvColumn[];
  /**
   * The target column of y ([rows]), or several ([rows, k]). A single label column may hold class names:
   * they become class indices into `classes`. Omit it for x alone.
   */
  label?: CsvColumn | readonly CsvColumn[];
}

/** What `parseCsv` returns. */
export interface CsvData {
  /** The features, [rows, columns.length]. */
  x: Tensor<2>;
  /** The targets ([rows] for one label column, [rows, k] for a list), if a label was given. */
  y?: Tensor;
  /** Names of x's columns, in order. */
  columns: string[];
  /** The class names a label column of names held, sorted (as scikit-learn's LabelEncoder): y holds indices into it. */
  classes?: string[];
}

interface CsvRecord { fields: string[]; line: number }

/** A decimal number as CSV files write them: no hex, no Infinity or NaN, no thousands separators. */
const CSV_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Splits RFC 4180 text into records (CRLF, LF or CR line ends; quoted fields may hold delimiters, quotes doubled and line ends). Blank lines are skipped. */
function csvRecords(text: string, delimiter: string, where: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark, as Excel writes
  let line = 1;
  const isEnd = (c: string | undefined) => c === '\n' || c === '\r';
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        quoted = true;
        const open = line;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new ValueError(`${where}: the quoted field opened on line ${open} is never closed`);
          const chunk = text.slice(i, q);
          line += chunk.match(/\r\n?|\n/g)?.length ?? 0;
          field += chunk;
          i = q + 1;
          if (text[i] !== '"') break;
          field += '"';
          i++;
        }
        if (i < n && text[i] !== delimiter && !isEnd(text[i])) {
          throw new ValueError(`${where}: line ${line}: text follows the closing quote of a quoted field; a quote inside a quoted field is written twice ("")`);
        }
      } else {
        let j = i;
        while (j < n && text[j] !== delimiter && !isEnd(text[j])) j++;
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i < n && text[i] === delimiter) { i++; continue; }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (fields.length === 1 && fields[0] === '' && !quoted) continue;
    out.push({ fields, line: start });
  }
  return out;
}

/**
 * Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into tensors, like pandas' `read_csv`
 * followed by splitting off the label column: `parseCsv(text, { label: 'species' })` → `{ x, y, columns, classes }`.
 * Every value must be a number except in a single label column, whose names become class indices (sorted names in
 * `classes`). An empty field, a name in a feature column or a row of the wrong length is an error naming its row.
 */
export function parseCsv(text: string, options?: CsvOptions | null): CsvData {
  const where = 'parseCsv()';
  if (typeof text !== 'string') throw new ValueError(`${where}: text must be a string (the CSV file's contents), got ${describe(text)}`);
  const o = readOptions(options, ['header', 'delimiter', 'columns', 'label'], where);
  const header = boolean(o.header ?? true, 'header', where);
  const delimiter = o.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ValueError(`${where}: delimiter must be one character other than a quote or a line end, e.g. ',', ';' or '\\t', got ${describe(delimiter)}`);
  }
  const records = csvRecords(text, delimiter, where);
  if (records.length === 0) throw new ValueError(`${where}: the text has no rows`);
  const width = records[0]!.fields.length;
  records.forEach((r, i) => {
    if (r.fields.length !== width) {
      throw new ShapeError(`${where}: row ${header ? i : i + 1} (line ${r.line}) has ${r.fields.length} fields, but the ${header ? 'header' : 'first row'} has ${width}`);
    }
  });
  const names = header ? records[0]!.fields : Array.from({ length: width }, (_, i) => String(i));
  const rows = header ? records.slice(1) : records;
  if (rows.length === 0) throw new ValueError(`${where}: the text has a header row but no data rows`);

  const column = (ref: unknown, what: string): number => {
    if (typeof ref === 'number') {
      integer(ref, what, where, -width, width - 1);
      return ref < 0 ? width + ref : ref;
    }
    if (typeof ref !== 'string') throw new ValueError(`${where}: ${what} must be a column name or index, got ${describe(ref)}`);
    if (!header) throw new ValueError(`${where}: ${what} '${ref}' is a name, but without a header row columns have indices only (0 to ${width - 1})`);
    const at = names.indexOf(ref);
    if (at < 0) {
      const near = nearest(ref, names);
      throw new ValueError(`${where}: ${what} '${ref}' is not a column${near ? `; did you mean '${near}'?` : ''} (columns: ${names.join(', ')})`);
    }
    if (names.indexOf(ref, at + 1) >= 0) throw new ValueError(`${where}: ${what} '${ref}' names more than one column (${names.filter((n) => n === ref).length}); pass its index`);
    return at;
  };
  const columnList = (refs: unknown, what: string): number[] => {
    if (!Array.isArray(refs) || refs.length === 0) throw new ValueError(`${where}: ${what} must be a non-empty array of column names or indices, got ${describe(refs)}`);
    const out = refs.map((r, i) => column(r, `${what}[${i}]`));
    const twice = out.find((c, i) => out.indexOf(c) !== i);
    if (twice !== undefined) throw new ValueError(`${where}: ${what} lists column '${names[twice]}' twice`);
    return out;
  };
  const labelList = Array.isArray(o.label);
  const labels = o.label === undefined ? [] : labelList ? columnList(o.label, 'label') : [column(o.label, 'label')];
  let features: number[];
  if (o.columns !== undefined) {
    features = columnList(o.columns, 'columns');
    const both = features.find((c) => labels.includes(c));
    if (both !== undefined) throw new ValueError(`${where}: column '${names[both]}' is both a feature (in columns) and the label`);
  } else {
    features = names.map((_, i) => i).filter((i) => !labels.includes(i));
    if (features.length === 0) throw new ValueError(`${where}: no feature columns are left: the text has ${width} column${width === 1 ? '' : 's'}, all label`);
  }

  const place = (r: number, c: number) => `row ${r + 1} (line ${rows[r]!.line}), column ${header ? `'${names[c]}'` : c}`;
  const missing = (r: number, c: number) => new ValueError(`${where}: missing value at ${place(r, c)}: the field is empty; fill it in or drop the row before parsing`);
  const value = (r: number, c: number): number | undefined => {
    const s = rows[r]!.fields[c]!.trim();
    if (s === '') throw missing(r, c);
    if (!CSV_NUMBER.test(s)) return undefined;
    const v = Number(s);
    if (Math.abs(v) > FLOAT32_MAX) throw new ValueError(`${where}: value ${s} at ${place(r, c)} is beyond float32's range (±${FLOAT32_MAX})`);
    return v;
  };
  const notNumber = (r: number, c: number, why: string) =>
    new ValueError(`${where}: column ${header ? `'${names[c]}'` : c} is not numeric: row ${r + 1} (line ${rows[r]!.line}) holds ${JSON.stringify(rows[r]!.fields[c])}; ${why}`);

  const x = new Float32Array(rows.length * features.length);
  for (let r = 0; r < rows.length; r++) {
    for (let j = 0; j < features.length; j++) {
      const v = value(r, features[j]!);
      if (v === undefined) throw notNumber(r, features[j]!, 'only a single label column may hold class names');
      x[r * features.length + j] = v;
    }
  }
  const result: CsvData = { x: new Tensor(x, [rows.length, features.length]) as Tensor<2>, columns: features.map((c) => names[c]!) };
  if (labels.length === 0) return result;

  const y = new Float32Array(rows.length * labels.length);
  let categorical = false;
  for (let r = 0; r < rows.length && !categorical; r++) {
    for (let j = 0; j < labels.length; j++) {
      const v = value(r, labels[j]!);
      if (v !== undefined) { y[r * labels.length + j] = v; continue; }
      if (labels.length > 1) throw notNumber(r, labels[j]!, 'class names work for a single label column only');
      categorical = true;
    }
  }
  if (categorical) {
    // Class names: every non-empty field of the label column, sorted by code unit (the same in every locale).
    const c = labels[0]!;
    for (let r = 0; r < rows.length; r++) if (rows[r]!.fields[c]!.trim() === '') throw missing(r, c);
    const classes = [...new Set(rows.map((row) => row.fields[c]!))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const index = new Map(classes.map((name, i) => [name, i]));
    for (let r = 0; r < rows.length; r++) y[r] = index.get(rows[r]!.fields[c]!)!;
    result.classes = classes;
  }
  result.y = new Tensor(y, labelList ? [rows.length, labels.length] : [rows.length]);
  return result;
}
