// Callbacks that write files or storage: ModelCheckpoint, CSVLogger (Node), BackupAndRestore (Node), and the
// Python number formats their names and cells follow.
import { boolean, integer, number, oneOf, readOptions, text } from '../arguments.js';
import { IOError, ValueError, describe } from '../errors.js';
import type { Callback, Logs, TrainingModel } from '../callbacks.js';
import { direction, modelDirection, warnMissing, type Mode } from './monitor.js';
// NOTE: a static import (io → saving → sequential → callbacks → here is a cycle, but only used at run time): a
// dynamic import() of a module of the same bundle deadlocks the core's top-level await in esbuild's output.
import { loadModel } from '../io.js';
import { fillTemplate, fixed, isNode, parseTemplate, pythonFloat, type Template } from './python.js';

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
  private sign: 1 | -1;
  private readonly mode: Mode;
  private model: TrainingModel | undefined;
  private epoch = 0;
  private batchesSinceSave = 0;
  private lastBatch: number | undefined;
  /** Whether the missing-monitor warning was given (once per callback). @internal */
  warned = false;

  constructor(filepath: string, options?: ModelCheckpointOptions | null) {
    const where = 'ModelCheckpoint()';
    this.filepath = text(filepath, 'filepath', where);
    const o = readOptions(options, ['monitor', 'verbose', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'saveFreq', 'initialValueThreshold'], where);
    this.monitor = text(o.monitor ?? 'val_loss', 'monitor', where);
    this.verbose = oneOf(o.verbose ?? 0, [0, 1] as const, 'verbose', where);
    this.saveBestOnly = boolean(o.saveBestOnly ?? false, 'saveBestOnly', where);
    this.saveWeightsOnly = boolean(o.saveWeightsOnly ?? false, 'saveWeightsOnly', where);
    this.mode = oneOf(o.mode ?? 'auto', ['auto', 'min', 'max'] as const, 'mode', where);
    this.sign = direction(this.mode, this.monitor);
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
    this.sign = modelDirection(this.mode, this.monitor, model, this.sign);
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

  /** The target for an epoch (0-based) and batch, as the path template fills it. @internal */
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
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ name)) as FS;
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
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ name)) as typeof import('node:path');
}

