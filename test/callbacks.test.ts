// The Keras 3 callbacks in real fits of a small model: ReduceLROnPlateau (Keras's wait/cooldown rule, epoch by
// epoch), LearningRateScheduler, ModelCheckpoint (directories in a temp dir, best-only, batch frequency),
// CSVLogger (the file's exact layout), LambdaCallback (call order), History and ProgbarLogger given by the user,
// Python's number formats, and bad options.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  AUC, Adam, BackupAndRestore, BinaryAccuracy, CSVLogger, Dense, EarlyStopping, Precision, ExponentialDecay, History, LambdaCallback, LearningRateScheduler, ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau,
  SGD, Sequential, ValueError, loadModel, type Callback, type Logs, type Tensor, type TrainingModel,
} from '../src/index.js';
import { pythonFloat } from '../src/callbacks.js';
import { disposeAfterEach, mulberry32 } from './helpers.js';
import type { MetricSpelling } from '../src/metrics.js';

const track = disposeAfterEach();
const root = mkdtempSync(join(tmpdir(), 'neurasm-callbacks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => { vi.restoreAllMocks(); });

const rng = mulberry32(7);
const X = Array.from({ length: 40 }, () => [rng() * 2 - 1, rng() * 2 - 1]);
const Y = X.map(([a, b]) => (a! * b! > 0 ? 1 : 0));
const VX = X.slice(0, 12).map(([a, b]) => [a! + 0.3, b! - 0.2]);
const VY = Y.slice(0, 12);

function model(optimizer: SGD | Adam = new SGD({ learningRate: 0.1 }), metrics: MetricSpelling[] = []): Sequential {
  const m = track(new Sequential([new Dense(4, { inputShape: [2], activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 1 }));
  m.compile({ optimizer, loss: 'binaryCrossentropy', metrics });
  return m;
}

const bits = (ts: readonly Tensor[]) => ts.flatMap((t) => Array.from(new Int32Array(t.data.buffer, t.data.byteOffset, t.data.length)));

/** Records, at each epoch's end (after the callbacks before it), the logged rate and the optimizer's rate. */
function rateRecorder(m: Sequential) {
  const logged: number[] = [];
  const after: number[] = [];
  const cb = new LambdaCallback({ onEpochEnd: (_e, logs) => { logged.push(logs.learning_rate!); after.push(m.optimizer!.learningRate); } });
  return { cb, logged, after };
}

describe('ReduceLROnPlateau', () => {
  const a = Math.fround(0.1);

  it('reduces after `patience` epochs without improvement, and logs the rate each epoch ran with', async () => {
    const m = model();
    const rec = rateRecorder(m);
    // minDelta 10: only the first epoch (always an improvement, as Keras) counts as one.
    const reduce = new ReduceLROnPlateau({ monitor: 'loss', patience: 2, factor: 0.5, minDelta: 10 });
    await m.fit(X, Y, { epochs: 8, verbose: 0, callbacks: [reduce, rec.cb] });
    // Keras: wait 1, 2 → reduce at epoch 2 (wait 0), 1, 2 → epoch 4, then epoch 6.
    expect(rec.logged).toEqual([a, a, a, a / 2, a / 2, a / 4, a / 4, a / 8]);
    expect(rec.after.map(Math.fround)).toEqual([a, a, a / 2, a / 2, a / 4, a / 4, a / 8, a / 8]);
  });

  it('counts a cooldown epoch down before its check (cooldown 2: every other epoch; cooldown 1: no delay)', async () => {
    const run = async (cooldown: number) => {
      const m = model();
      const rec = rateRecorder(m);
      await m.fit(X, Y, { epochs: 7, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, cooldown, factor: 0.5, minDelta: 10 }), rec.cb] });
      return rec.logged;
    };
    expect(await run(2)).toEqual([a, a, a / 2, a / 2, a / 4, a / 4, a / 8]);
    expect(await run(1)).toEqual([a, a, a / 2, a / 4, a / 8, a / 16, a / 32]);
  });

  it('does not reduce while the value improves, and stops at minLr', async () => {
    const m = model(new Adam({ learningRate: 0.01 }));
    const rec = rateRecorder(m);
    await m.fit(X, Y, { epochs: 5, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, minDelta: 0 }), rec.cb] });
    expect(rec.after).toEqual([0.01, 0.01, 0.01, 0.01, 0.01]);

    const floor = model();
    const rec2 = rateRecorder(floor);
    await floor.fit(X, Y, { epochs: 5, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, minLr: 0.05, minDelta: 10 }), rec2.cb] });
    expect(rec2.after).toEqual([0.1, 0.05, 0.05, 0.05, 0.05]); // max(0.01, 0.05), then float32(0.05) is not above minLr
  });

  it('watches val_loss by default, max for accuracy, and warns once when the value is not logged', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = model();
    const rec = rateRecorder(m);
    await m.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new ReduceLROnPlateau({ patience: 0 }), rec.cb] });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/ReduceLROnPlateau: 'val_loss' is not logged \(available: loss, learning_rate\)/);
    expect(rec.after).toEqual([0.1, 0.1, 0.1]);
    // mode max on a falling loss: never an improvement after the first, so it reduces from epoch 1 on.
    const up = model();
    const rec3 = rateRecorder(up);
    await up.fit(X, Y, { epochs: 3, verbose: 0, validationData: [VX, VY], callbacks: [new ReduceLROnPlateau({ monitor: 'loss', mode: 'max', patience: 1, minDelta: 0 }), rec3.cb] });
    expect(rec3.logged).toEqual([a, a, Math.fround(a * 0.1)]);
  });

  it('with a schedule as the optimizer\'s rate: logs its current value, and reducing it is refused, as Keras', async () => {
    const schedule = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
    const m = model(new SGD({ learningRate: schedule }));
    const rec = rateRecorder(m);
    await m.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 5 }), rec.cb] });
    expect(rec.logged).toEqual([Math.fround(schedule.value(2)), Math.fround(schedule.value(4))]); // 2 steps an epoch
    const fixed = model(new SGD({ learningRate: schedule }));
    await expect(fixed.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, minDelta: 10 })] }))
      .rejects.toThrow(/LearningRateSchedule, so its learning rate cannot be set/);
  });

  it('prints as Keras with verbose 1', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const m = model();
    await m.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, minDelta: 10, verbose: 1 })] });
    expect(log.mock.calls.map((c) => c[0])).toEqual([`\nEpoch 2: ReduceLROnPlateau reducing learning rate to ${pythonFloat(a * 0.1)}.`]);
  });

  it('rejects bad options', () => {
    for (const [options, pattern] of [
      [{ factor: 1 }, /ReduceLROnPlateau\(\): factor must be in \(0, 1\), got 1/],
      [{ factor: 0 }, /factor must be/],
      [{ patience: -1 }, /patience must be an integer ≥ 0/],
      [{ cooldown: 1.5 }, /cooldown must be an integer/],
      [{ mode: 'up' }, /mode must be "auto", "min" or "max"/],
      [{ minLr: -1 }, /minLr must be a non-negative/],
      [{ min_lr: 0 }, /unknown option 'min_lr'/],
      [{ monitor: '' }, /monitor must be a non-empty string/],
    ] as const) {
      expect(() => new ReduceLROnPlateau(options as never)).toThrow(ValueError);
      expect(() => new ReduceLROnPlateau(options as never)).toThrow(pattern);
    }
  });
});

