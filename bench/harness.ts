// The one measuring and reporting harness of every bench: warm-up, interleaved timed samples, medians, the
// printed table with ratios, target checks, and bench/results/<name>.json. It knows no library: a contender
// is a name and a function. Speed is reported here, never asserted (a missed target prints, it does not throw).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/** One side of a comparison: `run` does one unit of work (a returned promise is awaited). */
export interface Contender {
  name: string;
  run: () => unknown;
  /** Untimed, before each warm-up and each sample: e.g. switch TensorFlow.js to this contender's backend. */
  before?: () => unknown;
  /** If one warm-up run takes longer than this, the contender is skipped for the row (reported as such). */
  maxRunMs?: number;
  /** Caps this contender's timed samples (a slow peer), while the others go on to `minRuns`. */
  maxRuns?: number;
  /**
   * What one run does when it differs from the row's `work` (a slow peer timed on fewer batches): its time is
   * scaled to the row's work (linearly) for the figure and the ratio.
   */
  work?: number;
  /**
   * A peer that may lack what the row needs (e.g. a kernel): an error thrown by its first run is reported in the
   * row as 'cannot' with the message, instead of ending the bench. Never set for neurasm.
   */
  mayFail?: boolean;
}

export interface MeasureOptions {
  /** Run each contender for at least this long before timing (V8 first runs wasm on its baseline compiler). */
  warmupMs?: number;
  /** Timed samples per contender, at least. */
  minRuns?: number;
  /** Timed samples per contender, at most. */
  maxRuns?: number;
  /** Keep taking rounds of samples until the row has used this much time (and `minRuns` is reached). */
  minTimeMs?: number;
  /** A fast call is repeated inside one sample until the sample lasts about this long (timer resolution). */
  sampleMs?: number;
}

const DEFAULTS: Required<MeasureOptions> = { warmupMs: 400, minRuns: 7, maxRuns: 60, minTimeMs: 1500, sampleMs: 20 };

/** The timing of one contender in one row; times are per call of `run`. */
export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Calls of `run` per timed sample. */
  iterations: number;
  samplesMs: number[];
}

/** Frees garbage now so that it is not collected inside a timed sample; needs `node --expose-gc`. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('bench: run node with --expose-gc (npm run bench does)');
  gc();
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Times `iterations` calls; awaits only when `run` returned a promise, so sync work pays no microtask turn. */
async function sample(run: () => unknown, iterations: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const r = run();
    if (isThenable(r)) await r;
  }
  return (performance.now() - t0) / iterations;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Warms every contender, then takes samples in rounds, A B C A B C …, so that drift (thermal, other
 * processes, a GC) hits all of them alike. Returns each contender's timing, or null when it was skipped.
 */
export async function interleave(contenders: Contender[], options: MeasureOptions = {}): Promise<Array<Timing | null>> {
  return (await interleaveWithErrors(contenders, options)).timings;
}

