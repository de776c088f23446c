// The world a fuzzed call runs in: five live models built from fixed recipes (m3 and m4 on images and
// sequences), the variables calls bind (t, saved, loaded), fits started without awaiting them, and the evaluator
// that runs a call's own source text, so the repro a finding prints is exactly the code that ran. Knows nothing of invariants.
import * as neurasm from '../../src/index.js';
import { Sequential } from '../../src/index.js';

/** Whether an argument is known to be acceptable: true must succeed, false must throw a NeurasmError. */
export type Validity = boolean | undefined;

/** Source text of a value, and whether the call it goes to must accept it. */
export interface Arg {
  readonly code: string;
  readonly valid: Validity;
  /** Why it is invalid (the option or argument at fault), to tell findings apart. */
  readonly why?: string;
}

/** The contract a call's result is checked against besides the invariants (see checkContract in invariants.ts). */
export type Post = 'copies' | 'roundTrip' | 'errorRoundTrip' | 'tensor' | 'split' | 'samePredictions' | 'finiteLoss';

/** One call of the public API, as the statement a repro prints. */
export interface Call {
  /** What is called, to group findings: 'tensor', 'Sequential.fit', 'new Dense', … */
  readonly api: string;
  /** The expression evaluated (no `await`, no binding). */
  readonly expr: string;
  /** 'await' awaits the result; 'background' hands the promise to `background(…)` without awaiting it. */
  readonly mode: 'sync' | 'await';
  /** Variable the result is bound to. */
  readonly bind?: 't' | 'saved' | 'loaded';
  /** The call is skipped unless this holds (e.g. `t` is bound, `m0.optimizer` exists). */
  readonly when?: (w: World) => boolean;
  /** Index of the model the call is on: its state must survive a failed call. */
  readonly on?: number;
  /** The call is on the model a call made and bound to `loaded` (it may change that model, as `on` allows). */
  readonly onLoaded?: boolean;
  /** Other models the call may change on purpose (through callbacks). */
  readonly touches: readonly number[];
  /** The call only reads its model: the model must be unchanged even when it succeeds. */
  readonly pure?: boolean;
  /** The call starts a fit without awaiting it (`background(m0.fit(…))`): the fit is judged when it settles. */
  readonly background?: boolean;
  readonly valid: Validity;
  readonly why?: string;
  readonly post?: Post;
  /** Source of the call's data arguments as a list (`[x, y]`), for contracts that compare results with them. */
  readonly inputs?: string;
}

/** The statement a repro prints for a call. */
export function statement(c: Call, declared: Set<string>): string {
  const value = `${c.mode === 'await' ? 'await ' : ''}${c.expr}`;
  if (!c.bind) return `${value};`;
  const first = !declared.has(c.bind);
  declared.add(c.bind);
  return `${first ? 'let ' : ''}${c.bind} = ${value};`;
}

const READ_ONLY = /^(predict|evaluate|getWeights|summary|toJSON|countParams|save|getLayer|metricsNames|layers)\b/;

/**
 * The inverse of `statement`: a repro's line as a call, for regression tests written as repros. The model a
 * line starts with is its target; models its callbacks name may change too; `refuse` marks a line that
 * must throw a NeurasmError, `accept` one that must succeed.
 */