describe("'auto' mode reads the direction from the compiled metric, not its name (Keras 3's _set_monitor_op)", () => {
  it('an AUC named roc, a BinaryAccuracy named hits and a Precision named ppv count up; a name the model does not log falls back to the name', () => {
    const m = track(new Sequential([new Dense(1, { inputDim: 2, activation: 'sigmoid' })], { seed: 1 }));
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: [new AUC({ name: 'roc' }), new BinaryAccuracy({ name: 'hits' }), new Precision({ name: 'ppv' })] });
    for (const monitor of ['roc', 'val_hits', 'ppv']) {
      const es = new EarlyStopping({ monitor, patience: 0 });
      es.setModel(m);
      es.onTrainBegin();
      m.stopTraining = false;
      for (const [epoch, value] of [0.5, 0.6, 0.7].entries()) es.onEpochEnd(epoch, { [monitor]: value });
      expect(m.stopTraining, monitor).toBe(false); // rising is improving: a name-based guess stopped at the second epoch
      const lr = new ReduceLROnPlateau({ monitor, patience: 0 });
      lr.setModel(m);
      const before = m.optimizer!.learningRate;
      for (const [epoch, value] of [0.5, 0.6, 0.7].entries()) lr.onEpochEnd(epoch, { [monitor]: value });
      expect(m.optimizer!.learningRate, monitor).toBe(before);
    }
    const byName = new EarlyStopping({ monitor: 'val_loss', patience: 0 });
    byName.setModel(m);
    byName.onTrainBegin();
    m.stopTraining = false;
    for (const [epoch, value] of [0.5, 0.6].entries()) byName.onEpochEnd(epoch, { val_loss: value });
    expect(m.stopTraining).toBe(true); // a loss that rises is not improving
  });
});

