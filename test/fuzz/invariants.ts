// What must hold after every call, checked by one function: (a) a call succeeds or throws a NeurasmError,
// never an internal one; (b) a failed call leaves its model as it was; (c) no call changes a model it does not
// target (a sentinel model above all); (d) the arena is well formed; (e) no model trains with a learning rate
// that is not a finite positive float32; (f) arguments known to be invalid are refused, known-valid ones
// accepted; (g) results keep their contracts (copies, round trips).
import { arena } from '../../src/arena.js';
import { binding } from '../../src/layers/index.js';
import * as neurasm from '../../src/index.js';
import { NeurasmError, Sequential, Tensor, tensor } from '../../src/index.js';
import type { Call, World } from './world.js';

export type Invariant = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g';

export const INVARIANTS: Record<Invariant, string> = {
  a: 'succeeds or throws a NeurasmError (not an internal one)',
  b: 'a failed call leaves its model unchanged',
  c: 'other models (the sentinel above all) are unchanged',
  d: 'the arena is well formed',
  e: 'no model trains on garbage',
  f: 'invalid arguments are refused, valid ones accepted',
  g: 'results keep their contracts',
};

export interface Violation {
  invariant: Invariant;
  /** The call at fault when it is not the last one run (a fit that ran in the background). */
  api?: string;
  /** What went wrong, in words that stay the same for the same bug (no numbers or names): groups findings. */
  kind: string;
  /** What happened this time. */
  message: string;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** An error a test callback throws on purpose: it is the user's own and may come out of `fit` as it is. */
export function isUserError(e: unknown): boolean {
  return e instanceof Error && !(e instanceof NeurasmError) && e.message === 'boom';
}

// ───── model state ─────

/** Everything about a model a failed call must not change, each part as a comparable string. */
export type ModelState = Record<'weights' | 'layers' | 'optimizer' | 'iterations' | 'slots' | 'training', string>;

const ids = new WeakMap<object, number>();
let lastId = 0;
/** A number per object, so that swapping one optimizer for another shows. */
function idOf(o: object | undefined): number {
  if (!o) return 0;
  if (!ids.has(o)) ids.set(o, ++lastId);
  return ids.get(o)!;
}

/** FNV-1a over the bit patterns (a word at a time), so NaN payloads and −0 count and large models stay cheap. */
export function bitsHash(arrays: readonly Float32Array[]): string {
  let h = 0x811c9dc5;
  let n = 0;
  for (const a of arrays) {
    const words = new Int32Array(a.buffer, a.byteOffset, a.length);
    for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
    n += a.length;
  }
  return `${n} floats #${(h >>> 0).toString(16)}`;
}

function attemptValue<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function attempt(f: () => string): string {
  try {
    return f();
  } catch (e) {
    return `throws ${(e as Error)?.name}`;
  }
}

/** Whether `fit` is still running on a model. NOTE: reads a private field; no public API tells. */
export function isTraining(m: Sequential): boolean {
  return (m as unknown as { training?: boolean }).training === true;
}

export function modelState(m: Sequential): ModelState {
  const o = m.optimizer;
  const weights = attempt(() => { const w = m.getWeights(); return `${w.map((t) => `[${t.shape.join(',')}]`).join('')} ${bitsHash(w.map((t) => t.data))}`; });
  // NOTE: a disposed model's slots are not read: getOptimizerSlots (internal) would read freed memory.
  const disposed = weights === 'throws StateError';
  return {
    weights,
    layers: attempt(() => m.layers.map((l) => `${l.name}:${l.className}:${l.inputDim}->${l.outputDim}`).join(' ')),
    optimizer: attempt(() => `#${idOf(o)} ${o?.constructor.name} lr=${o?.learningRate} loss=${m.trainingConfig?.loss} metrics=${m.metricsNames.join(',')}`),
    iterations: String(o?.iterations),
    slots: o && !disposed ? attempt(() => bitsHash([m.getOptimizerSlots()])) : '-',
    training: String(isTraining(m)),
  };
}

function changes(before: ModelState | undefined, after: ModelState | undefined): string[] {
  if (!before || !after) return [];
  return (Object.keys(before) as (keyof ModelState)[]).filter((k) => before[k] !== after[k]);
}

function describeChanges(parts: string[], before: ModelState, after: ModelState): string {
  return parts.map((p) => `${p}: ${before[p as keyof ModelState]} → ${after[p as keyof ModelState]}`).join('; ');
}

// ───── the sentinel ─────

/** A model no fuzzed call touches, and the bits it must keep giving. */
export class Sentinel {
  static readonly PROBE = [[0.5, -1, 2], [0, 0.25, -0.75]];
  readonly model: Sequential;
  private readonly prediction: string;
  private readonly weights: string;

