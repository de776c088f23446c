// Callbacks: hooks into `fit`, and the built-in ones as Keras 3 has them: History, the progress bar,
// EarlyStopping, TerminateOnNaN, ReduceLROnPlateau, LearningRateScheduler, ModelCheckpoint, CSVLogger and
// LambdaCallback. A callback is any object with some of the hook methods; hooks may return a promise.
import { boolean, callable, integer, number, oneOf, readOptions, text } from './arguments.js';
import { IOError, ValueError, describe } from './errors.js';
import type { Tensor } from './tensor.js';

/** Values logged by `fit`: `loss`, each metric, and `val_`-prefixed ones at epoch end. */
export type Logs = Record<string, number>;

/** What a callback may see and change of the model being trained (a Sequential). */
export interface TrainingModel {
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  /** The optimizer given to `compile`: its `learningRate` is read and, between steps, set. */
  readonly optimizer: { learningRate: number } | undefined;
  /** `model.save(target, options)`: a directory path in Node, `indexeddb://name` and the like in browsers. */
  save(target?: string, options?: { includeOptimizer?: boolean } | null): Promise<unknown>;
}

/** The settings of a `fit` run, handed to each callback's `setParams` before training (Keras's `params`). */
export interface TrainingParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  verbose: number;
}

/**
 * Hooks called by `fit`. Batch logs hold running means over the epoch so far; the object is reused from
 * batch to batch, so copy it to keep it. Epoch-end logs are one object handed to every callback in turn, so
 * a callback may add to them (ReduceLROnPlateau and LearningRateScheduler add `learning_rate`, as Keras).
 */
export interface Callback {
  setParams?(params: TrainingParams): void;
  setModel?(model: TrainingModel): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

/**
 * What `fit` returns: per-epoch logs under Keras 3's keys (`loss`, `accuracy`, `val_loss`, …). One given in
 * `callbacks` is the one `fit` fills and returns; as in Keras, `history` keeps growing over several fits
 * while `epoch` restarts with each.
 */
export class History implements Callback {
  /** Each logged value, one entry per epoch: `history.loss[3]` is the fourth epoch's loss. */
  readonly history: Record<string, number[]> = {};
  /** The epoch numbers run (0-based, starting at `initialEpoch`). */
  readonly epoch: number[] = [];
  /** The fit's settings. */
  params: TrainingParams = { epochs: 0, steps: 0, verbose: 0 };

  setParams(params: TrainingParams): void {
    this.params = { ...params };
  }

