// The threads column of the benches (issue 14): neurasm on one thread, as every stored result before it, and on
// every core, measured in the same rows and interleaved like any two contenders. Sets thread counts; times nothing.
import os from 'node:os';
import { setThreads } from '../src/index.js';
import { THRESHOLDS, threadsForTest } from '../src/threads.js';
import { formatRatio, type Contender, type Extra, type RowResult, type Unit } from './harness.js';

/** The neurasm column every stored result has: one thread. */
export const NEURASM = 'neurasm';
/** What a Node user gets by default: every core this machine offers. */
export const THREADS = os.availableParallelism();
/** The column of neurasm on `THREADS` threads. */
export const NEURASM_THREADS = `neurasm ${THREADS} threads`;
/** The extra column: one-thread median ÷ `THREADS`-thread median (> 1: the threads are faster). */
export const SPEED_UP = `${THREADS}t speed-up`;

/**
 * Sets the thread count and fails loudly if it did not take: a pool that fell back to one thread would make the
 * threads column a second one-thread column.
 */
export async function useThreads(n: number): Promise<void> {
  const running = await setThreads(n);
  if (running !== n) throw new Error(`bench: setThreads(${n}) runs ${running} thread(s)`);
}

/**
 * neurasm's two contenders in a row: `run` on one thread and on `THREADS`, alternated by the harness's rounds. The
 * pool stays up for both: the one-thread side raises the split thresholds out of reach, so every call takes the
 * path a one-thread call takes (the kernel called directly) while the other threads sleep; restarting the pool
 * between samples would time threads whose JavaScript V8 has not optimised yet, and a stopping pool's teardown.
 * Both columns run the same code, so a row that does not split times the same code twice: `single`, when given,
 * is `run` recording its result under the one-thread column's name.
 */
export function neurasmContenders(run: () => unknown, single: () => unknown = run): Contender[] {
  return [
    { name: NEURASM, before: oneThread, run: single },
    { name: NEURASM_THREADS, before: allThreads, run },
  ];
}

/** From now on every call runs on the calling thread (the pool sleeps). */
export function oneThread(): void {
  threadsForTest({ thresholds: { work: Infinity, elements: Infinity } });
}

/** From now on calls are split as a user's are (the default thresholds). */
export function allThreads(): void {
  threadsForTest({ thresholds: THRESHOLDS });
}

/** One-thread median ÷ `THREADS`-thread median of a row, when both ran. */
export function speedUp(row: RowResult): number | undefined {
  const one = row.timings[NEURASM], many = row.timings[NEURASM_THREADS];
  return one && many ? one.medianMs / many.medianMs : undefined;
}

/** The extra columns: neurasm's `THREADS`-thread figure in the report's unit, and the speed-up. */
export function threadColumns(unit: Unit): Extra[] {
  return [
    { label: NEURASM_THREADS, value: (r) => { const t = r.timings[NEURASM_THREADS]; return t ? unit.figure(t.medianMs, r.work) : undefined; } },
    { label: SPEED_UP, value: speedUp, format: formatRatio },
  ];
}

/** The aims for the threads column, for `Report.target`: the speed-up a row must reach, labelled. */
export function threadTarget(row: RowResult, required: number): [string, number | undefined, number] {
  return [`issue 14: ${row.case}: ${THREADS} threads × 1 thread`, speedUp(row), required];
}

/**
 * The paired rounds' ratios (one-thread sample ÷ `THREADS`-thread sample of the same round, so drift over the row
 * cancels), their median, and a distribution-free interval for that median: the order statistics k and n + 1 − k,
 * with k the largest for which P(Binomial(n, ½) < k) ≤ 2.5% (a 95% interval), or k = 1 (the smallest and largest
 * ratio) when there are too few rounds for that (5 rounds: 94%). `confidence` is the interval's own.
 */
export function pairedSpeedUp(row: RowResult): { median: number; low: number; high: number; rounds: number; confidence: number } | undefined {
  const one = row.timings[NEURASM]?.samplesMs, many = row.timings[NEURASM_THREADS]?.samplesMs;
  if (!one || !many) return undefined;
  const n = Math.min(one.length, many.length);
  if (n === 0) return undefined;
  const ratios = Array.from({ length: n }, (_, i) => one[i]! / many[i]!).sort((a, b) => a - b);
  let k = 0, below = 0; // below: P(X < k) for X ~ Binomial(n, ½)
  for (let term = 0.5 ** n; below + term <= 0.025; k++) { below += term; term = term * (n - k) / (k + 1); }
  if (k === 0) { k = 1; below = 0.5 ** n; }
  const median = n % 2 ? ratios[(n - 1) / 2]! : (ratios[n / 2 - 1]! + ratios[n / 2]!) / 2;
  return { median, low: ratios[k - 1]!, high: ratios[n - k]!, rounds: n, confidence: 1 - 2 * below };
}

/**
 * "No row slower than single-thread", for `Report.target`: a row misses it when the rounds show the threads column
 * slower, i.e. when the interval of the paired ratios' median (`pairedSpeedUp`) lies below 1. Rows that stay on the
 * calling thread run the same call in both columns; their medians land on either side of 1 by the machine's noise
 * (0.99 or 1.01 from the same code), which a comparison of two medians would read as a result.
 */
export function notSlowerTarget(row: RowResult): [string, number | undefined, number] {
  const paired = pairedSpeedUp(row);
  const detail = paired ? `median of ${paired.rounds} paired rounds ${paired.median.toFixed(3)}, ${Math.floor(paired.confidence * 100)}% interval ${paired.low.toFixed(3)}–${paired.high.toFixed(3)}` : 'not run';
  return [`issue 14: ${row.case}: ${THREADS} threads not slower than 1 (${detail}; upper bound)`, paired?.high, 1];
}
