// Runs sequences of calls in a fresh world, checking the invariants after every call, and hunts with
// fast-check for every distinct broken invariant: each one found is shrunk to a minimal sequence, set aside,
// and the hunt goes on with a new seed until a whole round finds nothing new or the time is up.
import fc from 'fast-check';
import { arena } from '../../src/arena.js';
import { INVARIANTS, Sentinel, checkInvariants, checkSettled, snapshot, type Outcome, type Violation } from './invariants.js';
import { COMPILES, RECIPES, World, statement, type Call } from './world.js';

export interface Finding {
  /** Invariant, call and kind of failure: one finding per signature. */
  signature: string;
  violation: Violation;
  /** The minimal sequence, ending with the call that broke the invariant. */
  calls: Call[];
  repro: string;
}

/** What the calls did, over every run (shrinking included). */
export class Stats {
  runs = 0;
  calls = 0;
  succeeded = 0;
  /** Ended in a NeurasmError with every invariant holding. */
  clean = 0;
  /** Ended in the error a test callback threw on purpose, passed through by fit. */
  userErrors = 0;
  skipped = 0;
  violations = 0;
}

/** The call that waits for background fits at the end of every sequence. */
const SETTLE: Call = { api: 'settle', expr: 'settle()', mode: 'await', touches: [], valid: true };
/** Memory left free by the ballast, so that moderately large layers run out of it. */
const HEADROOM = 64 * 2 ** 20;
const MEMORY_LIMIT = 2 ** 31;

class Found extends Error {
  constructor(readonly calls: Call[], readonly violation: Violation) {
    super(`(${violation.invariant}) ${violation.message}`);
  }
}

/**
 * A block that fills the memory but HEADROOM bytes, so out-of-memory paths are reachable with small layers: taken
 * by the first Hunter of a test process and kept until the process ends. A hunt drops models without disposing
 * them, and their blocks go back when the garbage collector runs (the library's FinalizationRegistry): on a
 * busy machine some were still live, just above a first ballast released at the end of its hunt, when the next
 * Hunter measured the free tail, which left no room for its own (`cannot allocate -3264 bytes`).
 * NOTE: taken from the arena directly: a model that size would write (and so page in) 2 GiB, which takes
 * this machine 15 s; a block nobody writes costs nothing.
 */
let ballast: number | undefined;
function takeBallast(): void {
  ballast ??= arena.alloc(MEMORY_LIMIT - arena.layout().top - HEADROOM);
}

export class Hunter {
  readonly stats = new Stats();
  /** Unhandled rejections caught while a hunt runs (see `isolate`). */
  private readonly dropped: unknown[] = [];
  readonly findings = new Map<string, Finding>();
  readonly sentinel = new Sentinel();
  constructor() {
    takeBallast();
  }

  dispose(): void {
    this.sentinel.model.dispose();
  }

  /** Runs one call and checks every invariant after it. */
  private async probe(call: Call, w: World): Promise<Violation | undefined> {
    if (call.when && !call.when(w)) {
      this.stats.skipped++;
      return undefined;
    }
    const before = snapshot(w, call);
    let outcome: Outcome;
    w.current = call;
    try {
      const value = w.evaluate(call.expr);
      if (call.mode === 'sync' && value instanceof Promise) value.catch(() => {}); // judged as the value it is
      outcome = { ok: true, value: call.mode === 'await' ? await value : value };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      w.current = undefined;
    }
    if (outcome.ok && call.bind) w.vars[call.bind] = outcome.value;
    if (outcome.ok) w.adopt(outcome.value);
    const v = checkInvariants(call, before, outcome, w, this.sentinel) ?? this.settled(w);
    this.stats.calls++;
    if (v) this.stats.violations++;
    else if (outcome.ok) this.stats.succeeded++;
    else if (call.api !== 'settle' && outcome.error instanceof Error && outcome.error.message === 'boom') this.stats.userErrors++;
    else this.stats.clean++;
    return v;
  }

  /** The first broken invariant among background fits that settled since the last look. */
  private settled(w: World): Violation | undefined {
    for (const p of w.pending) {
      if (!p.outcome || p.checked) continue;
      p.checked = true;
      const v = checkSettled(p.call, p.outcome.ok ? { ok: true, value: undefined } : p.outcome);
      if (v) return v;
    }
    return undefined;
  }

  /** `run`, with output muted and unhandled rejections caught, as during a hunt: for regression tests. */
  async check(calls: readonly Call[]): Promise<Violation | undefined> {
    const quiet = isolate(this.dropped);
    try {
      return (await this.run(calls))?.violation;
    } finally {
      quiet.restore();
    }
  }