  onTrainBegin(): void {
    this.epoch.length = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}

/** Where progress goes: a Node stream when there is one, the console otherwise (browsers, workers). */
interface Sink { tty: boolean; write(text: string): void; line(text: string): void }

function defaultSink(): Sink {
  const stdout = (globalThis as { process?: { stdout?: { isTTY?: boolean; write(s: string): boolean } } }).process?.stdout;
  if (stdout && typeof stdout.write === 'function') {
    return { tty: stdout.isTTY === true, write: (s) => void stdout.write(s), line: (s) => void stdout.write(`${s}\n`) };
  }
  return { tty: false, write: () => {}, line: (s) => console.log(s) };
}

/** Keras's number format in logs: `.4f`, or `.4e` when |v| ≤ 1e-3. */
export function formatValue(v: number): string {
  if (Math.abs(v) > 1e-3 || !Number.isFinite(v)) return Number.isFinite(v) ? v.toFixed(4) : String(v).toLowerCase();
  const [mantissa, exponent] = v.toExponential(4).split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.floor(seconds)}s`;
}

function formatStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

function formatLogs(logs: Logs): string {
  return Object.keys(logs).sort(byKerasOrder).map((key) => ` - ${key}: ${formatValue(logs[key]!)}`).join('');
}

// Alphabetical, with validation entries after the training ones, as Keras prints them.
function byKerasOrder(a: string, b: string): number {
  const va = a.startsWith('val_') ? 1 : 0;
  const vb = b.startsWith('val_') ? 1 : 0;
  return va !== vb ? va - vb : a < b ? -1 : a > b ? 1 : 0;
}

const BAR_WIDTH = 20;
const GREEN = '\u001b[32m';
const GREY = '\u001b[90m';
const RESET = '\u001b[0m';

/** Options of `ProgbarLogger`. */
export interface ProgbarLoggerOptions {
  /** 0 silent, 1 a bar, 2 a line per epoch; default: fit's `verbose`. */
  verbose?: 0 | 1 | 2;
}

/**
 * Keras's progress output. verbose 1: `Epoch 3/100`, then a bar that overwrites itself on a terminal
 * (`77/77 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.7807 - loss: 0.4451`) or one line per epoch
 * elsewhere; verbose 2: one line per epoch (`77/77 - 2s - 4ms/step - …`).
 */
export class ProgbarLogger implements Callback {
  private readonly sink: Sink;
  private readonly fixedVerbose: 0 | 1 | 2 | undefined;
  private verbose: 0 | 1 | 2;
  private epochs = 0;
  private steps = 0;
  private started = 0;
  private lastDraw = 0;
  private seen = 0;

  /**
   * `new ProgbarLogger()` follows fit's `verbose`, as Keras 3's (which takes no arguments; Keras 2's `countMode`
   * is gone there too); `{ verbose }` fixes it. `fit` adds no second bar when one is given in `callbacks`.
   * (`fit` itself passes 1 or 2 and a sink.)
   */
  constructor(options?: ProgbarLoggerOptions | 1 | 2 | null, sink?: Sink) {
    const where = 'ProgbarLogger()';
    if (options === 1 || options === 2) this.fixedVerbose = options;
    else {
      const o = readOptions(options, ['verbose'], where);
      this.fixedVerbose = o.verbose === undefined ? undefined : oneOf(o.verbose, [0, 1, 2] as const, 'verbose', where);
    }
    this.verbose = this.fixedVerbose ?? 1;
    this.sink = sink ?? defaultSink();
  }

  /** Takes fit's epochs, steps and (unless fixed) verbose. */
  setParams(params: TrainingParams): void {
    this.configure(params.epochs, params.steps);
    if (this.fixedVerbose === undefined) this.verbose = params.verbose === 2 ? 2 : params.verbose === 0 ? 0 : 1;
  }

  /** Called by `fit` before training. */
  configure(epochs: number, steps: number): void {
    this.epochs = epochs;
    this.steps = steps;
  }

  onEpochBegin(epoch: number): void {
    this.seen = 0;
    if (this.verbose === 0) return;
    this.sink.line(`Epoch ${epoch + 1}/${this.epochs > 0 ? this.epochs : '?'}`);
    this.started = performance.now();
    this.lastDraw = 0;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    this.seen = batch + 1;
    if (this.verbose !== 1 || !this.sink.tty) return;
    const now = performance.now();
    if (batch + 1 < this.steps && now - this.lastDraw < 50) return; // Keras redraws at most every 50 ms
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const eta = (elapsed / (batch + 1)) * (this.steps - batch - 1);
    this.sink.write(`\r${this.bar(batch + 1, true)} ${formatDuration(eta)} ${formatStep(elapsed / (batch + 1))}${formatLogs(logs)}\u001b[K`);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    if (this.verbose === 0) return;
    if (this.steps === 0) this.steps = this.seen; // not told by fit: the batches counted (Keras's unknown target)
    const elapsed = (performance.now() - this.started) / 1000;
    const perStep = formatStep(elapsed / Math.max(1, this.steps));
    if (this.verbose === 2) {
      this.sink.line(`${this.steps}/${this.steps} - ${formatDuration(elapsed)} - ${perStep}${formatLogs(logs)}`);
    } else {
      const line = `${this.bar(this.steps, this.sink.tty)} ${formatDuration(elapsed)} ${perStep}${formatLogs(logs)}`;
      if (this.sink.tty) this.sink.write(`\r${line}\u001b[K\n`);
      else this.sink.line(line);
    }
  }

  private bar(done: number, color: boolean): string {
    const filled = Math.floor((BAR_WIDTH * done) / Math.max(1, this.steps));
    const head = '━'.repeat(filled);
    const tail = '━'.repeat(BAR_WIDTH - filled);
    const counter = `${String(done).padStart(String(this.steps).length)}/${this.steps}`;
    return color ? `${counter} ${GREEN}${head}${GREY}${tail}${RESET}` : `${counter} ${head}${tail}`;
  }
}

/** Options of `EarlyStopping` (Keras's names and defaults). */
export interface EarlyStoppingOptions {
  /** Logged value to watch; default `'val_loss'`. */
  monitor?: string;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping; default 0. */
  patience?: number;
  /** `'min'`, `'max'`, or `'auto'` (max for accuracy, AUC, precision, recall, F-score, R² and cosine similarity, min otherwise); default `'auto'`. */
  mode?: 'auto' | 'min' | 'max';
  /** Stop unless the value beats this. */
  baseline?: number;
  /** At the end, put back the weights of the best epoch; default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all; default 0. */
  startFromEpoch?: number;
  /** 1 prints when it stops; default 0. */
  verbose?: number;
}

/** Stops training when a monitored value has stopped improving, as Keras's EarlyStopping does. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  /** The epoch training stopped at, or 0. */
  stoppedEpoch = 0;
  /** The best epoch so far and its value. */
  bestEpoch = 0;
  best = Infinity;
  private readonly minDelta: number;
  private readonly sign: 1 | -1; // +1 when lower is better
  private readonly baseline: number | undefined;
  private readonly startFromEpoch: number;
  private readonly verbose: number;
  private wait = 0;
  private bestWeights: Tensor[] | undefined;
  private model: TrainingModel | undefined;
  private warned = false;

  constructor(options?: EarlyStoppingOptions | null) {
    const where = 'EarlyStopping()';
    const o = readOptions(options, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch', 'verbose'], where);
    this.monitor = text(o.monitor ?? 'val_loss', 'monitor', where);
    this.patience = integer(o.patience ?? 0, 'patience', where, 0);
    const mode = oneOf(o.mode ?? 'auto', ['auto', 'min', 'max'] as const, 'mode', where);
    this.sign = direction(mode, this.monitor);
    this.minDelta = Math.abs(number(o.minDelta ?? 0, 'minDelta', where)); // as Keras and TensorFlow.js: the sign is ignored
    this.baseline = o.baseline === undefined ? undefined : number(o.baseline, 'baseline', where);
    this.restoreBestWeights = boolean(o.restoreBestWeights ?? false, 'restoreBestWeights', where);
    this.startFromEpoch = integer(o.startFromEpoch ?? 0, 'startFromEpoch', where, 0);
    this.verbose = oneOf(o.verbose ?? 0, [0, 1] as const, 'verbose', where);
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = Infinity;
    this.bestEpoch = 0;
    this.bestWeights = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      if (!this.warned) console.warn(`EarlyStopping: '${this.monitor}' is not logged (available: ${Object.keys(logs).join(', ')}); not stopping early`);
      this.warned = true;
      return;
    }
    if (epoch < this.startFromEpoch) return;
    const score = this.sign * value; // lower is better
    this.wait++;
    // As Keras 3: an improvement resets the wait only if it also beats the baseline, and never stops
    // training; NaN compares false, so it is never an improvement.
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model?.getWeights();
      if (this.baseline === undefined || score < this.sign * this.baseline - this.minDelta) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      if (this.model) this.model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights && this.model) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
  }
}


/** Stops training as soon as a batch's loss is NaN or infinite. */
export class TerminateOnNaN implements Callback {
  private model: TrainingModel | undefined;
  setModel(model: TrainingModel): void {
    this.model = model;
  }
  onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss) && this.model) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      this.model.stopTraining = true;
    }
  }
}

// ───── watching a logged value ─────

type Mode = 'auto' | 'min' | 'max';

/** +1 when lower is better, −1 when higher is; 'auto' takes max for accuracy-like names, min otherwise. */
function direction(mode: Mode, monitor: string): 1 | -1 {
  // Keras 3's metrics whose direction is up: the accuracies, AUC, precision, recall, F-scores, R², cosine similarity.
  return mode === 'max' || (mode === 'auto' && !/(^|_)loss$/.test(monitor) && /acc|auc|precision|recall|f1|fbeta|r2|cosine/.test(monitor)) ? -1 : 1;
}

/** Warns once per callback that a watched value is not logged. */
function warnMissing(owner: { warned: boolean }, name: string, monitor: string, logs: Logs, doing: string): void {
  if (!owner.warned) console.warn(`${name}: '${monitor}' is not logged (available: ${Object.keys(logs).join(', ') || 'none'}); ${doing}`);
  owner.warned = true;
}

/** The optimizer of the model a callback was given, or a clear error. */
function optimizerOf(model: TrainingModel | undefined, where: string): { learningRate: number } {
  const optimizer = model?.optimizer;
  if (!optimizer) throw new ValueError(`${where}: the model has no optimizer (compile it, and pass the callback to fit)`);
  return optimizer;
}

/** The learning rate as Keras logs it: its float32 variable read back (0.01 logs as 0.009999999776482582). */
function loggedRate(optimizer: { learningRate: number }): number {
  return Math.fround(optimizer.learningRate);
}

// ───── Python's number formats (file names, CSV cells and messages read as Keras writes them) ─────

/** Python's `repr` of a float: shortest round-trip digits, exponent below 1e-4 and from 1e16, `.0` on whole numbers. */
export function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Object.is(v, -0)) return '-0.0';
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const plain = String(v);
  return plain.includes('.') ? plain : `${plain}.0`;
}

/** `v` with `digits` decimals, ties to even on the exact binary value, as Python's `.Nf` (toFixed breaks ties upward). */
function fixed(v: number, digits: number): string {
  const out = v.toFixed(digits);
  const long = Math.abs(v).toFixed(Math.min(100, digits + 40));
  const cut = long.indexOf('.') + 1 + digits - (digits === 0 ? 1 : 0);
  const rest = long.slice(digits === 0 ? long.indexOf('.') + 1 : cut);
  if (!/^50*$/.test(rest)) return out;
  const last = Number(long[digits === 0 ? long.indexOf('.') - 1 : cut - 1]);
  if (last % 2 === 1) return out; // toFixed rounded away from an odd digit: to even
  return (v < 0 ? '-' : '') + long.slice(0, digits === 0 ? long.indexOf('.') : cut);
}

/** Python's `.Ne` (two exponent digits at least). */
function exponential(v: number, digits: number): string {
  const [mantissa, exp] = v.toExponential(digits).split('e') as [string, string];
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** A format spec Python's str.format takes for numbers: [sign][0][width][.precision][d|f|e]. */
const SPEC = /^([+\- ]?)(0?)(\d*)(?:\.(\d+))?([dfeE]?)$/;

/** One value formatted by a Python format spec (`02d`, `.4f`, `.2e`, or none). */
function formatNumber(v: number, spec: string, name: string, where: string): string {
  const m = SPEC.exec(spec)!;
  const [, sign, zero, width, precision, type] = m;
  let body: string;
  if (type === 'd') {
    if (!Number.isInteger(v)) throw new ValueError(`${where}: {${name}:${spec}} formats integers, but ${name} is ${pythonFloat(v)}`);
    body = String(Math.abs(v));
  } else if (type === 'f') body = fixed(Math.abs(v), precision === undefined ? 6 : Number(precision));
  else if (type === 'e' || type === 'E') body = exponential(Math.abs(v), precision === undefined ? 6 : Number(precision));
  else body = Number.isInteger(v) && (name === 'epoch' || name === 'batch') ? String(Math.abs(v)) : pythonFloat(Math.abs(v));
  if (type === 'E') body = body.toUpperCase();
  const signText = v < 0 || Object.is(v, -0) ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  const pad = Math.max(0, Number(width || 0) - signText.length - body.length);
  return zero ? signText + '0'.repeat(pad) + body : ' '.repeat(pad) + signText + body;
}

/** A checked template such as `ckpt/{epoch:02d}-{val_loss:.2f}`: literal text and named fields with their specs. */
type Template = (string | { name: string; spec: string })[];

/** Parses a Python format string (`{{` and `}}` are braces); throws on a spec it cannot honour. */
function parseTemplate(template: string, where: string): Template {
  const parts: Template = [];
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if ((c === '{' || c === '}') && template[i + 1] === c) { literal += c; i++; continue; }
    if (c === '}') throw new ValueError(`${where}: a single '}' in ${describe(template)}; write '}}' for a brace`);
    if (c !== '{') { literal += c; continue; }
    const close = template.indexOf('}', i);
    if (close < 0) throw new ValueError(`${where}: an unclosed '{' in ${describe(template)}`);
    const field = template.slice(i + 1, close);
    const colon = field.indexOf(':');
    const name = colon < 0 ? field : field.slice(0, colon);
    const spec = colon < 0 ? '' : field.slice(colon + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ValueError(`${where}: {${field}} in ${describe(template)} does not name a logged value (e.g. {epoch}, {val_loss:.2f})`);
    if (!SPEC.test(spec)) throw new ValueError(`${where}: the format '${spec}' of {${name}} is not supported (use a spec such as 02d, .4f or .2e)`);
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ name, spec });
    i = close;
  }
  if (literal) parts.push(literal);
  return parts;
}

function fillTemplate(parts: Template, values: Record<string, number>, where: string): string {
  return parts.map((p) => {
    if (typeof p === 'string') return p;
    const v = values[p.name];
    if (v === undefined) throw new ValueError(`${where}: the file path names {${p.name}}, which is not logged (available: ${Object.keys(values).join(', ')})`);
    return formatNumber(v, p.spec, p.name, where);
  }).join('');
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

// ───── ReduceLROnPlateau ─────

/** Options of `ReduceLROnPlateau` (Keras's names and defaults). */
export interface ReduceLROnPlateauOptions {
  /** Logged value to watch; default `'val_loss'`. */
  monitor?: string;
  /** The rate is multiplied by this; in (0, 1), default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing; default 10. */
  patience?: number;
  /** 1 prints each reduction; default 0. */
  verbose?: number;
  /** `'min'`, `'max'`, or `'auto'` (max for accuracy-like names); default `'auto'`. */
  mode?: Mode;
  /** Smallest change that counts as an improvement; default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again; default 0. */
  cooldown?: number;
  /** The rate is never reduced below this; default 0. */
  minLr?: number;
}

/**
 * Multiplies the optimizer's learning rate by `factor` once the watched value has not improved for `patience`
 * epochs, as Keras 3: the first value is always an improvement; a cooldown epoch counts down before the check,
 * so cooldown 1 delays nothing. Adds the epoch's rate to the logs as `learning_rate` (before reducing it).
 */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: number;
  /** The best value so far (undefined before the first epoch). */
  best: number | undefined;
  /** Epochs without improvement since the last improvement or reduction. */
  wait = 0;
  cooldownCounter = 0;
  private readonly sign: 1 | -1;
  private model: TrainingModel | undefined;
  warned = false;

  constructor(options?: ReduceLROnPlateauOptions | null) {
    const where = 'ReduceLROnPlateau()';
    const o = readOptions(options, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr'], where);
    this.monitor = text(o.monitor ?? 'val_loss', 'monitor', where);
    this.factor = number(o.factor ?? 0.1, 'factor', where, { above: 0, below: 1 });
    this.patience = integer(o.patience ?? 10, 'patience', where, 0);
    this.verbose = oneOf(o.verbose ?? 0, [0, 1] as const, 'verbose', where);
    this.sign = direction(oneOf(o.mode ?? 'auto', ['auto', 'min', 'max'] as const, 'mode', where), this.monitor);
    this.minDelta = Math.abs(number(o.minDelta ?? 1e-4, 'minDelta', where));
    this.cooldown = integer(o.cooldown ?? 0, 'cooldown', where, 0);
    this.minLr = number(o.minLr ?? 0, 'minLr', where, { min: 0 });
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.best = undefined;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const optimizer = optimizerOf(this.model, 'ReduceLROnPlateau');
    logs.learning_rate = loggedRate(optimizer);
    const current = logs[this.monitor];
    if (current === undefined) {
      warnMissing(this, 'ReduceLROnPlateau', this.monitor, logs, 'the learning rate is not reduced');
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    // Keras: monitor_op(current − min_delta, best) with min_delta negated for 'min'; NaN never improves.
    if (this.best === undefined || this.sign * current < this.sign * this.best - this.minDelta) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience && this.reduce(optimizer, epoch)) {
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }

  private reduce(optimizer: { learningRate: number }, epoch: number): boolean {
    const old = loggedRate(optimizer);
    if (!(old > Math.fround(this.minLr))) return false;
    const next = Math.max(old * this.factor, this.minLr);
    if (Math.fround(next) === 0) return false; // a float32 rate of 0: as low as it goes
    optimizer.learningRate = next;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${pythonFloat(next)}.`);
    return true;
  }
}

// ───── LearningRateScheduler ─────

/**
 * Sets the optimizer's learning rate at the start of each epoch to `schedule(epoch, currentRate)` (epoch 0-based,
 * the rate as Keras reads its float32 variable), and logs it as `learning_rate`. A result that is not a positive
 * finite number is an error (Keras accepts any float; the optimizer here takes positive rates only).
 */
export class LearningRateScheduler implements Callback {
  readonly schedule: (epoch: number, learningRate: number) => number;
  readonly verbose: number;
  private model: TrainingModel | undefined;

