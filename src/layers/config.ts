// Layer settings in Keras's JSON (what `get_config()` writes and TensorFlow.js saves), both ways: the names
// TensorFlow.js gives initialisers, regularizers and activations, and a checked reader of a saved config that
// each layer kind uses to rebuild itself. Nothing here allocates memory.
import { initializerKey, type Initializer, type InitializerConfig } from '../initializers.js';
import { activationKey, type ActivationName } from '../activations.js';
import { ValueError, describe } from '../errors.js';
import { CONSTRAINT_OPTIONS, type Regularizer } from './layer.js';
import { resolveConstraint, type Constraint } from '../constraints.js';

type Json = Record<string, unknown>;

/** Activation names as Keras and TensorFlow.js serialise them. */
// Keras's saved names where they differ from the table key. hard_sigmoid is Keras 3's relu6(x + 3)/6, not TF.js's
// 'hardSigmoid' (0.2x + 0.5). NOTE: TF.js turns the saved 'hard_sigmoid' into its 'hardSigmoid' when it loads a file,
// and computes its own function: save() warns.
const ACTIVATION_NAMES: Record<string, string> = {
  leakyRelu: 'leaky_relu', hardSigmoid: 'hard_sigmoid', hardSwish: 'hard_silu', logSigmoid: 'log_sigmoid',
  logSoftmax: 'log_softmax', geluApproximate: 'gelu_new',
};

/** An activation as saved. */
export function activationConfig(a: ActivationName): string {
  return ACTIVATION_NAMES[a] ?? a;
}

/** An initialiser as saved: `{ class_name, config }` with Keras's `get_config()` keys. */
export function initializerConfig(i: Initializer): InitializerConfig {
  return { class_name: i.className, config: i.getConfig() };
}

/** A regularizer as saved (null for none). */
export function regularizerConfig(r: Required<Regularizer> | undefined): { class_name: string; config: { l1: number; l2: number } } | null {
  return r ? { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : null;
}

/** Whether `v` is a plain JSON object. */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function regularizerOf(v: unknown, where: string): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || typeof v.class_name !== 'string') throw new ValueError(`${where}: a regularizer must be { class_name, config }, got ${describe(v)}`);
  const config = isObject(v.config) ? v.config : {};
  const num = (k: string) => {
    const x = config[k] ?? 0;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new ValueError(`${where}: regularizer ${k} must be a non-negative number, got ${describe(x)}`);
    return x;
  };
  if (!['L1L2', 'L1', 'L2'].includes(v.class_name)) throw new ValueError(`${where}: unknown regularizer ${describe(v.class_name)}; expected L1L2, L1 or L2`);
  return { l1: num('l1'), l2: num('l2') };
}

/**
 * A saved layer config, read key by key with checks: each getter names the key and what it should be in its
 * error, and a missing (or null) key takes the given default, Keras's, or is an error when there is none.
 * The values it returns still go through the layer's own constructor checks.
 */
export class ConfigReader {
  constructor(readonly config: Json, readonly where: string) {}

  private value<T>(key: string, fallback: T | undefined, what: string): unknown {
    const v = this.config[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw new ValueError(`${this.where}: missing '${key}' (${what})`);
    }
    return v;
  }

  private fail(key: string, what: string, v: unknown): never {
    throw new ValueError(`${this.where}: '${key}' must be ${what}, got ${describe(v)}`);
  }

  /** A positive integer. */
  int(key: string, fallback?: number): number {
    const v = this.value(key, fallback, 'a positive integer');
    if (!Number.isSafeInteger(v) || (v as number) < 1) this.fail(key, 'a positive integer', v);
    return v as number;
  }

  /** A finite number. */
  number(key: string, fallback?: number): number {
    const v = this.value(key, fallback, 'a number');
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a number', v);
    return v;
  }

  /** true or false. */
  bool(key: string, fallback?: boolean): boolean {
    const v = this.value(key, fallback, 'true or false');
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  /** A non-empty string. */
  string(key: string, fallback?: string): string {
    const v = this.value(key, fallback, 'a string');
    if (typeof v !== 'string' || v.length === 0) this.fail(key, 'a non-empty string', v);
    return v;
  }

  /** One of the given strings. */
  oneOf<T extends string>(key: string, values: readonly T[], fallback?: T): T {
    const v = this.value(key, fallback, values.join(' or '));
    if (!values.includes(v as T)) this.fail(key, values.map((s) => `'${s}'`).join(' or '), v);
    return v as T;
  }

  /** A list of integers. */
  ints(key: string, fallback?: number[]): number[] {
    const v = this.value(key, fallback, 'a list of integers');
    if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d))) this.fail(key, 'a list of integers', v);
    return v as number[];
  }

  /** A size per spatial axis: a list of integers, or one integer for every axis (as some files write it). */
  sizes(key: string, fallback?: number | number[]): number | number[] {
    const v = this.value(key, fallback, 'an integer or a list of integers');
    if (Number.isSafeInteger(v)) return v as number;
    if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d))) this.fail(key, 'an integer or a list of integers', v);
    return v as number[];
  }

  /** An activation name (default linear). */
  activation(key = 'activation'): ActivationName {
    const name = this.string(key, 'linear');
    // TF.js saves its own hard sigmoid (0.2x + 0.5) as 'hardSigmoid'; neurasm's is Keras 3's: refuse, not misread.
    if (name === 'hardSigmoid') throw new ValueError(`${this.where}: activation 'hardSigmoid' is TensorFlow.js's 0.2x + 0.5, which neurasm does not have; neurasm's 'hard_sigmoid' is Keras 3's relu6(x + 3)/6`);
    return activationKey(name, this.where);
  }

  /**
   * An initialiser, if given: a name or `{ class_name, config }` as Keras and TensorFlow.js save it (TF.js writes
   * GlorotNormal and the other presets as VarianceScaling with its parameters; those load as VarianceScaling).
   */
  initializer(key: string): Initializer | undefined {
    const v = this.config[key];
    return v === undefined || v === null ? undefined : initializerKey(v, `${this.where}: ${key}`);
  }

  /** A regularizer, if given. */
  regularizer(key: string): Regularizer | undefined {
    return regularizerOf(this.config[key], `${this.where}: ${key}`);
  }

  /** The saved activity regularizer and weight constraints present (non-null), as layer options. */
  weightOptions(): { activityRegularizer?: Regularizer; kernelConstraint?: Constraint; biasConstraint?: Constraint; depthwiseConstraint?: Constraint; pointwiseConstraint?: Constraint } {
    const out: Record<string, unknown> = {};
    const activity = this.regularizer('activity_regularizer');
    if (activity) out.activityRegularizer = activity;
    for (const [option, , key] of CONSTRAINT_OPTIONS) {
      const c = resolveConstraint(this.config[key], key, this.where);
      if (c) out[option] = c;
    }
    return out;
  }

  /** Refuses channels-first data: neurasm's images are channels-last, as Keras's default. */
  channelsLast(): void {
    const v = this.config.data_format;
    if (v !== undefined && v !== null && v !== 'channels_last') {
      throw new ValueError(`${this.where}: data_format ${describe(v)} is not supported; neurasm's images are channels-last ([height, width, channels])`);
    }
  }
}
