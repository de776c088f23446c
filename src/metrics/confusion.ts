// Keras's confusion-matrix metrics: Precision, Recall and AUC over counts of true and false positives.
import { kernels as k } from '../backend.js';
import { ValueError, describe } from '../errors.js';
import { boolean, integer, number, oneOf, readOptions } from '../arguments.js';
import { EPSILON, Metric, NEG_INF, readState } from './metric.js';
import type { MetricOptions } from './mean.js';

// ─── Confusion-matrix metrics ───

/** Whether thresholds are Keras's evenly spaced i/(n − 1) (at least 3, within 1e-7): the bucketed algorithm. */
function evenlySpaced(thresholds: readonly number[]): boolean {
  const n = thresholds.length;
  if (n < 3) return false;
  return thresholds.every((t, i) => Math.abs(t - Math.fround(i / (n - 1))) <= EPSILON + 1e-5 * Math.abs(Math.fround(i / (n - 1))));
}

/** Options of Precision and Recall. */
export interface PrecisionOptions extends MetricOptions {
  /** A threshold or list of them in [0, 1] (default 0.5, or none with `topK`): one value per threshold. */
  thresholds?: number | number[];
  /** Count only each row's k highest scores as positive. */
  topK?: number;
  /** Look at one column (class) only. */
  classId?: number;
}

/** Precision and Recall: tp/fp/tn/fn per threshold, by Keras's confusion-matrix update. */
abstract class ConfusionMetric extends Metric {
  /** @internal */
  override readonly rises: boolean = true;
  readonly thresholds: readonly number[];
  readonly topK: number | undefined;
  readonly classId: number | undefined;
  override readonly perClass: boolean;
  readonly #given: number | number[] | undefined;
  readonly #even: boolean;

  protected constructor(options: PrecisionOptions | null | undefined, defaultName: string, where: string) {
    const o = readOptions(options, ['name', 'thresholds', 'topK', 'classId'], where);
    super(o.name, defaultName, where);
    this.topK = o.topK === undefined ? undefined : integer(o.topK, 'topK', where, 1);
    this.classId = o.classId === undefined ? undefined : integer(o.classId, 'classId', where, 0);
    const given = o.thresholds;
    const list = given === undefined ? [this.topK === undefined ? 0.5 : NEG_INF] : Array.isArray(given) ? given : [given];
    if (given !== undefined) {
      if (list.length === 0) throw new ValueError(`${where}: thresholds must not be empty`);
      list.forEach((t, i) => number(t, `thresholds[${i}]`, where, { min: 0, max: 1 }));
    }
    this.#given = Array.isArray(given) ? [...given] : given;
    this.thresholds = Object.freeze([...list]);
    this.#even = evenlySpaced(list);
    this.perClass = list.length > 1;
  }

  override checkCols(cols: number, where: string): void {
    if (this.classId !== undefined && this.classId >= cols) throw new ValueError(`${where}: classId ${this.classId} is outside the ${cols} columns of the predictions`);
  }

