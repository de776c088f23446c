// Callbacks: hooks into `fit`, and the built-in ones: the Keras-style progress bar, EarlyStopping and
// TerminateOnNaN. A callback is any object with some of the hook methods; hooks may return a promise.
import { boolean, integer, number, oneOf, readOptions, text } from './arguments.js';
import type { Tensor } from './tensor.js';

/** Values logged by `fit`: `loss`, each metric, and `val_`-prefixed ones at epoch end. */
export type Logs = Record<string, number>;

/** What a callback may see and change of the model being trained. */
export interface TrainingModel {
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
}

/**
 * Hooks called by `fit`. Batch logs hold running means over the epoch so far; the object is reused from
 * batch to batch, so copy it to keep it.
 */
export interface Callback {
  setModel?(model: TrainingModel): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

/** What `fit` returns: per-epoch logs under Keras 3's keys (`loss`, `accuracy`, `val_loss`, …). */
export class History implements Callback {
  /** Each logged value, one entry per epoch: `history.loss[3]` is the fourth epoch's loss. */
  readonly history: Record<string, number[]> = {};
  /** The epoch numbers run (0-based, starting at `initialEpoch`). */
  readonly epoch: number[] = [];
  /** The fit's settings. */
  params: { epochs: number; steps: number; verbose: number } = { epochs: 0, steps: 0, verbose: 0 };

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

/**
 * Keras's progress output. verbose 1: `Epoch 3/100`, then a bar that overwrites itself on a terminal
 * (`77/77 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.7807 - loss: 0.4451`) or one line per epoch
 * elsewhere; verbose 2: one line per epoch (`77/77 - 2s - 4ms/step - …`).
 */
export class ProgbarLogger implements Callback {
  private readonly sink: Sink;
  private epochs = 0;
  private steps = 0;
  private started = 0;
  private lastDraw = 0;

  constructor(private readonly verbose: 1 | 2, sink?: Sink) {
    this.sink = sink ?? defaultSink();
  }

  /** Called by `fit` before training. */
  configure(epochs: number, steps: number): void {
    this.epochs = epochs;
    this.steps = steps;
  }

  onEpochBegin(epoch: number): void {
    this.sink.line(`Epoch ${epoch + 1}/${this.epochs}`);
    this.started = performance.now();
    this.lastDraw = 0;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    if (this.verbose !== 1 || !this.sink.tty) return;
    const now = performance.now();
    if (batch + 1 < this.steps && now - this.lastDraw < 50) return; // Keras redraws at most every 50 ms
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const eta = (elapsed / (batch + 1)) * (this.steps - batch - 1);
    this.sink.write(`\r${this.bar(batch + 1, true)} ${formatDuration(eta)} ${formatStep(elapsed / (batch + 1))}${formatLogs(logs)}\u001b[K`);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
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
  /** `'min'`, `'max'`, or `'auto'` (max for accuracy-like names, min otherwise); default `'auto'`. */
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
    const maxIsBetter = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall/.test(this.monitor));
    this.sign = maxIsBetter ? -1 : 1;
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