describe('LearningRateScheduler', () => {
  it('sets each epoch\'s rate from (epoch, current rate) and logs it', async () => {
    const m = model();
    const calls: [number, number][] = [];
    const rec = rateRecorder(m);
    const seen: number[] = [];
    const scheduler = new LearningRateScheduler((epoch, lr) => { calls.push([epoch, lr]); return epoch < 2 ? lr : lr * 0.5; });
    await m.fit(X, Y, { epochs: 4, verbose: 0, callbacks: [scheduler, new LambdaCallback({ onEpochBegin: () => { seen.push(m.optimizer!.learningRate); } }), rec.cb] });
    const a = Math.fround(0.1);
    expect(calls).toEqual([[0, a], [1, a], [2, a], [3, Math.fround(a * 0.5)]]);
    expect(seen).toEqual([a, a, a * 0.5, Math.fround(a * 0.5) * 0.5]);
    expect(rec.logged).toEqual(seen.map(Math.fround));
  });

  it('trains with the rate it sets: the same bits as an optimizer made with that rate', async () => {
    const fixed = model(new SGD({ learningRate: 0.05 }));
    await fixed.fit(X, Y, { epochs: 3, verbose: 0, shuffle: false });
    const scheduled = model(new SGD({ learningRate: 0.9 }));
    await scheduled.fit(X, Y, { epochs: 3, verbose: 0, shuffle: false, callbacks: [new LearningRateScheduler(() => 0.05)] });
    expect(bits(scheduled.getWeights())).toEqual(bits(fixed.getWeights()));
  });

  it('rejects a result that is not a positive finite number, and a schedule that is no function', async () => {
    for (const bad of [0, -0.1, NaN, Infinity, '0.1', 1e-50]) {
      const m = model();
      const before = bits(m.getWeights());
      await expect(m.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new LearningRateScheduler(() => bad as number)] }))
        .rejects.toThrow(/LearningRateScheduler: schedule\(0, 0.10000000149011612\) must return a positive finite number/);
      expect(bits(m.getWeights())).toEqual(before);
    }
    expect(() => new LearningRateScheduler(0.1 as never)).toThrow(/LearningRateScheduler\(\): schedule must be a function/);
    expect(() => new LearningRateScheduler(() => 1, 3)).toThrow(/verbose must be 0 or 1/);
  });
});

