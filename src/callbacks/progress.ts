// The progress bar: Keras's ProgbarLogger, its number and time formats, and where its lines go.
import { oneOf, readOptions } from '../arguments.js';
import type { Callback, Logs, TrainingParams } from '../callbacks.js';

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

  /**
   * The per-batch hook, present only when there is something to do each batch: redrawing the bar on a terminal,
   * or counting batches for a run that did not say how many. Without it `fit` keeps its fast path, which computes
   * no batch logs (measured: a logged metric's value per batch cost ~300 B of heap a step for nothing in a log file).
   */
  get onBatchEnd(): ((batch: number, logs: Logs) => void) | undefined {
    return (this.verbose === 1 && this.sink.tty) || this.steps === 0 ? this.drawBatch : undefined;
  }

  private drawBatch(batch: number, logs: Logs): void {
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

