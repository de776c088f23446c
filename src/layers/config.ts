// Layer settings in Keras's JSON (what `get_config()` writes and TensorFlow.js saves), both ways: the names
// TensorFlow.js gives initialisers, regularizers and activations, and a checked reader of a saved config that
// each layer kind uses to rebuild itself. Nothing here allocates memory.
import { INITIALIZERS, type InitializerName } from '../initializers.js';
import { activationKey, type ActivationName } from '../activations.js';
import { camelCase } from '../names.js';
import { ValueError, describe } from '../errors.js';
import type { Regularizer } from './layer.js';

type Json = Record<string, unknown>;

/** How TensorFlow.js saves each initialiser. */
export const INITIALIZER_CLASSES: Record<InitializerName, { class_name: string; config: Record<string, number | null> }> = {
  glorotUniform: { class_name: 'GlorotUniform', config: { seed: null } },
  glorotNormal: { class_name: 'GlorotNormal', config: { seed: null } },
  heUniform: { class_name: 'HeUniform', config: { seed: null } },
  heNormal: { class_name: 'HeNormal', config: { seed: null } },
  lecunUniform: { class_name: 'LeCunUniform', config: { seed: null } },
  lecunNormal: { class_name: 'LeCunNormal', config: { seed: null } },
  randomNormal: { class_name: 'RandomNormal', config: { mean: 0, stddev: 0.05, seed: null } },
  randomUniform: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
  zeros: { class_name: 'Zeros', config: {} },
  ones: { class_name: 'Ones', config: {} },
};

/** Activation names as Keras and TensorFlow.js serialise them. */
const ACTIVATION_NAMES: Record<string, string> = { leakyRelu: 'leaky_relu' };

/** An activation as saved. */
export function activationConfig(a: ActivationName): string {
  return ACTIVATION_NAMES[a] ?? a;
}

/** An initialiser as saved. */
export function initializerConfig(i: InitializerName): { class_name: string; config: Record<string, number | null> } {
  return INITIALIZER_CLASSES[i];
}

/** A regularizer as saved (null for none). */
export function regularizerConfig(r: Required<Regularizer> | undefined): { class_name: string; config: { l1: number; l2: number } } | null {
  return r ? { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : null;
}

/** Whether `v` is a plain JSON object. */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// TensorFlow.js saves every variance-scaling initialiser (glorotNormal, its Dense default, among them) as
// VarianceScaling with its parameters: each combination neurasm has maps back to its name.
const VARIANCE_SCALING: Record<string, InitializerName> = {
  '1 fanAvg uniform': 'glorotUniform', '1 fanAvg normal': 'glorotNormal', '1 fanAvg truncatedNormal': 'glorotNormal',
  '2 fanIn uniform': 'heUniform', '2 fanIn normal': 'heNormal', '2 fanIn truncatedNormal': 'heNormal',
  '1 fanIn uniform': 'lecunUniform', '1 fanIn normal': 'lecunNormal', '1 fanIn truncatedNormal': 'lecunNormal',
};

function initializerOf(v: unknown, where: string): InitializerName | undefined {
  if (v === undefined || v === null) return undefined;
  const name = isObject(v) ? v.class_name : v;
  if (typeof name !== 'string') throw new ValueError(`${where}: an initializer must be a name or { class_name }, got ${describe(v)}`);
  if (name === 'VarianceScaling') {
    const c = isObject(v) && isObject(v.config) ? v.config : {};
    const key = `${c.scale ?? 1} ${camelCase(String(c.mode ?? 'fan_in'))} ${camelCase(String(c.distribution ?? 'truncated_normal'))}`;
    const found = VARIANCE_SCALING[key];
    if (!found) throw new ValueError(`${where}: VarianceScaling with scale, mode, distribution = ${key} has no neurasm initializer`);
    return found;
  }
  const key = Object.keys(INITIALIZERS).find((k) => k.toLowerCase() === camelCase(name).toLowerCase());
  if (!key) throw new ValueError(`${where}: unknown initializer ${describe(name)}; expected one of ${Object.values(INITIALIZER_CLASSES).map((c) => c.class_name).join(', ')}`);
  return key as InitializerName;
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
    return activationKey(this.string(key, 'linear'), this.where);
  }

  /** An initialiser, if given. */
  initializer(key: string): InitializerName | undefined {
    return initializerOf(this.config[key], `${this.where}: ${key}`);
  }

  /** A regularizer, if given. */
  regularizer(key: string): Regularizer | undefined {
    return regularizerOf(this.config[key], `${this.where}: ${key}`);
  }

  /** Refuses channels-first data: neurasm's images are channels-last, as Keras's default. */
  channelsLast(): void {
    const v = this.config.data_format;
    if (v !== undefined && v !== null && v !== 'channels_last') {
      throw new ValueError(`${this.where}: data_format ${describe(v)} is not supported; neurasm's images are channels-last ([height, width, channels])`);
    }
  }
}