/** `interleave`, and the message of each `mayFail` contender whose first run threw (its timing is null). */
async function interleaveWithErrors(contenders: Contender[], options: MeasureOptions): Promise<{ timings: Array<Timing | null>; errors: Array<string | null> }> {
  const o = { ...DEFAULTS, ...options };
  // NOTE: collect garbage once, before the warm-up, never between samples: a forced full GC shrinks V8's young
  // generation, and an allocation-heavy contender (TF.js) then ran 2× slower for the next tens of milliseconds.
  collectGarbage();
  const iterations: Array<number | null> = [];
  const errors: Array<string | null> = contenders.map(() => null);
  for (const [i, c] of contenders.entries()) {
    await c.before?.();
    const start = performance.now();
    let first: number;
    try {
      first = await sample(c.run, 1);
    } catch (e) {
      if (!c.mayFail) throw e;
      errors[i] = e instanceof Error ? e.message : String(e);
      iterations.push(null);
      continue;
    }
    if (c.maxRunMs !== undefined && first > c.maxRunMs) { iterations.push(null); continue; }
    // Estimate the per-call time from the end of the warm-up, when the optimised code runs: the median of its last
    // calls, not the last call alone (one call that met a collection or a descheduled core had made a 20 µs predict
    // look like 0.5 ms, and its samples 2 calls each, timing a cold start every time).
    const recent = [first];
    while (performance.now() - start < o.warmupMs) {
      recent.push(await sample(c.run, 1));
      if (recent.length > 25) recent.shift();
    }
    iterations.push(Math.max(1, Math.min(1e6, Math.round(o.sampleMs / Math.max(median(recent), 1e-6)))));
  }
  const samples: number[][] = contenders.map(() => []);
  const wanted = contenders.map((c) => Math.min(o.minRuns, c.maxRuns ?? Infinity));
  const cap = contenders.map((c) => Math.min(o.maxRuns, c.maxRuns ?? Infinity));
  const start = performance.now();
  for (let round = 0; ; round++) {
    const short = contenders.some((_, i) => iterations[i] !== null && samples[i]!.length < wanted[i]!);
    if (!short && (performance.now() - start >= o.minTimeMs || round >= o.maxRuns)) break;
    let ran = false;
    // Each round starts one contender later, so none always runs first (after the others' garbage, say) or last.
    for (let j = 0; j < contenders.length; j++) {
      const i = (j + round) % contenders.length;
      const n = iterations[i];
      if (n === null || n === undefined || samples[i]!.length >= cap[i]!) continue;
      await contenders[i]!.before?.();
      samples[i]!.push(await sample(contenders[i]!.run, n));
      ran = true;
    }
    if (!ran) break;
  }
  const timings = contenders.map((_, i) => {
    const n = iterations[i];
    if (n === null || n === undefined) return null;
    const s = samples[i]!;
    return { medianMs: median(s), minMs: Math.min(...s), maxMs: Math.max(...s), iterations: n, samplesMs: s };
  });
  return { timings, errors };
}

/** The median time of one call of `fn`, after warm-up. */
export async function measure(fn: () => unknown, options: MeasureOptions = {}): Promise<Timing> {
  const [t] = await interleave([{ name: 'fn', run: fn }], options);
  return t!;
}

// ─── Where and with what the figures were measured ───

const ROOT = new URL('../', import.meta.url); // bench/ and .bench-out/ are both one level below the root