  /** Runs the calls in a fresh world; the first broken invariant, and the calls up to the one that broke it. */
  async run(calls: readonly Call[]): Promise<{ violation: Violation; calls: Call[] } | undefined> {
    this.stats.runs++;
    const w = new World();
    try {
      const all = [...calls, SETTLE];
      for (let i = 0; i < all.length; i++) {
        const violation = await this.probe(all[i]!, w);
        if (violation) return { violation, calls: all.slice(0, i + 1) };
      }
      // A promise the library created and dropped shows up as an unhandled rejection once the event loop turns.
      await new Promise((resolve) => setImmediate(resolve));
      const dropped = this.dropped.splice(0);
      if (dropped.length > 0) {
        const e = dropped[0];
        this.stats.violations++;
        return { violation: { invariant: 'a', api: 'Sequential.fit', kind: `a dropped promise rejected: ${e instanceof Error ? e.message : String(e)}`, message: `an unhandled rejection: ${String(e)} (the library dropped a promise; Node ends the process on that by default)` }, calls: all };
      }
      return undefined;
    } finally {
      await w.dispose();
    }
  }

  /**
   * Hunts for broken invariants: rounds of `numRuns` sequences from `seed`, `seed + 1`, …; each round stops
   * at a failure with a signature not seen before and shrinks it. Stops when a round finds nothing new, or at
   * the deadline. Returns the findings of this hunt.
   */
  async hunt(sequences: fc.Arbitrary<Call[]>, { seed, numRuns, timeMs }: { seed: number; numRuns: number; timeMs: number }): Promise<Finding[]> {
    const deadline = Date.now() + timeMs;
    const found: Finding[] = [];
    const quiet = isolate(this.dropped);
    try {
      for (let round = 0; Date.now() < deadline; round++) {
        const property = fc.asyncProperty(sequences, async (calls) => {
          const r = await this.run(calls);
          if (r && !this.findings.has(signature(r.calls, r.violation))) throw new Found(r.calls, r.violation);
        });
        const result = await fc.check(property, { seed: seed + round, numRuns, plugins: [fc.interruptAfterTimeLimit(deadline - Date.now())] });
        if (!result.failed || !(result.errorInstance instanceof Found)) break;
        const { calls, violation } = result.errorInstance;
        const finding: Finding = { signature: signature(calls, violation), violation, calls, repro: this.repro(calls, violation) };
        this.findings.set(finding.signature, finding);
        found.push(finding);
      }
    } finally {
      quiet.restore();
    }
    return found;
  }

  /** A minimal TypeScript repro: the models it uses, the helpers, the calls, and what broke. */
  repro(calls: readonly Call[], v: Violation): string {
    const code = calls.map((c) => c.expr).join('\n');
    const lines: string[] = [];
    if (/\b(\d{4,}|2 \*\* 31)\b/.test(code) || /MemoryError|out of memory/.test(v.message)) {
      lines.push(`arena.alloc(2 ** 31 - arena.layout().top - ${HEADROOM / 2 ** 20} * 2 ** 20); // fill the memory but ${HEADROOM / 2 ** 20} MiB (arena from src/arena.js)`);
    }
    RECIPES.forEach((recipe, i) => {
      if (!new RegExp(`\\bm${i}\\b`).test(code)) return;
      lines.push(`const m${i} = ${recipe};`);
      if (COMPILES[i]) lines.push(`${COMPILES[i]};`);
    });
    if (/\b(background|settle)\(/.test(code)) {
      lines.push('const pending: Promise<unknown>[] = [];');
      lines.push('const background = (p: Promise<unknown>) => { pending.push(p.catch((e) => console.log(e))); };');
      lines.push('const settle = () => Promise.all(pending);');
    }
    const declared = new Set<string>();
    for (const c of calls) lines.push(statement(c, declared));
    lines.push(`// ✗ (${v.invariant}) ${INVARIANTS[v.invariant]}: ${v.message}`);
    return lines.join('\n');
  }
}

/** Invariant, call and kind: the same bug met again has the same signature. */
function signature(calls: readonly Call[], v: Violation): string {
  return `(${v.invariant}) ${v.api ?? calls[calls.length - 1]!.api}: ${v.kind}`;
}

/**
 * While a hunt runs: mutes what calls print (progress bars, summaries, EarlyStopping's notes), and collects
 * unhandled rejections into `dropped` (the runner reports them) instead of letting them fail the test file.
 */
function isolate(dropped: unknown[]): { restore(): void } {
  // NOTE: plain replacements, not vi.spyOn: a spy keeps every call's arguments, gigabytes over a long hunt.
  const saved = { log: console.log, warn: console.warn, info: console.info, write: process.stdout.write };
  const listeners = process.listeners('unhandledRejection');
  const mute = () => {};
  const trap = (reason: unknown) => { dropped.push(reason); };
  Object.assign(console, { log: mute, warn: mute, info: mute });
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', trap);
  return {
    restore: () => {
      Object.assign(console, { log: saved.log, warn: saved.warn, info: saved.info });
      process.stdout.write = saved.write;
      process.off('unhandledRejection', trap);
      for (const l of listeners) process.on('unhandledRejection', l);
    },
  };
}

/** Findings as text: signature, the minimal repro indented under it. */
export function report(findings: readonly Finding[]): string {
  return findings.map((f, i) => `${i + 1}. ${f.signature}\n${f.repro.replace(/^/gm, '     ')}`).join('\n\n');
}