  constructor() {
    this.model = new Sequential([new neurasm.Dense(5, { inputDim: 3, activation: 'tanh' }), new neurasm.Dense(2)], { seed: 99 });
    this.model.compile({ optimizer: new neurasm.Adam(), loss: 'mse' });
    this.prediction = this.predictHash();
    this.weights = bitsHash(this.model.getWeights().map((t) => t.data));
  }

  private predictHash(): string {
    return attempt(() => bitsHash([this.model.predict(Sentinel.PROBE).data]));
  }

  /** What changed about the sentinel, if anything. */
  problem(): string | undefined {
    const w = attempt(() => bitsHash(this.model.getWeights().map((t) => t.data)));
    if (w !== this.weights) return `its weights changed (${this.weights} → ${w})`;
    const p = this.predictHash();
    if (p !== this.prediction) return `its prediction on the probe changed (${this.prediction} → ${p})`;
    return undefined;
  }
}

// ───── the arena ─────

/** What is wrong with the arena's layout and the blocks the models hold, or undefined. */
export function arenaProblem(models: readonly Sequential[]): string | undefined {
  const { base, top, free, blocks } = arena.layout();
  const aligned = (n: number) => n % 64 === 0;
  if (!aligned(base) || !aligned(top) || top < base) return `base ${base} or top ${top} misaligned or out of order`;
  if (top > arena.memoryBytes) return `top ${top} lies beyond the memory (${arena.memoryBytes} bytes)`;
  for (let i = 0; i < free.length; i++) {
    const f = free[i]!;
    if (!aligned(f.offset) || !aligned(f.size) || f.size <= 0) return `free block ${f.offset}+${f.size} is misaligned or empty`;
    if (f.offset < base || f.offset + f.size > top) return `free block ${f.offset}+${f.size} lies outside [base, top)`;
    if (f.offset + f.size === top) return `free block ${f.offset}+${f.size} touches top`;
    const next = free[i + 1];
    if (next && next.offset <= f.offset) return 'free blocks are not sorted';
    if (next && f.offset + f.size >= next.offset) return `free blocks ${f.offset}+${f.size} and ${next.offset} overlap or touch`;
  }
  const spans = [...blocks.map((b) => ({ ...b, what: 'live' })), ...free.map((b) => ({ ...b, what: 'free' }))].sort((a, b) => a.offset - b.offset);
  let at = base;
  for (const s of spans) {
    if (!aligned(s.offset) || !aligned(s.size) || s.size <= 0) return `${s.what} block ${s.offset}+${s.size} is misaligned or empty`;
    if (s.offset < at) return `${s.what} block ${s.offset}+${s.size} overlaps the block before it`;
    if (s.offset > at) return `bytes ${at}..${s.offset} belong to no block`;
    at = s.offset + s.size;
  }
  if (at !== top) return `bytes ${at}..${top} belong to no block`;
  // Every weight of every live model lies in a live block, and no two weights share bytes.
  const weights: { start: number; end: number; who: string }[] = [];
  for (const m of models) {
    for (const l of m.layers) {
      const b = binding(l);
      b.weightOffsets.forEach((offset, i) => {
        const spec = b.specs[i];
        if (!spec) return;
        const bytes = spec.shape.reduce((a, b) => a * b, 1) * 4;
        weights.push({ start: offset, end: offset + bytes, who: `${m.name}/${l.name}/${spec.name}` });
      });
    }
  }
  for (const w of weights) if (!arena.holds(w.start, w.end - w.start)) return `${w.who} lies outside every live block`;
  weights.sort((a, b) => a.start - b.start);
  for (let i = 1; i < weights.length; i++) {
    if (weights[i]!.start < weights[i - 1]!.end) return `${weights[i - 1]!.who} and ${weights[i]!.who} share memory`;
  }
  return undefined;
}

// ───── before and after a call ─────

export interface Snapshot {
  models: Map<Sequential, ModelState>;
  bytesInUse: number;
  /** Models that a fit running in the background may change while an awaited call yields. */
  busy: Set<number>;
  /** The target's learning rate when the call began. */
  learningRate: unknown;
}

/** The model a call is on: a live model by index, or the one bound to `loaded`. */
function targetOf(call: Call, w: World): Sequential | undefined {
  if (call.on !== undefined) return w.models[call.on];
  return call.onLoaded && w.vars.loaded instanceof Sequential ? w.vars.loaded : undefined;
}

export function snapshot(w: World, call: Call): Snapshot {
  const models = new Map<Sequential, ModelState>();
  for (const m of w.all()) models.set(m, modelState(m));
  const target = targetOf(call, w);
  return { models, bytesInUse: arena.bytesInUse, busy: w.busy(), learningRate: target?.optimizer?.learningRate };
}

const F32_MAX = 3.4028234663852886e38;
const goodRate = (lr: unknown) => typeof lr === 'number' && lr > 0 && lr <= F32_MAX;

/** Names and messages without the numbers and names that differ between runs of the same bug. */
export function normalise(text: string): string {
  return text.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '…').replace(/\b[\w$.[\]]+ is not a function/g, 'X is not a function')
    .replace(/-?\d[\d.e+-]*/g, 'N').replace(/_N\b/g, '').slice(0, 90);
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : `a thrown ${typeof e}: ${String(e)}`;
}