  protected override options(): Record<string, unknown> {
    return { thresholds: this.#given ?? null, top_k: this.topK ?? null, class_id: this.classId ?? null };
  }

  /** @internal */
  stateSize(): number {
    return this.#even ? 2 * this.thresholds.length + 2 : 4 * this.thresholds.length;
  }

  /** @internal */
  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number): void {
    const classId = Math.min(this.classId ?? -1, 2 ** 31 - 1);
    const topK = Math.min(this.topK ?? 0, 2 ** 31 - 1);
    const n = this.thresholds.length;
    if (this.#even) { k.confusionBucketsUpdate(state, pred, target, weights, rows, cols, n, classId, topK, false, false); return; }
    for (let i = 0; i < n; i++) k.confusionUpdate(state + 32 * i, pred, target, weights, rows, cols, this.thresholds[i]!, classId, topK);
  }

  /** [tp, fp, tn, fn] at each threshold. */
  protected counts(state: number): [number, number, number, number][] {
    const n = this.thresholds.length;
    const s = readState(state, this.stateSize());
    if (!this.#even) return Array.from({ length: n }, (_, i) => [s[4 * i]!, s[4 * i + 1]!, s[4 * i + 2]!, s[4 * i + 3]!]);
    const pos = s[2 * n]!;
    const neg = s[2 * n + 1]!;
    const out: [number, number, number, number][] = new Array(n);
    let tp = 0;
    let fp = 0;
    for (let i = n - 1; i >= 0; i--) {
      tp += s[i]!;
      fp += s[n + i]!;
      out[i] = [tp, fp, neg - fp, pos - tp];
    }
    return out;
  }

  protected override emptyResult(): number | number[] {
    return this.perClass ? this.thresholds.map(() => 0) : 0;
  }
}

const divNoNan = (a: number, b: number) => (b === 0 ? 0 : a / b);

/**
 * Keras's `Precision`: tp / (tp + fp) at each threshold (0 when nothing was predicted positive). Unlike Keras, a
 * rank-1 `yPred` is one column of rows (Keras takes it as one row), which matters only for `topK`.
 */
export class Precision extends ConfusionMetric {
  readonly className: string = 'Precision';
  constructor(options?: PrecisionOptions | null) {
    super(options, 'precision', 'Precision()');
  }
  protected compute(state: number): number | number[] {
    const v = this.counts(state).map(([tp, fp]) => divNoNan(tp, tp + fp));
    return this.perClass ? v : v[0]!;
  }
}

/** Keras's `Recall`: tp / (tp + fn) at each threshold (0 when there were no positives). */
export class Recall extends ConfusionMetric {
  readonly className: string = 'Recall';
  constructor(options?: PrecisionOptions | null) {
    super(options, 'recall', 'Recall()');
  }
  protected compute(state: number): number | number[] {
    const v = this.counts(state).map(([tp, , , fn]) => divNoNan(tp, tp + fn));
    return this.perClass ? v : v[0]!;
  }
}

/** Options of AUC. */
export interface AUCOptions extends MetricOptions {
  /** Thresholds to discretise the curve with (default 200; more than 1). */
  numThresholds?: number;
  /** 'ROC' (default) or 'PR'. */
  curve?: 'ROC' | 'PR';
  /** 'interpolation' (default), 'minoring' or 'majoring'. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Inner thresholds in [0, 1] instead of `numThresholds` evenly spaced ones (must be evenly spaced here). */
  thresholds?: number[];
  /** One curve per column, averaged (default false: every value is one more example). */
  multiLabel?: boolean;
}

/**
 * Keras's `AUC`: the area under the ROC or PR curve by Keras's bucketed algorithm over evenly spaced thresholds
 * (−ε, 1/(n−1), …, 1+ε), PR interpolated as Davis & Goadrich; computed in float64 throughout.
 */
export class AUC extends Metric {
  readonly className: string = 'AUC';
  /** @internal */
  override readonly rises: boolean = true;
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'minoring' | 'majoring';
  readonly multiLabel: boolean;
  readonly #inner: number[] | undefined;

  constructor(options?: AUCOptions | null) {
    const where = 'AUC()';
    const o = readOptions(options, ['name', 'numThresholds', 'curve', 'summationMethod', 'thresholds', 'multiLabel'], where);
    super(o.name, 'auc', where);
    const curve = typeof o.curve === 'string' ? o.curve.toUpperCase() : o.curve;
    this.curve = oneOf(curve ?? 'ROC', ['ROC', 'PR'] as const, 'curve', where);
    const method = typeof o.summationMethod === 'string' ? o.summationMethod.toLowerCase() : o.summationMethod;
    this.summationMethod = oneOf(method ?? 'interpolation', ['interpolation', 'minoring', 'majoring'] as const, 'summationMethod', where);
    this.multiLabel = o.multiLabel === undefined ? false : boolean(o.multiLabel, 'multiLabel', where);
    if (o.thresholds !== undefined) {
      if (!Array.isArray(o.thresholds)) throw new ValueError(`${where}: thresholds must be an array of numbers in [0, 1], got ${describe(o.thresholds)}`);
      const inner = o.thresholds.map((t, i) => number(t, `thresholds[${i}]`, where, { min: 0, max: 1 })).sort((a, b) => a - b);
      if (!evenlySpaced([0, ...inner, 1])) {
        throw new ValueError(`${where}: thresholds must be evenly spaced between 0 and 1 (e.g. [0.25, 0.5, 0.75]); neurasm supports Keras's bucketed algorithm only`);
      }
      this.#inner = inner;
      this.numThresholds = inner.length + 2;
    } else {
      this.numThresholds = o.numThresholds === undefined ? 200 : integer(o.numThresholds, 'numThresholds', where, 2, 1 << 24);
    }
  }

  protected override options(): Record<string, unknown> {
    return {
      num_thresholds: this.numThresholds, curve: this.curve, summation_method: this.summationMethod, multi_label: this.multiLabel,
      num_labels: null, label_weights: null, from_logits: false, ...(this.#inner ? { thresholds: [...this.#inner] } : {}),
    };
  }

  /** @internal */
  stateSize(cols: number): number {
    return (2 * this.numThresholds + 2) * (this.multiLabel ? cols : 1);
  }

  /** @internal */
  update(state: number, pred: number, target: number, weights: number, rows: number, cols: number): void {
    k.confusionBucketsUpdate(state, pred, target, weights, rows, cols, this.numThresholds, -1, 0, this.multiLabel, true);
  }

  protected compute(state: number, cols: number): number {
    const curve = this.curve === 'ROC' ? 0 : 1;
    const method = this.summationMethod === 'interpolation' ? 0 : this.summationMethod === 'minoring' ? 1 : 2;
    return k.aucResult(state, this.numThresholds, this.multiLabel ? cols : 1, curve, method);
  }
}