  constructor(schedule: (epoch: number, learningRate: number) => number, verbose = 0) {
    const where = 'LearningRateScheduler()';
    this.schedule = callable(schedule, 'schedule', where);
    this.verbose = oneOf(verbose, [0, 1] as const, 'verbose', where);
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  onEpochBegin(epoch: number): void {
    const optimizer = optimizerOf(this.model, 'LearningRateScheduler');
    const rate: unknown = this.schedule(epoch, loggedRate(optimizer));
    if (typeof rate !== 'number' || !Number.isFinite(rate) || !(Math.fround(rate) > 0)) {
      throw new ValueError(`LearningRateScheduler: schedule(${epoch}, ${pythonFloat(loggedRate(optimizer))}) must return a positive finite number (as a float32), got ${describe(rate)}`);
    }
    optimizer.learningRate = rate;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${pythonFloat(rate)}.`);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learning_rate = loggedRate(optimizerOf(this.model, 'LearningRateScheduler'));
  }
}

// ───── ModelCheckpoint ─────

/** Options of `ModelCheckpoint` (Keras's names and defaults). */
export interface ModelCheckpointOptions {
  /** Logged value that decides the best model; default `'val_loss'`. */
  monitor?: string;
  /** 1 prints each save or skip; default 0. */
  verbose?: number;
  /** Save only when the watched value improves on the best so far; default false. */
  saveBestOnly?: boolean;
  /** Save the weights without the optimizer's state; default false (the whole model, optimizer included). */
  saveWeightsOnly?: boolean;
  /** `'min'`, `'max'` or `'auto'`; default `'auto'`. */
  mode?: Mode;
  /** `'epoch'` (default), or a number of batches between saves. */
  saveFreq?: 'epoch' | number;
  /** With saveBestOnly: the value a first save must beat. */
  initialValueThreshold?: number;
}

/**
 * Saves the model during training through `model.save(target)`: in Node a directory (model.json and
 * weights.bin), in browsers `indexeddb://name`, `localstorage://name` or `downloads://name`. The target is a
 * Python format string as in Keras: `{epoch}` (1-based), `{batch}` (1-based, with a batch saveFreq) and any
 * logged value, with Python's specs: `ckpt/{epoch:02d}-{val_loss:.2f}`. Keras requires a `.keras` or
 * `.weights.h5` file; this library's format is TensorFlow.js's, so no extension is asked for. A full save
 * includes the optimizer's state (as a `.keras` file does); saveWeightsOnly leaves it out, but the topology is
 * still written (the TensorFlow.js format has no weights-only form).
 */
export class ModelCheckpoint implements Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  /** The best watched value so far (the threshold before the first save). */
  best: number | undefined;
  private readonly template: Template;
  private readonly sign: 1 | -1;
  private model: TrainingModel | undefined;
  private epoch = 0;
  private batchesSinceSave = 0;
  private lastBatch: number | undefined;
  warned = false;

  constructor(filepath: string, options?: ModelCheckpointOptions | null) {
    const where = 'ModelCheckpoint()';
    this.filepath = text(filepath, 'filepath', where);
    const o = readOptions(options, ['monitor', 'verbose', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'saveFreq', 'initialValueThreshold'], where);
    this.monitor = text(o.monitor ?? 'val_loss', 'monitor', where);
    this.verbose = oneOf(o.verbose ?? 0, [0, 1] as const, 'verbose', where);
    this.saveBestOnly = boolean(o.saveBestOnly ?? false, 'saveBestOnly', where);
    this.saveWeightsOnly = boolean(o.saveWeightsOnly ?? false, 'saveWeightsOnly', where);
    this.sign = direction(oneOf(o.mode ?? 'auto', ['auto', 'min', 'max'] as const, 'mode', where), this.monitor);
    const freq: unknown = o.saveFreq ?? 'epoch';
    this.saveFreq = freq === 'epoch' ? 'epoch' : integer(freq, 'saveFreq', where, 1);
    this.best = o.initialValueThreshold === undefined ? undefined : number(o.initialValueThreshold, 'initialValueThreshold', where);
    this.template = parseTemplate(this.filepath, where);
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(this.filepath)?.[1]!.toLowerCase() ?? 'file';
    if (!['file', 'indexeddb', 'localstorage', 'downloads'].includes(scheme)) {
      throw new ValueError(`${where}: unknown target scheme '${scheme}://'; expected a directory path, file://, indexeddb://, localstorage:// or downloads://`);
    }
    if (scheme === 'file' && !isNode()) throw new ValueError(`${where}: a directory path needs Node; in a browser use indexeddb://, localstorage:// or downloads://`);
    // Saving per epoch needs no batch hook: without one, fit keeps its fast path.
    if (this.saveFreq === 'epoch') Object.defineProperty(this, 'onBatchEnd', { value: undefined });
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    // As Keras: a batch index not above the last one seen starts a new epoch's count.
    this.batchesSinceSave += this.lastBatch === undefined || batch <= this.lastBatch ? batch + 1 : batch - this.lastBatch;
    this.lastBatch = batch;
    if (this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    await this.save(this.epoch, batch, logs);
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') await this.save(epoch, undefined, logs);
  }

  /** The target for an epoch (0-based) and batch, as the path template fills it. */
  targetFor(epoch: number, batch: number | undefined, logs: Logs): string {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== undefined) values.batch = batch + 1;
    return fillTemplate(this.template, values, 'ModelCheckpoint');
  }

  private async save(epoch: number, batch: number | undefined, logs: Logs): Promise<void> {
    const target = this.targetFor(epoch, batch, logs);
    if (!this.shouldSave(epoch, logs, target)) return;
    if (!this.model) throw new ValueError('ModelCheckpoint: no model to save (pass the callback to fit)');
    await this.model.save(target, { includeOptimizer: !this.saveWeightsOnly });
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: finished saving model to ${target}`);
  }

  private shouldSave(epoch: number, logs: Logs, target: string): boolean {
    if (!this.saveBestOnly) {
      if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: saving model to ${target}`);
      return true;
    }
    const current = logs[this.monitor];
    if (current === undefined) {
      warnMissing(this, 'ModelCheckpoint', this.monitor, logs, 'saving every time, as Keras does');
      return true;
    }
    const best = this.best === undefined ? 'None' : fixed(this.best, 5);
    if (this.best === undefined || this.sign * current < this.sign * this.best) {
      if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${best} to ${fixed(current, 5)}, saving model to ${target}`);
      this.best = current;
      return true;
    }
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${best}`);
    return false;
  }
}

// ───── CSVLogger ─────

/** Options of `CSVLogger`. */
export interface CSVLoggerOptions {
  /** One character between fields; default `','`. */
  separator?: string;
  /** Add to an existing file (without a second header) instead of replacing it; default false. */
  append?: boolean;
}

type FS = typeof import('node:fs/promises');

async function nodeFs(): Promise<FS> {
  const name = 'node:fs/promises'; // NOTE: a non-literal specifier, so browser bundlers leave it alone
  return (await import(/* @vite-ignore */ name)) as FS;
}

/**
 * Writes each epoch's logs to a CSV file as Keras 3's does (Node only): a header `epoch` + the sorted log
 * keys, with `val_` columns (written `NA`) added when there is no validation; 0-based epochs; numbers as Python
 * writes floats; `\r\n` line ends (Python's csv module). Each row is on disk when its epoch ends.
 */
export class CSVLogger implements Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | undefined;
  private header = true;