describe('ModelCheckpoint', () => {
  let n = 0;
  const freshDir = () => join(root, `run-${n++}`);

  it('with saveBestOnly writes one directory per improvement of val_loss, named from the template', async () => {
    const dir = freshDir();
    const m = model(new SGD({ learningRate: 3 }));
    const weightsAt: Tensor[][] = [];
    const history = await m.fit(X, Y, {
      epochs: 10, verbose: 0, validationData: [VX, VY],
      callbacks: [new ModelCheckpoint(join(dir, 'ckpt-{epoch:02d}-{val_loss:.4f}'), { saveBestOnly: true }), new LambdaCallback({ onEpochEnd: () => { weightsAt.push(m.getWeights()); } })],
    });
    const losses = history.history.val_loss!;
    const expected: string[] = [];
    const improved: number[] = [];
    let best = Infinity;
    losses.forEach((v, e) => {
      if (v < best) { best = v; improved.push(e); expected.push(`ckpt-${String(e + 1).padStart(2, '0')}-${v.toFixed(4)}`); }
    });
    expect(improved.length).toBeGreaterThan(1);
    expect(improved.length).toBeLessThan(losses.length); // the high rate makes val_loss go up at times: those epochs are skipped
    expect(readdirSync(dir).sort()).toEqual(expected.sort());
    // The last one holds the weights of its epoch, and the optimizer's state (a full save).
    const last = improved[improved.length - 1]!;
    const loaded = track(await loadModel(join(dir, expected[expected.length - 1]!)));
    expect(bits(loaded.getWeights())).toEqual(bits(weightsAt[last]!));
    const json = JSON.parse(readFileSync(join(dir, expected[expected.length - 1]!, 'model.json'), 'utf8'));
    expect(JSON.stringify(json.weightsManifest)).toContain('"group":"optimizer"');
  });

  it('saves every epoch without saveBestOnly; saveWeightsOnly leaves the optimizer out', async () => {
    const dir = freshDir();
    const m = model();
    await m.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new ModelCheckpoint(join(dir, 'e{epoch}'), { saveWeightsOnly: true })] });
    expect(readdirSync(dir).sort()).toEqual(['e1', 'e2', 'e3']);
    const json = JSON.parse(readFileSync(join(dir, 'e3', 'model.json'), 'utf8'));
    expect(JSON.stringify(json.weightsManifest)).not.toContain('optimizer');
    const loaded = track(await loadModel(join(dir, 'e3')));
    expect(bits(loaded.getWeights())).toEqual(bits(m.getWeights()));
  });

  it('saves every saveFreq batches, counting across epochs as Keras does', async () => {
    const dir = freshDir();
    const m = model();
    await m.fit(X, Y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [new ModelCheckpoint(join(dir, '{epoch}-{batch}'), { saveFreq: 2 })] });
    // 5 batches an epoch: batches 2 and 4 of epoch 1; a new epoch adds batch + 1, so batch 1 of epoch 2, then 3 and 5.
    expect(readdirSync(dir).sort()).toEqual(['1-2', '1-4', '2-1', '2-3', '2-5']);
  });

  it('saves nothing that does not beat initialValueThreshold', async () => {
    const dir = freshDir();
    const m = model();
    await m.fit(X, Y, { epochs: 2, verbose: 0, validationData: [VX, VY], callbacks: [new ModelCheckpoint(join(dir, 'c{epoch}'), { saveBestOnly: true, initialValueThreshold: 0 })] });
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('hands browser targets to model.save as they are, formatted', async () => {
    const saved: unknown[][] = [];
    const fake: TrainingModel = {
      stopTraining: false, getWeights: () => [], setWeights: () => {}, optimizer: { learningRate: 0.1 },
      save: async (...args: unknown[]) => { saved.push(args); },
    };
    const cb = new ModelCheckpoint('indexeddb://run-{epoch:03d}-{accuracy:.2f}', { monitor: 'accuracy', saveBestOnly: true });
    cb.setModel(fake);
    await cb.onEpochEnd(0, { accuracy: 0.5 });
    await cb.onEpochEnd(1, { accuracy: 0.25 });
    await cb.onEpochEnd(2, { accuracy: 0.875 });
    expect(saved).toEqual([['indexeddb://run-001-0.50', { includeOptimizer: true }], ['indexeddb://run-003-0.88', { includeOptimizer: true }]]);
  });

  it('formats fields as Python\'s str.format does', () => {
    const cb = new ModelCheckpoint('{{x}}/{epoch}/{epoch:03d}/{a:.2f}/{b:.2f}/{c:.0f}/{d:.0f}/{e:.2e}/{f}/{g:+.1f}/{h}');
    expect(cb.targetFor(6, undefined, { a: 0.125, b: 0.375, c: 2.5, d: 3.5, e: 0.000123456, f: 1e-5, g: 1.25, h: 2 }))
      .toBe('{x}/7/007/0.12/0.38/2/4/1.23e-04/1e-05/+1.2/2.0');
    expect(() => cb.targetFor(0, undefined, { a: 1 })).toThrow(/ModelCheckpoint: the file path names \{b\}, which is not logged \(available: a, epoch\)/);
    expect(() => new ModelCheckpoint('x-{loss:.2f}').targetFor(0, undefined, {})).toThrow(/names \{loss\}/);
    expect(() => new ModelCheckpoint('x-{loss:d}').targetFor(0, undefined, { loss: 0.5 })).toThrow(/\{loss:d\} formats integers, but loss is 0.5/);
  });

  it('names a missing logged value during fit, before saving anything', async () => {
    const dir = freshDir();
    const m = model();
    await expect(m.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint(join(dir, '{val_acc:.2f}'))] })).rejects.toThrow(/names \{val_acc\}, which is not logged/);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('rejects bad options', () => {
    for (const [make, pattern] of [
      [() => new ModelCheckpoint(''), /ModelCheckpoint\(\): filepath must be a non-empty string/],
      [() => new ModelCheckpoint('x', { saveFreq: 0 }), /saveFreq must be an integer ≥ 1, got 0/],
      [() => new ModelCheckpoint('x', { saveFreq: 'batch' as never }), /saveFreq must be an integer/],
      [() => new ModelCheckpoint('x-{epoch:x}'), /the format 'x' of \{epoch\} is not supported/],
      [() => new ModelCheckpoint('x-{epoch'), /an unclosed '\{'/],
      [() => new ModelCheckpoint('x-{}'), /\{\} in "x-\{\}" does not name a logged value/],
      [() => new ModelCheckpoint('ftp://host/x'), /unknown target scheme 'ftp:\/\/'/],
      [() => new ModelCheckpoint('x', { save_best_only: true } as never), /unknown option 'save_best_only'/],
      [() => new ModelCheckpoint('x', { mode: 'best' as never }), /mode must be/],
    ] as const) {
      expect(make).toThrow(ValueError);
      expect(make).toThrow(pattern);
    }
  });
});