export function callOf(line: string, must?: 'refuse' | 'accept'): Call {
  const m = /^(?:(?:let )?(t|saved|loaded) = )?(await )?(.*?);?$/.exec(line.trim())!;
  const expr = m[3]!;
  const target = /^(?:background\()?m(\d)\.(\w+)/.exec(expr);
  const on = target ? Number(target[1]) : undefined;
  // Callbacks may change the models they call into; models passed as arguments must not change.
  const hooks = expr.includes('callbacks:') ? expr.slice(expr.indexOf('callbacks:')) : '';
  const named = [...hooks.matchAll(/\bm(\d)\b/g)].map((x) => Number(x[1])).filter((i) => i !== on);
  return {
    api: target ? `Sequential.${target[2]}` : expr.replace(/\(.*$/s, ''),
    expr, mode: m[2] ? 'await' : 'sync', touches: [...new Set(named)],
    valid: must === undefined ? undefined : must === 'accept', why: must === 'refuse' ? 'arguments that must be refused' : undefined,
    ...(m[1] ? { bind: m[1] as 't' | 'saved' | 'loaded' } : {}),
    ...(on !== undefined ? { on } : {}),
    ...(expr.startsWith('loaded.') ? { onLoaded: true } : {}),
    ...(target && READ_ONLY.test(target[2]!) ? { pure: true } : {}),
    ...(expr.startsWith('background(') ? { background: true } : {}),
    ...(expr.startsWith('trainTestSplit(') ? { post: 'split', inputs: `((x, y) => [x, y])(${expr.slice('trainTestSplit('.length, -1)})` } as const : {}),
  };
}

/** The live models every sequence starts from: each recipe is run through the evaluator, as a repro runs it. */
export const RECIPES: readonly string[] = [
  `new Sequential([new Dense(3, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 1 })`,
  `new Sequential([new Dense(4, { inputDim: 3, activation: 'tanh' }), new Dropout(0.25), new Dense(3, { activation: 'softmax' })], { seed: 2 })`,
  `new Sequential([new Dense(2), new Dense(1)], { seed: 3 })`,
  // Images [5, 4, 2] and sequences [6, 3], through every new layer kind (and Dense on rank 3+, Dropout on rank 2).
  `new Sequential([new ZeroPadding2D(1, { inputShape: [5, 4, 2] }), new Conv2D(3, 3, { activation: 'relu' }), new BatchNormalization(), new DepthwiseConv2D(2, { depthMultiplier: 2 }), new MaxPooling2D(2), new Flatten(), new Dense(2, { activation: 'softmax' })], { seed: 4 })`,
  `new Sequential([new Conv1D(2, 3, { inputShape: [6, 3], padding: 'causal', dilationRate: 2 }), new Dropout(0.25), new AveragePooling1D(2), new Reshape([3, 2, 1]), new SeparableConv2D(2, [2, 1], { activation: 'tanh' }), new UpSampling2D([1, 2]), new GlobalAveragePooling2D(), new Dense(1)], { seed: 5 })`,
];
export const COMPILES: readonly (string | undefined)[] = [
  `m0.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] })`,
  `m1.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] })`,
  `m2.compile({ optimizer: 'sgd', loss: 'mse' })`, // m2 is compiled but not built: its first fit builds it
  `m3.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] })`,
  `m4.compile({ optimizer: new RMSprop(), loss: 'mse' })`,
];
/**
 * Input and output widths of the recipes, for data that fits them (m2 is built by its first fit); `sample` is the
 * shape of one input sample of the models that take images or sequences (their input shape never changes).
 */
export const WIDTHS: readonly { inputs: number; outputs: number; sparse: boolean; sample?: readonly number[] }[] = [
  { inputs: 2, outputs: 1, sparse: false },
  { inputs: 3, outputs: 3, sparse: true },
  { inputs: 2, outputs: 1, sparse: false },
  { inputs: 40, outputs: 2, sparse: true, sample: [5, 4, 2] },
  { inputs: 18, outputs: 1, sparse: false, sample: [6, 3] },
];

/** A fit started without awaiting it, by which call, and how it ended. */
export interface Pending {
  readonly call: Call | undefined;
  readonly on: number | undefined;
  readonly touches: readonly number[];
  outcome?: { ok: true } | { ok: false; error: unknown };
  checked: boolean;
}

const LIBRARY_NAMES = Object.keys(neurasm);
const SCOPE_NAMES = ['m0', 'm1', 'm2', 'm3', 'm4', 't', 'saved', 'loaded', 'background', 'settle'] as const;
const compiled = new Map<string, (...args: unknown[]) => unknown>();

/** The models and variables of one sequence of calls. */
export class World {
  readonly models: Sequential[] = [];
  /** Every model a call made (loaded, constructed): watched by the invariants, disposed at the end. */
  readonly made: Sequential[] = [];
  readonly vars: { t?: unknown; saved?: unknown; loaded?: unknown } = {};
  readonly pending: Pending[] = [];
  private readonly promises: Promise<unknown>[] = [];
  /** The call running now, to which a fit started with `background(…)` belongs. */
  current: Call | undefined;

  constructor() {
    RECIPES.forEach((code, i) => {
      this.models.push(this.evaluate(code) as Sequential);
      if (COMPILES[i]) this.evaluate(COMPILES[i]!);
    });
  }

  /** Every model whose memory the invariants watch. */
  all(): Sequential[] {
    return [...this.models, ...this.made];
  }

  /** Runs `code` with the library's exports and the world's names in scope (the repro's scope). */
  evaluate(code: string): unknown {
    let f = compiled.get(code);
    if (!f) {
      if (compiled.size > 10_000) compiled.clear(); // mostly one-off sources: a bounded cache
      f = new Function(...LIBRARY_NAMES, ...SCOPE_NAMES, `'use strict';\nreturn (${code});`) as (...args: unknown[]) => unknown;
      compiled.set(code, f);
    }
    const scope = {
      m0: this.models[0], m1: this.models[1], m2: this.models[2], m3: this.models[3], m4: this.models[4], ...this.vars,
      background: (p: unknown) => this.background(p),
      settle: () => this.settle(),
    } as Record<string, unknown>;
    return f(...LIBRARY_NAMES.map((n) => (neurasm as Record<string, unknown>)[n]), ...SCOPE_NAMES.map((n) => scope[n]));
  }

  /** Keeps a model a call made, so the finalizer never frees it mid-sequence and the invariants watch it. */
  adopt(value: unknown): void {
    if (value instanceof Sequential && !this.all().includes(value)) this.made.push(value);
  }

  /** `background(model.fit(…))`: the fit runs on; how it ends is recorded and checked later. */
  private background(p: unknown): void {
    // A fit a callback starts while no call runs may touch anything.
    const c = this.current;
    const entry: Pending = { call: c, on: c?.on, touches: c ? c.touches : this.models.map((_, i) => i), checked: false };
    this.pending.push(entry);
    const settled = Promise.resolve(p).then(() => { entry.outcome = { ok: true }; }, (error: unknown) => { entry.outcome = { ok: false, error }; });
    this.promises.push(settled);
  }

  /** `await settle()`: waits for every background fit, including fits they started. */
  async settle(): Promise<void> {
    while (this.promises.length > 0) await Promise.all(this.promises.splice(0));
  }

  /** Models that may change while an awaited call yields: those with fits still running, and what those fits touch. */
  busy(): Set<number> {
    const out = new Set<number>();
    for (const p of this.pending) {
      if (p.outcome) continue;
      if (p.on !== undefined) out.add(p.on);
      for (const t of p.touches) out.add(t);
    }
    return out;
  }

  /** Waits for every fit, then frees every model this world made. */
  async dispose(): Promise<void> {
    await this.settle();
    for (const m of this.all()) {
      try {
        m.dispose();
      } catch {
        // a model a bug left mid-training cannot be disposed; the invariants have already reported it
      }
    }
  }
}