  constructor(filename: string, options?: CSVLoggerOptions | null) {
    const where = 'CSVLogger()';
    if (!isNode()) throw new ValueError(`${where}: writing a file needs Node; in a browser, collect the logs with a LambdaCallback or the History`);
    this.filename = text(filename, 'filename', where);
    const o = readOptions(options, ['separator', 'append'], where);
    const separator = text(o.separator ?? ',', 'separator', where);
    if (separator.length !== 1 || /["\r\n]/.test(separator)) throw new ValueError(`${where}: separator must be one character other than a quote or a line end, got ${describe(separator)}`);
    this.separator = separator;
    this.append = boolean(o.append ?? false, 'append', where);
  }

  async onTrainBegin(): Promise<void> {
    const fs = await nodeFs();
    this.keys = undefined;
    try {
      if (this.append) {
        const size = await fs.stat(this.filename).then((s) => s.size, () => 0);
        this.header = size === 0;
      } else {
        await fs.writeFile(this.filename, '');
        this.header = true;
      }
    } catch (e) {
      throw new ValueError(`CSVLogger: cannot write ${this.filename}: ${(e as Error).message}`, { cause: e });
    }
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      if (this.keys.length > 0 && !this.keys.some((k) => k.startsWith('val_'))) this.keys.push(...this.keys.map((k) => `val_${k}`));
    }
    let text = '';
    if (this.header) text += this.row(['epoch', ...this.keys]);
    this.header = false;
    text += this.row([String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : pythonFloat(logs[k]!)))]);
    const fs = await nodeFs();
    try {
      await fs.appendFile(this.filename, text);
    } catch (e) {
      throw new ValueError(`CSVLogger: cannot write ${this.filename}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** One line, quoting a field only when it holds the separator, a quote or a line end (Python's QUOTE_MINIMAL). */
  private row(fields: string[]): string {
    const sep = this.separator;
    return fields.map((f) => (f.includes(sep) || /["\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(sep) + '\r\n';
  }
}

// ───── BackupAndRestore ─────

/** Options of `BackupAndRestore` (Keras's names and defaults). */
export interface BackupAndRestoreOptions {
  /** When to back up: `'epoch'` (the only choice here; Keras also takes a number of batches). */
  saveFreq?: 'epoch';
  /** Delete the backup when training ends normally; default true. */
  deleteCheckpoint?: boolean;
}

/** What BackupAndRestore needs of a model besides TrainingModel's: the optimizer's state. */
interface RestorableModel extends TrainingModel {
  getOptimizerSlots(): Float32Array;
  setOptimizerSlots(slots: Float32Array, steps: number): void;
}

/**
 * The epoch a callback asks `fit` to continue from (set in `onTrainBegin`, read and cleared by `fit` right after):
 * Keras's `model._initial_epoch`, which BackupAndRestore sets. @internal
 */
export const resumeEpochs = new WeakMap<object, number>();

/** Files a backup consists of, in its directory: the model (saved with its optimizer) and the epoch it ended. */
const BACKUP_FILES = ['model.json', 'weights.bin', 'training_metadata.json'] as const;

/**
 * Keras's BackupAndRestore (Node): at the end of every epoch, the model, its optimizer's state and the epoch are
 * saved into `backupDir`; a `fit` that starts while a backup is there (the last one was interrupted) first
 * restores them and continues with the epoch after it. A fit that ends normally deletes the backup (unless
 * `deleteCheckpoint: false`); only its own three files and then the directory, if empty, are removed.
 */
export class BackupAndRestore implements Callback {
  readonly backupDir: string;
  readonly deleteCheckpoint: boolean;
  private model: RestorableModel | undefined;

  constructor(backupDir: string, options?: BackupAndRestoreOptions | null) {
    const where = 'BackupAndRestore()';
    if (!isNode()) throw new ValueError(`${where}: backups are files and need Node; in a browser, save with a ModelCheckpoint to indexeddb:// and load it with loadModel`);
    this.backupDir = text(backupDir, 'backupDir', where);
    const o = readOptions(options, ['saveFreq', 'deleteCheckpoint'], where);
    oneOf(o.saveFreq ?? 'epoch', ['epoch'] as const, 'saveFreq', where);
    this.deleteCheckpoint = boolean(o.deleteCheckpoint ?? true, 'deleteCheckpoint', where);
  }

  setModel(model: TrainingModel): void {
    this.model = model as RestorableModel;
  }

  async onTrainBegin(): Promise<void> {
    const fs = await nodeFs();
    const { join } = await nodePath();
    const text = await fs.readFile(join(this.backupDir, 'training_metadata.json'), 'utf8').catch(() => undefined);
    if (text === undefined || !this.model) return; // no backup: a fresh start
    const where = `BackupAndRestore: the backup in ${this.backupDir}`;
    let epoch: unknown;
    try { epoch = (JSON.parse(text) as { epoch?: unknown }).epoch; } catch { epoch = undefined; }
    if (!Number.isSafeInteger(epoch) || (epoch as number) < 0) throw new ValueError(`${where}: training_metadata.json does not name an epoch`);
    const { loadModel } = await import('./io.js');
    const saved = await loadModel(this.backupDir);
    try {
      // Checked before anything changes: the same weights' shapes (setWeights checks them all first) and the
      // same optimizer state's size.
      const slots = saved.getOptimizerSlots();
      const mine = this.model.getOptimizerSlots().length;
      if (slots.length !== mine) throw new ValueError(`${where} holds an optimizer state of ${slots.length} values, but this model's optimizer has ${mine}: it was made by another model or optimizer`);
      this.model.setWeights(saved.getWeights());
      this.model.setOptimizerSlots(slots, saved.optimizer!.steps);
    } finally {
      saved.dispose();
    }
    resumeEpochs.set(this.model, (epoch as number) + 1);
  }

  async onEpochEnd(epoch: number): Promise<void> {
    if (!this.model) return;
    await this.model.save(this.backupDir, { includeOptimizer: true });
    const fs = await nodeFs();
    const { join } = await nodePath();
    try {
      await fs.writeFile(join(this.backupDir, 'training_metadata.json'), JSON.stringify({ epoch }));
    } catch (e) {
      throw new IOError(`BackupAndRestore: cannot write ${join(this.backupDir, 'training_metadata.json')}: ${(e as Error).message}`, { cause: e });
    }
  }

  async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint) return;
    const fs = await nodeFs();
    const { join } = await nodePath();
    for (const file of BACKUP_FILES) await fs.rm(join(this.backupDir, file), { force: true });
    await fs.rmdir(this.backupDir).catch(() => undefined); // only if empty: other files stay, as does their folder
  }
}