describe('CSVLogger', () => {
  it('writes Keras\'s layout: epoch + sorted keys, val_ columns as NA without validation, \\r\\n lines', async () => {
    const file = join(root, 'plain.csv');
    const m = model(new SGD({ learningRate: 0.1 }), ['accuracy']);
    const history = await m.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new CSVLogger(file)] });
    const h = history.history;
    const want = ['epoch,accuracy,loss,val_accuracy,val_loss',
      ...[0, 1, 2].map((e) => `${e},${pythonFloat(h.accuracy![e]!)},${pythonFloat(h.loss![e]!)},NA,NA`)].join('\r\n') + '\r\n';
    expect(readFileSync(file, 'utf8')).toBe(want);
    expect(Number(want.split('\r\n')[1]!.split(',')[2])).toBe(h.loss![0]); // round-trips exactly
  });

  it('with validation and a separator, and appending without a second header', async () => {
    const file = join(root, 'val.csv');
    writeFileSync(file, 'stale\n');
    const m = model(new SGD({ learningRate: 0.1 }), ['accuracy']);
    const h1 = (await m.fit(X, Y, { epochs: 2, verbose: 0, validationData: [VX, VY], callbacks: [new CSVLogger(file, { separator: ';' })] })).history;
    const h2 = (await m.fit(X, Y, { epochs: 1, verbose: 0, validationData: [VX, VY], callbacks: [new CSVLogger(file, { separator: ';', append: true })] })).history;
    const row = (e: number, h: Record<string, number[]>, i: number) =>
      [e, ...['accuracy', 'loss', 'val_accuracy', 'val_loss'].map((k) => pythonFloat(h[k]![i]!))].join(';');
    expect(readFileSync(file, 'utf8').split('\r\n')).toEqual(['epoch;accuracy;loss;val_accuracy;val_loss', row(0, h1, 0), row(1, h1, 1), row(0, h2, 0), '']);
  });

  it('appending to a missing or empty file writes the header; learning_rate columns follow the callbacks before it', async () => {
    const file = join(root, 'fresh.csv');
    const m = model();
    await m.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss' }), new CSVLogger(file, { append: true })] });
    expect(readFileSync(file, 'utf8')).toMatch(/^epoch,learning_rate,loss,val_learning_rate,val_loss\r\n0,0\.10000000149011612,[0-9.e-]+,NA,NA\r\n$/);
  });

  it('rejects bad options and names an unwritable file', async () => {
    expect(() => new CSVLogger('x.csv', { separator: ';;' })).toThrow(/CSVLogger\(\): separator must be one character/);
    expect(() => new CSVLogger('x.csv', { separator: '"' })).toThrow(/separator must be one character other than a quote/);
    expect(() => new CSVLogger('x.csv', { sep: ';' } as never)).toThrow(/unknown option 'sep'/);
    expect(() => new CSVLogger('')).toThrow(/filename must be a non-empty string/);
    const m = model();
    await expect(m.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new CSVLogger(join(root, 'no', 'such', 'dir.csv'))] })).rejects.toThrow(/CSVLogger: cannot write .*dir\.csv/);
  });
});