/** The first invariant the call broke, if any. */
export function checkInvariants(call: Call, before: Snapshot, outcome: Outcome, w: World, sentinel: Sentinel): Violation | undefined {
  const error = outcome.ok ? undefined : outcome.error;
  const library = !outcome.ok && error instanceof NeurasmError;
  const user = !outcome.ok && isUserError(error);

  // (a) nothing but NeurasmErrors (and a callback's own error, passed through as it was); and no error that
  // only the arena's self-defence raises ('neurasm internal'): one reaching a user means a check was missing.
  if (!outcome.ok && !library && !user) {
    const name = error instanceof Error ? error.constructor.name : typeof error;
    return { invariant: 'a', kind: `${name}: ${normalise(error instanceof Error ? error.message : String(error))}`, message: `threw ${errorText(error)}` };
  }
  if (library && (error as Error).message.includes('neurasm internal')) {
    return { invariant: 'a', kind: `an internal error: ${normalise((error as Error).message)}`, message: `threw ${errorText(error)}, an error of the arena's self-defence` };
  }

  // (g) contracts of results; 'copies' scribbles over what was returned, for (b) to see that the model kept its own.
  const contract = outcome.ok ? checkContract(call, outcome.value, w) : undefined;
  if (contract) return { invariant: 'g', kind: contract, message: contract };

  // (b) the target after a failed (or read-only) call; models a background fit may change are left out.
  const after = new Map<Sequential, ModelState>();
  for (const m of w.all()) after.set(m, modelState(m));
  const busy = new Set(call.mode === 'await' ? [...before.busy, ...w.busy()] : []);
  const target = targetOf(call, w);
  if (target && !busy.has(call.on!) && ((!outcome.ok && !user) || call.pure)) {
    const changed = changes(before.models.get(target), after.get(target));
    if (changed.length > 0) {
      const how = outcome.ok ? 'a read-only call succeeded' : `it threw ${errorText(error)}`;
      return { invariant: 'b', kind: `changed ${changed.join(', ')}${outcome.ok ? ' (read-only call)' : ''}`, message: `${how}, yet the model changed: ${describeChanges(changed, before.models.get(target)!, after.get(target)!)}` };
    }
  }
  // NOTE: while an awaited call yields, the finalizer may free models a test dropped earlier: only growth counts then.
  const grew = call.mode === 'await' ? arena.bytesInUse > before.bytesInUse : arena.bytesInUse !== before.bytesInUse;
  if (!outcome.ok && !user && busy.size === 0 && grew) {
    return { invariant: 'b', kind: 'changed arena.bytesInUse', message: `it threw ${errorText(error)}, yet arena.bytesInUse went ${before.bytesInUse} → ${arena.bytesInUse}` };
  }

  // (c) the sentinel, and every live model the call has no business changing.
  const s = sentinel.problem();
  if (s) return { invariant: 'c', kind: 'the sentinel changed', message: `the sentinel model changed: ${s}` };
  const allowed = new Set([call.on, ...call.touches, ...busy]);
  for (const [m, b] of before.models) {
    const i = w.models.indexOf(m);
    if (m === target || (i >= 0 && allowed.has(i))) continue;
    const changed = changes(b, after.get(m));
    if (changed.length > 0) return { invariant: 'c', kind: `changed another model's ${changed.join(', ')}`, message: `model ${i >= 0 ? `m${i}` : m.name} changed: ${describeChanges(changed, b, after.get(m)!)}` };
  }
  for (const [i, m] of w.models.entries()) {
    if (!busy.has(i) && !w.busy().has(i) && isTraining(m)) return { invariant: 'c', kind: 'a model is left training', message: `m${i} still counts as training, with no fit running` };
  }

  // (d) the arena's layout, and where the models' weights are.
  const d = arenaProblem([sentinel.model, ...w.all()]);
  if (d) return { invariant: 'd', kind: normalise(d), message: d };

  // (e) a fit that succeeded trained with a usable learning rate.
  if (outcome.ok && call.api === 'Sequential.fit' && !call.background && target) {
    const now = target.optimizer?.learningRate;
    // A schedule may decay to 0 (CosineDecay's end, an initialLearningRate of 0), as Keras's do.
    const good = target.optimizer?.learningRateSchedule ? (lr: unknown) => lr === 0 || goodRate(lr) : goodRate;
    if (!good(before.learningRate) || !good(now)) {
      return { invariant: 'e', kind: 'fit trained with an unusable learning rate', message: `fit succeeded with learningRate ${String(before.learningRate)} (now ${String(now)}); weights ${after.get(target)?.weights}` };
    }
  }

  // (f) what the arbitraries know about the arguments.
  if (outcome.ok && call.valid === false && !call.background) {
    return { invariant: 'f', kind: `accepted ${call.why ?? 'an invalid argument'}`, message: `succeeded, but ${call.why ?? 'an argument'} is invalid` };
  }
  if (library && call.valid === true && (error as Error).name !== 'MemoryError') {
    return { invariant: 'f', kind: `refused valid arguments with ${(error as Error).name}`, message: `threw ${errorText(error)} on valid arguments` };
  }
  return undefined;
}