function versionOf(packageJson: URL): string {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The machine, Node and the versions of every library raced. */
export function environment(): Record<string, unknown> {
  const cpus = os.cpus();
  const pkg = (name: string) => versionOf(new URL(`node_modules/${name}/package.json`, ROOT));
  return {
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryBytes: os.totalmem(), os: `${os.platform()} ${os.release()}`, arch: os.arch() },
    node: process.version,
    v8: process.versions.v8,
    versions: {
      neurasm: versionOf(new URL('package.json', ROOT)),
      '@tensorflow/tfjs': pkg('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': pkg('@tensorflow/tfjs-backend-wasm'),
      '@jax-js/jax': pkg('@jax-js/jax'),
      'onnxruntime-web': pkg('onnxruntime-web'),
    },
  };
}

function environmentLine(env: Record<string, unknown>): string {
  const m = env.machine as { cpu: string; cores: number; memoryBytes: number };
  const v = env.versions as Record<string, string>;
  return `${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB; Node ${env.node as string}; ` +
    Object.entries(v).map(([k, ver]) => `${k} ${ver}`).join(', ');
}

/** Prints a bench's title, the machine and versions, and what a run is. */
export function printHeading(title: string, about: readonly string[] = []): void {
  console.log(`\n${title}`);
  console.log(environmentLine(environment()));
  for (const line of about) console.log(line);
}

/** Writes bench/results/<name>.json: the environment, a timestamp and the bench's own data. */
export function writeResults(name: string, data: Record<string, unknown>): string {
  const dir = new URL('bench/results/', ROOT);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  writeFileSync(file, JSON.stringify({ bench: name, timestamp: new Date().toISOString(), ...environment(), ...data }, null, 2) + '\n');
  return file.pathname;
}

// ─── Printing ───

/** A figure with about three significant digits: 39,512 · 43.2 · 5.81 · 0.0392. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

export function formatRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toFixed(3)}×`;
}

/** Prints rows under a header, the first column left-aligned and the others right-aligned. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// ─── A bench's report: rows of contenders, ratios against neurasm, targets ───

/** How a median time becomes the figure a row shows: `work` is what one run does (flops, samples, …). */
export interface Unit {
  label: string;
  figure: (medianMs: number, work: number) => number;
}

export const GFLOPS: Unit = { label: 'GFLOP/s', figure: (ms, flops) => flops / ms / 1e6 };
export const SAMPLES_PER_S: Unit = { label: 'samples/s', figure: (ms, samples) => (samples * 1000) / ms };
export const MILLISECONDS: Unit = { label: 'ms', figure: (ms) => ms };

/** An extra column computed from a row's result, e.g. '% of peak'. */
export interface Extra {
  label: string;
  value: (row: RowResult) => number | undefined;
  format?: (v: number) => string;
}

export interface RowResult {
  case: string;
  work: number;
  timings: Record<string, Timing | null>;
  /** What one run of each contender did, where it differs from `work`. */
  workOf: Record<string, number>;
  figures: Record<string, number | null>;
  /** Speed-up of neurasm over each peer: peer median time / neurasm median time (> 1: neurasm is faster). */
  ratios: Record<string, number | null>;
  extras: Record<string, number | null>;
  notes: string[];
  /** Contenders that could not run the row (`mayFail`), with the error they threw. */
  errors: Record<string, string>;
}

export interface ReportOptions {
  title: string;
  unit: Unit;
  /** Column order; the first is the one the ratios are taken for (neurasm). */
  contenders: string[];
  extras?: Extra[];
  /** Printed under the title: what a run is, what is and is not timed. */
  about?: string[];
  /** The issue whose goals the targets are (3 unless told). */
  issue?: number;
}

/** A figure checked against the issue's goal: `value ≥ required`, or `value ≤ required` when `atMost`. */
export interface TargetResult { label: string; value: number | null; required: number; atMost: boolean; met: boolean; miss: number | null }

/** Checks a figure; `miss` is how far it is from the goal, as a fraction of the goal (0.05: missed by 5%). */
export function checkTarget(label: string, value: number | null | undefined, required: number, atMost = false): TargetResult {
  const v = value ?? null;
  const met = v !== null && (atMost ? v <= required : v >= required);
  const miss = v === null || met ? null : atMost ? v / required - 1 : 1 - v / required;
  return { label, value: v, required, atMost, met, miss };
}

/** Prints the targets of a bench: met, or MISSED with the shortfall. */
export function printTargets(targets: readonly TargetResult[], issue: number | string = 3): void {
  if (targets.length === 0) return;
  console.log(`\ntargets (${typeof issue === 'number' ? `issue ${issue}` : issue}):`);
  for (const t of targets) {
    const got = t.value === null ? 'not measured' : formatNumber(t.value);
    const miss = t.miss === null ? '' : ` — missed by ${(t.miss * 100).toFixed(0)}%`;
    console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.label}: ${got} (needs ${t.atMost ? '≤' : '≥'} ${formatNumber(t.required)})${miss}`);
  }
}

/**
 * Collects a bench's rows. `row()` measures the contenders interleaved and prints the row at once (a slow
 * bench shows progress); `target()` checks a figure against the issue's goal; `finish()` prints the targets
 * and writes the JSON.
 */
export class Report {
  private readonly rows: RowResult[] = [];
  private readonly targets: TargetResult[] = [];
  private readonly widths: number[];
  private readonly header: string[];

  constructor(private readonly name: string, private readonly options: ReportOptions) {
    const [base, ...peers] = options.contenders;
    this.header = ['case', ...options.contenders, ...(options.extras ?? []).map((e) => e.label), ...peers.map((p) => `${base}/${p}`)];
    this.widths = this.header.map((h, i) => (i === 0 ? Math.max(h.length, 28) : Math.max(h.length, 9)));
    printHeading(options.title, options.about);
    console.log(`figures in ${options.unit.label}, medians of interleaved runs; ${base}/peer = peer time ÷ ${base} time (> 1: ${base} is faster)\n`);
    this.printCells(this.header);
    console.log(this.widths.map((w) => '─'.repeat(w)).join('  '));
  }

  private printCells(cells: string[]): void {
    console.log(cells.map((c, i) => (i === 0 ? c.padEnd(this.widths[i]!) : c.padStart(this.widths[i]!))).join('  '));
  }

  /** Measures one row: `work` is what one run of each contender does, in the unit's terms. */
  async row(label: string, work: number, contenders: Contender[], options: MeasureOptions = {}): Promise<RowResult> {
    const { timings, errors: thrown } = await interleaveWithErrors(contenders, options);
    const byName: Record<string, Timing | null> = {};
    const workOf: Record<string, number> = {};
    const errors: Record<string, string> = {};
    contenders.forEach((c, i) => {
      byName[c.name] = timings[i]!;
      if (c.work !== undefined) workOf[c.name] = c.work;
      if (thrown[i]) errors[c.name] = thrown[i]!;
    });
    const [base, ...peers] = this.options.contenders;
    // A contender's median time scaled to the row's work, so that a peer timed on less work compares fairly.
    const rowMs = (name: string) => { const t = byName[name]; return t ? (t.medianMs * work) / (workOf[name] ?? work) : undefined; };
    const figures: Record<string, number | null> = {};
    for (const name of this.options.contenders) {
      const ms = rowMs(name);
      figures[name] = ms !== undefined ? this.options.unit.figure(ms, work) : null;
    }
    const baseMs = rowMs(base!);
    const ratios: Record<string, number | null> = {};
    for (const p of peers) {
      const ms = rowMs(p);
      ratios[p] = ms !== undefined && baseMs ? ms / baseMs : null;
    }
    const notes = contenders.map((c, i) => (timings[i] !== null ? null : errors[c.name] ? `${c.name} cannot run: ${errors[c.name]}` : `${c.name} skipped: one run took longer than ${c.maxRunMs} ms`))
      .filter((n): n is string => n !== null);
    const result: RowResult = { case: label, work, timings: byName, workOf, figures, ratios, extras: {}, notes, errors };
    for (const e of this.options.extras ?? []) result.extras[e.label] = e.value(result) ?? null;
    this.rows.push(result);
    const cell = (v: number | null | undefined, f: (x: number) => string = formatNumber) => (v === null || v === undefined ? '—' : f(v));
    this.printCells([
      label,
      ...this.options.contenders.map((n) => (errors[n] ? 'cannot' : n in byName ? cell(figures[n]) : '—')),
      ...(this.options.extras ?? []).map((e) => cell(result.extras[e.label], e.format)),
      ...peers.map((p) => cell(ratios[p], formatRatio)),
    ]);
    for (const n of notes) console.log(`  (${n})`);
    return result;
  }

  /** Checks a figure against the issue's goal (see `checkTarget`); printed by `finish`. */
  target(label: string, value: number | null | undefined, required: number, atMost = false): void {
    this.targets.push(checkTarget(label, value, required, atMost));
  }

  /** Prints the targets and returns the report's data, for a bench that writes several reports into one file. */
  end(): Record<string, unknown> {
    printTargets(this.targets, this.options.issue);
    return {
      title: this.options.title, unit: this.options.unit.label, contenders: this.options.contenders, about: this.options.about ?? [],
      rows: this.rows, targets: this.targets,
    };
  }

  /** Prints the targets, writes bench/results/<name>.json, returns the rows. */
  finish(extra: Record<string, unknown> = {}): RowResult[] {
    const file = writeResults(this.name, { ...this.end(), ...extra });
    console.log(`\nwrote ${file}`);
    return this.rows;
  }
}
