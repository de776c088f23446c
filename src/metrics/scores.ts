// Keras's F-scores and R²: per-class sums kept in the state, combined at the end.
import { kernels as k } from '../backend.js';
import { integer, number, oneOf, readOptions } from '../arguments.js';
import { EPSILON, Metric, readState } from './metric.js';
import type { MetricOptions } from './mean.js';

// ─── F-scores and R² ───

/** Options of FBetaScore (and F1Score, whose beta is 1). */
export interface FBetaScoreOptions extends MetricOptions {
  /** null (default): one score per class; 'micro', 'macro' or 'weighted' average them. */
  average?: 'micro' | 'macro' | 'weighted' | null;
  /** Weight of recall against precision (default 1). */
  beta?: number;
  /** A score above it predicts the class; null (default): each row's highest score does. */
  threshold?: number | null;
}

/** Keras's `FBetaScore`: (1 + β²)·P·R / (β²·P + R) per class, from counts kept per class. */
export class FBetaScore extends Metric {
  readonly className: string = 'FBetaScore';
  /** @internal */
  override readonly rises: boolean = true;
  readonly average: 'micro' | 'macro' | 'weighted' | null;
  readonly beta: number;
  readonly threshold: number | null;
  override readonly perClass: boolean;

  constructor(options?: FBetaScoreOptions | null, where = 'FBetaScore()', defaultName = 'fbeta_score', keys: ReadonlyArray<keyof FBetaScoreOptions & string> = ['name', 'average', 'beta', 'threshold']) {
    const o = readOptions(options, keys, where);
    super(o.name, defaultName, where);
    this.average = o.average === undefined ? null : oneOf(o.average, ['micro', 'macro', 'weighted'] as const, 'average', where);
    this.beta = o.beta === undefined ? 1 : number(o.beta, 'beta', where, { above: 0 });
    this.threshold = o.threshold === undefined ? null : number(o.threshold, 'threshold', where, { above: 0, max: 1 });
    this.perClass = this.average === null;
  }

  protected override options(): Record<string, unknown> {
    return { beta: this.beta, average: this.average, threshold: this.threshold };
  }

  /** @internal */
  stateSize(cols: number): number {
    return 4 * cols;
  }

  /** @internal */
  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number): void {
    k.fScoreUpdate(state, pred, target, weights, rows, cols, this.threshold ?? -1);
  }

  protected compute(state: number, cols: number): number | number[] {
    const s = readState(state, 4 * cols);
    const b2 = this.beta * this.beta;
    const score = (tp: number, fp: number, fn: number) => {
      const precision = tp / (tp + fp + EPSILON);
      const recall = tp / (tp + fn + EPSILON);
      return ((precision * recall) / (b2 * precision + recall + EPSILON)) * (1 + b2);
    };
    if (this.average === 'micro') {
      let tp = 0, fp = 0, fn = 0;
      for (let j = 0; j < cols; j++) { tp += s[j]!; fp += s[cols + j]!; fn += s[2 * cols + j]!; }
      return score(tp, fp, fn);
    }
    const scores = Array.from({ length: cols }, (_, j) => score(s[j]!, s[cols + j]!, s[2 * cols + j]!));
    if (this.average === null) return scores;
    if (this.average === 'macro') return scores.reduce((a, b) => a + b, 0) / cols;
    let total = 0;
    for (let j = 0; j < cols; j++) total += s[3 * cols + j]!;
    return scores.reduce((a, v, j) => a + v * (s[3 * cols + j]! / (total + EPSILON)), 0);
  }
}

/** Keras's `F1Score`: FBetaScore with β = 1. */
export class F1Score extends FBetaScore {
  override readonly className: string = 'F1Score';
  constructor(options?: Omit<FBetaScoreOptions, 'beta'> | null) {
    super(options, 'F1Score()', 'f1_score', ['name', 'average', 'threshold']);
  }
  protected override options(): Record<string, unknown> {
    return { average: this.average, threshold: this.threshold };
  }
}

/** Options of R2Score. */
export interface R2ScoreOptions extends MetricOptions {
  /** 'uniform_average' (default), 'variance_weighted_average', or null for one score per column. */
  classAggregation?: 'uniform_average' | 'variance_weighted_average' | null;
  /** Regressors for the adjusted R² (default 0: plain R²). */
  numRegressors?: number;
}

/** Keras's `R2Score`: 1 − Σw(t − p)² / Σw(t − t̄)² per column, aggregated; adjusted when numRegressors > 0. */
export class R2Score extends Metric {
  readonly className: string = 'R2Score';
  /** @internal */
  override readonly rises: boolean = true;
  readonly classAggregation: 'uniform_average' | 'variance_weighted_average' | null;
  readonly numRegressors: number;
  override readonly perClass: boolean;

  constructor(options?: R2ScoreOptions | null) {
    const where = 'R2Score()';
    const o = readOptions(options, ['name', 'classAggregation', 'numRegressors'], where);
    super(o.name, 'r2_score', where);
    const given = options !== undefined && options !== null && Object.hasOwn(options, 'classAggregation') && options.classAggregation === null;
    this.classAggregation = given ? null : oneOf(o.classAggregation ?? 'uniform_average', ['uniform_average', 'variance_weighted_average'] as const, 'classAggregation', where);
    this.numRegressors = o.numRegressors === undefined ? 0 : integer(o.numRegressors, 'numRegressors', where, 0);
    this.perClass = this.classAggregation === null;
  }

  protected override options(): Record<string, unknown> {
    return { class_aggregation: this.classAggregation, num_regressors: this.numRegressors };
  }

  /** @internal */
  stateSize(cols: number): number {
    return 4 * cols + 1;
  }

  /** @internal */
  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number): void {
    k.r2Update(state, pred, target, weights, rows, cols);
  }

  protected compute(state: number, cols: number): number | number[] {
    const s = readState(state, 4 * cols + 1);
    const totals: number[] = [];
    const raw = Array.from({ length: cols }, (_, j) => {
      const sum = s[j]!;
      const mean = sum / s[3 * cols + j]!;
      const total = s[cols + j]! - sum * mean;
      totals.push(total);
      const r = 1 - s[2 * cols + j]! / total;
      return r === Infinity || r === -Infinity ? 0 : r;
    });
    if (this.classAggregation === null) return raw;
    let r2 = this.classAggregation === 'uniform_average'
      ? raw.reduce((a, b) => a + b, 0) / cols
      : raw.reduce((a, v, j) => a + totals[j]! * v, 0) / totals.reduce((a, b) => a + b, 0);
    const n = s[4 * cols]!;
    const p = this.numRegressors;
    // Keras warns and keeps the plain R² when there are too few samples for the adjusted one.
    if (p !== 0 && p < n - 1) r2 = 1 - ((1 - r2) * (n - 1)) / (n - p - 1);
    return r2;
  }
}