/** The outcome of a fit started in the background, once it settled. */
export function checkSettled(call: Call | undefined, outcome: Outcome): Violation | undefined {
  if (!outcome.ok && !(outcome.error instanceof NeurasmError) && !isUserError(outcome.error)) {
    const e = outcome.error;
    return { invariant: 'a', api: call?.api, kind: `${e instanceof Error ? e.constructor.name : typeof e}: ${normalise(e instanceof Error ? e.message : String(e))}`, message: `a fit started with background(…) rejected with ${errorText(e)}` };
  }
  if (outcome.ok && call?.background && call.valid === false) {
    return { invariant: 'f', api: call.api, kind: `accepted ${call.why ?? 'an invalid argument'}`, message: `a fit started with background(…) succeeded, but ${call.why} is invalid` };
  }
  return undefined;
}

/** What is wrong with a successful call's result, if anything (see `Post`). */
function checkContract(call: Call, value: unknown, w: World): string | undefined {
  switch (call.post) {
    case 'copies':
      for (const t of [value].flat()) if (t instanceof Tensor) t.data.fill(7);
      return undefined;
    case 'finiteLoss': {
      // Finite data (anything else is refused) through finite weights: a NaN loss is a 0/0 somewhere.
      const target = targetOf(call, w);
      const h = (value as { history?: Record<string, unknown[]> } | undefined)?.history;
      const loss = Array.isArray(value) ? value[0] : h ? [...(h.loss ?? []), ...(h.val_loss ?? [])].find((l) => Number.isNaN(l)) : (value as { loss?: unknown } | undefined)?.loss;
      const finiteWeights = target !== undefined && attemptValue(() => target.getWeights().every((t) => t.data.every(Number.isFinite))) === true;
      if (Number.isNaN(loss) && finiteWeights) return `${call.api}() logged a NaN loss on finite data with finite weights`;
      return undefined;
    }
    case 'tensor': {
      if (!(value instanceof Tensor) || !(value.data instanceof Float32Array)) return 'tensor() returned something else than a Tensor of float32';
      const size = value.shape.reduce((a, b) => a * b, 1);
      if (size !== value.data.length || value.size !== size) return 'tensor() returned a Tensor whose shape does not fit its data';
      return undefined;
    }
    case 'split': {
      // Every value of x and y lands in exactly one part, and each part keeps the sample's shape.
      const [x, y] = (w.evaluate(call.inputs!) as unknown[]).map((d) => attemptValue(() => tensor(d as number[])));
      const parts = value as Tensor[];
      for (const [data, train, test, name] of [[x, parts[0], parts[1], 'x'], [y, parts[2], parts[3], 'y']] as const) {
        if (!data || !train || !test) continue;
        const sample = data.shape.slice(1).join(',');
        if (train.size + test.size !== data.size || train.shape.slice(1).join(',') !== sample || test.shape.slice(1).join(',') !== sample) {
          return `trainTestSplit() lost or reshaped ${name}: [${data.shape.join(', ')}] became [${train.shape.join(', ')}] and [${test.shape.join(', ')}]`;
        }
      }
      return undefined;
    }
    case 'errorRoundTrip': {
      const sent = /errorToData\(new (\w+)\('([^']*)'\)\)/.exec(call.expr);
      const Class = sent ? (neurasm as unknown as Record<string, unknown>)[sent[1]!] : undefined;
      if (sent && typeof Class === 'function' && !(value instanceof (Class as new () => Error) && (value as Error).message === sent[2])) {
        return `errorFromData(errorToData(e)) does not rebuild a ${sent[1]}`;
      }
      return undefined;
    }
    case 'roundTrip': {
      const saved = w.vars.saved as { weightData: ArrayBuffer };
      if (!(value instanceof Sequential)) return 'loadModel() resolved to something else than a Sequential';
      const n = value.countParams();
      const expected = bitsHash([new Float32Array(saved.weightData, 0, n)]);
      const got = bitsHash(value.getWeights().map((t) => t.data));
      if (got !== expected) return `a saved and loaded model has other weights (${expected} saved, ${got} loaded)`;
      return undefined;
    }
    case 'samePredictions': {
      // A loaded model predicts what the model it came from (`inputs`, unchanged since it was saved) predicts, bit for bit.
      const source = w.evaluate(call.inputs!) as Sequential;
      if (!(value instanceof Sequential)) return 'loadModel() resolved to something else than a Sequential';
      const [before, after] = [source, value].map((m) => attempt(() => bitsHash(m.getWeights().map((t) => t.data))));
      if (before !== after) return `a saved and loaded model has other weights (${before} saved, ${after} loaded)`;
      const sample = source.layers[0]!.inputShape.slice(1) as number[];
      const n = sample.reduce((a, b) => a * b, 2);
      const x = tensor(new Float32Array(n).map((_, i) => ((i * 7) % 11) / 5 - 1), [2, ...sample]);
      const expected = attempt(() => bitsHash([source.predict(x).data]));
      const got = attempt(() => bitsHash([(value as Sequential).predict(x).data]));
      if (got !== expected) return `a saved and loaded model predicts otherwise (${expected} before, ${got} loaded)`;
      return undefined;
    }
    default:
      return undefined;
  }
}