describe('LambdaCallback', () => {
  it('calls the functions given, in fit\'s order', async () => {
    const events: string[] = [];
    const cb = new LambdaCallback({
      onTrainBegin: () => { events.push('trainBegin'); },
      onEpochBegin: (e) => { events.push(`epochBegin ${e}`); },
      onBatchBegin: (b) => { events.push(`batchBegin ${b}`); },
      onBatchEnd: (b, logs: Logs) => { events.push(`batchEnd ${b} ${'loss' in logs}`); },
      onEpochEnd: async (e, logs) => { await Promise.resolve(); events.push(`epochEnd ${e} ${Object.keys(logs).join(',')}`); },
      onTrainEnd: () => { events.push('trainEnd'); },
    });
    const m = model();
    await m.fit(X.slice(0, 8), Y.slice(0, 8), { epochs: 2, batchSize: 4, verbose: 0, callbacks: [cb] });
    const epoch = (e: number) => [`epochBegin ${e}`, 'batchBegin 0', 'batchEnd 0 true', 'batchBegin 1', 'batchEnd 1 true', `epochEnd ${e} loss`];
    expect(events).toEqual(['trainBegin', ...epoch(0), ...epoch(1), 'trainEnd']);
  });

  it('has only the hooks given, and rejects what is not a function', () => {
    const cb: Callback = new LambdaCallback({ onEpochEnd: () => {} });
    expect(typeof cb.onEpochEnd).toBe('function');
    expect('onBatchEnd' in cb).toBe(false);
    expect(() => new LambdaCallback({ onEpochEnd: 5 as never })).toThrow(/LambdaCallback\(\): onEpochEnd must be a function, got 5/);
    expect(() => new LambdaCallback({ onEpochEnds: () => {} } as never)).toThrow(/unknown option 'onEpochEnds'; did you mean 'onEpochEnd'/);
  });
});

describe('History and ProgbarLogger given by the user', () => {
  it('a History collects every epoch; its epoch list restarts with each fit while history grows, as Keras', async () => {
    const history = new History();
    const m = model();
    await m.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [history] });
    await m.fit(X, Y, { epochs: 3, initialEpoch: 1, verbose: 0, callbacks: [history] });
    expect(history.epoch).toEqual([1, 2]);
    expect(history.history.loss).toHaveLength(4);
  });

  it('a ProgbarLogger takes fit\'s settings through setParams; its own verbose wins over fit\'s', () => {
    const lines: string[] = [];
    const sink = { tty: false, write: (s: string) => { lines.push(s); }, line: (s: string) => { lines.push(s); } };
    const follow = new ProgbarLogger(null, sink);
    follow.setParams({ epochs: 3, steps: 5, verbose: 0 });
    follow.onEpochBegin(0);
    follow.onEpochEnd(0, { loss: 0.5 });
    expect(lines).toEqual([]);
    const fixed = new ProgbarLogger({ verbose: 2 }, sink);
    fixed.setParams({ epochs: 3, steps: 5, verbose: 0 });
    fixed.onEpochBegin(1);
    fixed.onEpochEnd(1, { loss: 0.5 });
    expect(lines[0]).toBe('Epoch 2/3');
    expect(lines[1]).toMatch(/^5\/5 - \d+s - \d+us\/step - loss: 0\.5000$/);
    expect(() => new ProgbarLogger({ verbose: 3 as never })).toThrow(/ProgbarLogger\(\): verbose must be 0, 1 or 2/);
    expect(() => new ProgbarLogger({ countMode: 'steps' } as never)).toThrow(/unknown option 'countMode'/);
  });
});