async function nodePath(): Promise<typeof import('node:path')> {
  const name = 'node:path'; // NOTE: a non-literal specifier, so browser bundlers leave it alone
  return (await import(/* @vite-ignore */ name)) as typeof import('node:path');
}

// ───── LambdaCallback ─────

/** Options of `LambdaCallback`: any of the hooks. */
export interface LambdaCallbackOptions {
  onEpochBegin?: (epoch: number, logs: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  onTrainBegin?: (logs: Logs) => void | Promise<void>;
  onTrainEnd?: (logs: Logs) => void | Promise<void>;
}

const LAMBDA_HOOKS = ['onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onTrainBegin', 'onTrainEnd'] as const;

/**
 * A callback made of the functions given, as Keras's (whose batch hooks are `on_train_batch_begin/end`). Only
 * the hooks given exist on it, so without batch hooks `fit` keeps its fast path.
 */
export class LambdaCallback implements Callback {
  declare onEpochBegin?: LambdaCallbackOptions['onEpochBegin'];
  declare onEpochEnd?: LambdaCallbackOptions['onEpochEnd'];
  declare onBatchBegin?: LambdaCallbackOptions['onBatchBegin'];
  declare onBatchEnd?: LambdaCallbackOptions['onBatchEnd'];
  declare onTrainBegin?: LambdaCallbackOptions['onTrainBegin'];
  declare onTrainEnd?: LambdaCallbackOptions['onTrainEnd'];

  constructor(options?: LambdaCallbackOptions | null) {
    const where = 'LambdaCallback()';
    const o = readOptions(options, [...LAMBDA_HOOKS], where);
    for (const hook of LAMBDA_HOOKS) if (o[hook] !== undefined) Object.assign(this, { [hook]: callable(o[hook], hook, where) });
  }
}
