// Where splitting a call over the threads starts to pay (issue 14): matmul on square sizes and two elementwise
// kernels (adamStep, relu) on lengths 2^10 … 2^20, each split on every call against the same call left on the
// calling thread, interleaved; then the fixed cost of a split call. What src/threads.ts's MIN_WORK and
// MIN_ELEMENTS should be is read from the crossovers printed here.
import { arena } from '../src/arena.js';
import { kernels } from '../src/backend.js';
import { elementwise, parallel, threadStats, threadsForTest } from '../src/threads.js';
import { Report, formatNumber, type RowResult, type Unit } from './harness.js';
import { THREADS, useThreads } from './threads.js';

const MICROSECONDS: Unit = { label: 'µs', figure: (ms) => ms * 1000 };
const SPLIT = `${THREADS} threads`;
const ALONE = '1 thread';
const OPTIONS = { warmupMs: 200, minRuns: 15, maxRuns: 80, minTimeMs: 600, sampleMs: 5 };

// NOTE: both columns run with the pool started, so '1 thread' is the path parallel() takes below its threshold
// (the decision MIN_WORK makes), not setThreads(1)'s shorter one; the idle threads sleep in Atomics.wait meanwhile.
await useThreads(THREADS);
const split = () => threadsForTest({ thresholds: { work: 0, elements: 0 } });
const alone = () => threadsForTest({ thresholds: { work: Infinity, elements: Infinity } });
/** The pool's counters when the current row began: the split calls' parts that other threads took. */
let rowStart = threadStats();

const report = new Report('threads', {
  title: `threads — one call split over ${THREADS} threads against the same call on the calling thread`,
  unit: MICROSECONDS,
  contenders: [SPLIT, ALONE],
  issue: 14,
  extras: [
    { label: 'work', value: (r) => r.work, format: formatNumber },
    { label: 'parts elsewhere', value: () => { const s = threadStats(); return (s.partsElsewhere - rowStart.partsElsewhere) / (s.calls - rowStart.calls); }, format: (v) => v.toFixed(2) },
  ],
  about: [
    `'${SPLIT}': threadsForTest thresholds 0 (every call split, the calling thread taking parts too); '${ALONE}': thresholds ∞`,
    '(parallel() and elementwise() call the kernel whole), the pool running in both. work: multiply-adds of a matmul, elements',
    `of an elementwise kernel; parts elsewhere: of a split call's ${THREADS} parts, how many other threads took (mean over the row;`,
    `${THREADS - 1} when every thread joins every call, 0 when the calling thread does all). ${SPLIT}/${ALONE}: the speed-up of splitting.`,
  ],
});

const state = arena.alloc(16);
kernels.seedRandom(state, 7, 0);

/** Fresh buffers of `lengths` floats, uniform in [−1, 1]. */
function buffers(lengths: readonly number[]): number[] {
  return lengths.map((n) => {
    const p = arena.alloc(n * 4);
    kernels.randomUniform(p, n, state, -1, 1);
    return p;
  });
}

/** One row: `call` split and whole, interleaved. */
async function row(label: string, work: number, call: () => void): Promise<RowResult> {
  rowStart = threadStats();
  return report.row(label, work, [{ name: SPLIT, before: split, run: call }, { name: ALONE, before: alone, run: call }], OPTIONS);
}

/** C = A·B, m = k = n = `size`, through parallel() as Dense calls it. */
async function matmulRow(size: number): Promise<RowResult> {
  const [a, b, c] = buffers([size * size, size * size, size * size]);
  const r = await row(`matmul ${size}³`, size ** 3, () => parallel('matmul', c!, a!, b!, size, size, size, false));
  for (const p of [c!, b!, a!]) arena.release(p);
  return r;
}

/** One Adam step over `n` parameters (weights, two slots, gradients), as the optimizer calls it. */
async function adamRow(n: number): Promise<RowResult> {
  const [w, m, v, g] = buffers([n, n, n, n]);
  kernels.fill(m!, n, 0);
  kernels.fill(v!, n, 0);
  const r = await row(`adamStep 2^${Math.log2(n)}`, n, () => elementwise('adamStep', w!, m!, v!, g!, n, 0.001, 0.1, 0.001, 1e-7, 0));
  for (const p of [g!, v!, m!, w!]) arena.release(p);
  return r;
}

/** relu over `n` activations. */
async function reluRow(n: number): Promise<RowResult> {
  const [x, y] = buffers([n, n]);
  const r = await row(`relu 2^${Math.log2(n)}`, n, () => elementwise('relu', y!, x!, n));
  for (const p of [y!, x!]) arena.release(p);
  return r;
}

/** The speed-up of splitting a row: whole-call median ÷ split median. */
const speedUp = (r: RowResult) => r.ratios[ALONE] ?? NaN;

/** The smallest work from which every larger row of a family is faster split, or null. */
function crossover(rows: readonly RowResult[]): RowResult | null {
  let from: RowResult | null = null;
  for (let i = rows.length - 1; i >= 0 && speedUp(rows[i]!) > 1; i--) from = rows[i]!;
  return from;
}

const families: Record<string, RowResult[]> = { matmul: [], adamStep: [], relu: [] };
for (const size of [16, 32, 48, 64, 96, 128, 192, 256]) families.matmul!.push(await matmulRow(size));
const lengths = Array.from({ length: 11 }, (_, i) => 2 ** (10 + i));
for (const n of lengths) families.adamStep!.push(await adamRow(n));
for (const n of lengths) families.relu!.push(await reluRow(n));

// ─── The fixed cost of a split: calls with next to no work, split and whole ───
const overheadRows = [await matmulRow(4), await reluRow(64)];

console.log('\ncrossovers (medians; the smallest size from which every larger one is faster split):');
const crossovers: Record<string, { case: string | null; work: number | null; speedUp: number | null; below: { case: string; speedUp: number } | null }> = {};
for (const [name, rows] of Object.entries(families)) {
  const from = crossover(rows);
  const i = from ? rows.indexOf(from) : rows.length;
  const below = i > 0 ? rows[i - 1]! : null;
  crossovers[name] = { case: from?.case ?? null, work: from?.work ?? null, speedUp: from ? speedUp(from) : null, below: below ? { case: below.case, speedUp: speedUp(below) } : null };
  const unit = name === 'matmul' ? 'multiply-adds' : 'elements';
  console.log(from
    ? `  ${name}: from ${from.case} (${formatNumber(from.work)} ${unit}, ${speedUp(from).toFixed(2)}×)` +
      (below ? `; ${below.case} is ${speedUp(below).toFixed(2)}×` : '; already at the smallest size')
    : `  ${name}: never faster split up to ${rows.at(-1)!.case} (${speedUp(rows.at(-1)!).toFixed(2)}×)`);
}
const overhead = overheadRows.map((r) => ({ case: r.case, splitUs: r.timings[SPLIT]!.medianMs * 1000, wholeUs: r.timings[ALONE]!.medianMs * 1000 }));
console.log('\nthe cost of splitting a call with next to no work (split median − whole median):');
for (const o of overhead) console.log(`  ${o.case}: ${formatNumber(o.splitUs - o.wholeUs)} µs (${formatNumber(o.splitUs)} split, ${formatNumber(o.wholeUs)} whole)`);
report.finish({ threads: THREADS, crossovers, overhead });