describe('pythonFloat', () => {
  it('writes floats as Python\'s repr', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'], [1, '1.0'], [-2, '-2.0'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'], [1e16, '1e+16'],
      [123456789012345680, '1.2345678901234568e+17'], [1e15, '1000000000000000.0'], [Math.fround(0.1), '0.10000000149011612'],
      [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'], [-0, '-0.0'], [5e-324, '5e-324'],
    ];
    for (const [v, s] of cases) expect(pythonFloat(v), String(v)).toBe(s);
  });
});
// To append to test/callbacks.test.ts once fit() takes the change in the report (user callbacks before History
// and the bar, setParams on every callback, no second History/ProgbarLogger).
describe('fit with callbacks as Keras orders them', () => {
  // As Keras's CallbackList: a History the user gives keeps its place, so it records what the callbacks before it add.
  it('History records what callbacks add to the logs (learning_rate), and is the one the user gave', async () => {
    const m = model();
    const mine = new History();
    const returned = await m.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 10 }), mine] });
    expect(returned).toBe(mine);
    const a = Math.fround(0.1);
    expect(mine.history.learning_rate).toEqual([a, a, a / 2]);
    expect(mine.params).toEqual({ epochs: 3, steps: 2, verbose: 0 });
    const plain = await model().fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new LearningRateScheduler((e, lr) => lr)] });
    expect(plain.history.learning_rate).toEqual([a, a]);
  });

  it('a user ProgbarLogger replaces fit\'s bar and takes its epochs, steps and verbose', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    await model().fit(X, Y, { epochs: 2, verbose: 2, callbacks: [new ProgbarLogger()] });
    expect(out.filter((s) => s.startsWith('Epoch'))).toEqual(['Epoch 1/2\n', 'Epoch 2/2\n']);
    expect(out.filter((s) => /^2\/2 - /.test(s))).toHaveLength(2);
    out.length = 0;
    await model().fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new ProgbarLogger()] });
    expect(out).toEqual([]); // Keras 3: a user's bar follows fit's verbose
    await model().fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new ProgbarLogger({ verbose: 2 })] });
    expect(out[0]).toBe('Epoch 1/1\n');
  });
});

describe('BackupAndRestore', () => {
  it('an interrupted fit resumes after the last backed-up epoch, to the same bits as an uninterrupted one', async () => {
    const dir = join(root, 'backup');
    const straight = model(new Adam({ learningRate: 0.05 }));
    await straight.fit(X, Y, { epochs: 5, shuffle: false, verbose: 0 });

    const first = model(new Adam({ learningRate: 0.05 }));
    const interrupt = new LambdaCallback({ onEpochEnd: (epoch) => { if (epoch === 2) throw new Error('power cut'); } });
    await expect(first.fit(X, Y, { epochs: 5, shuffle: false, verbose: 0, callbacks: [new BackupAndRestore(dir), interrupt] })).rejects.toThrow('power cut');
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'training_metadata.json', 'weights.bin']);

    const second = model(new Adam({ learningRate: 0.05 })); // a fresh process's model: the backup brings it up to date
    const h = await second.fit(X, Y, { epochs: 5, shuffle: false, verbose: 0, callbacks: [new BackupAndRestore(dir)] });
    expect(h.epoch).toEqual([3, 4]);
    expect(bits(second.getWeights())).toEqual(bits(straight.getWeights()));
    expect(second.optimizer!.iterations).toBe(straight.optimizer!.iterations);
    expect(() => readdirSync(dir)).toThrow(); // a normal end deletes the backup and its (now empty) folder
  });

  it('leaves files it did not write, keeps the backup with deleteCheckpoint: false, and refuses a backup of another model', async () => {
    const dir = join(root, 'backup-kept');
    const m = model();
    await m.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new BackupAndRestore(dir, { deleteCheckpoint: false })] });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'notes.txt', 'training_metadata.json', 'weights.bin']);
    const other = track(new Sequential([new Dense(3, { inputShape: [2], activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 2 }));
    other.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
    const before = bits(other.getWeights());
    await expect(other.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new BackupAndRestore(dir)] })).rejects.toThrow(/setWeights\(\)|optimizer state/);
    expect(bits(other.getWeights())).toEqual(before);
    await m.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new BackupAndRestore(dir)] }); // resumes at epoch 2, then deletes
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('refuses bad options', () => {
    expect(() => new BackupAndRestore('')).toThrow(ValueError);
    expect(() => new BackupAndRestore(join(root, 'x'), { saveFreq: 5 as never })).toThrow(/saveFreq/);
    expect(() => new BackupAndRestore(join(root, 'x'), { deleteCheckpoint: 'yes' as never })).toThrow(/deleteCheckpoint/);
  });
});
