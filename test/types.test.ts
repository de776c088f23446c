// The public types: names are unions of every spelling the runtime lookup accepts (so typos fail to compile,
// pasted Keras strings compile), predict's tensor is typed rank 2, and Tensor<R>.toArray() nests by rank.
// `npm run typecheck` checks this file: a `@ts-expect-error` over a line that now compiles fails it.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Activation, Adam, Dense, GlorotUniform, MeanSquaredError, Sequential, tensor, type Loss, type Metric, type Optimizer, type Tensor,
} from '../src/index.js';
import { ACTIVATIONS, type ActivationSpelling } from '../src/activations.js';
import { LOSSES, type LossSpelling } from '../src/losses.js';
import { METRICS, type MetricSpelling } from '../src/metrics.js';
import { OPTIMIZERS, type OptimizerSpelling } from '../src/optimizers.js';
import { INITIALIZERS, initializerKey, type InitializerLike, type InitializerSpelling } from '../src/initializers.js';
import { resolveConstraint, type ConstraintName } from '../src/constraints.js';
import { resolveRegularizer, type RegularizerLike } from '../src/layers/layer.js';
import { lookup, type Snake, type Spelling } from '../src/names.js';
import type { CompileOptions } from '../src/sequential.js';
import type { Rank, TensorArrays } from '../src/tensor.js';
import type { ModelSource } from '../src/io.js';
import type { LoadOptions } from '../src/saving.js';
import { disposeAfterEach } from './helpers.js';

const track = disposeAfterEach();

/** The runtime twin of `Snake`: 'binaryCrossentropy' → 'binary_crossentropy'. */
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Every member of `Spelling<typeof table>`, built the way the type builds it: key, snake_case, class name, aliases. */
function spellings(table: Record<string, object>): string[] {
  return Object.entries(table).flatMap(([key, row]) => [key, snake(key), capitalize(key), ...((row as { aliases?: readonly string[] }).aliases ?? [])]);
}

describe('names: the type-level snake_case', () => {
  it('turns camelCase keys into Keras spellings', () => {
    expectTypeOf<Snake<'binaryCrossentropy'>>().toEqualTypeOf<'binary_crossentropy'>();
    expectTypeOf<Snake<'relu6'>>().toEqualTypeOf<'relu6'>();
    expectTypeOf<Snake<'klDivergence'>>().toEqualTypeOf<'kl_divergence'>();
    expectTypeOf<Snake<'topKCategoricalAccuracy'>>().toEqualTypeOf<'top_k_categorical_accuracy'>();
    expectTypeOf<Snake<'f1Score'>>().toEqualTypeOf<'f1_score'>();
    expectTypeOf<Snake<'adam'>>().toEqualTypeOf<'adam'>();
    expectTypeOf<Spelling<{ leakyRelu: { aliases: readonly ['lrelu'] } }>>().toEqualTypeOf<'leakyRelu' | 'leaky_relu' | 'LeakyRelu' | 'lrelu'>();
    // A row whose aliases are plain string[] adds no names (else the union would widen to string).
    expectTypeOf<Spelling<{ relu: { aliases?: readonly string[] } }>>().toEqualTypeOf<'relu' | 'Relu'>();
  });

  it('matches the runtime twin on every key', () => {
    expect(snake('binaryCrossentropy')).toBe('binary_crossentropy');
    expect(snake('relu6')).toBe('relu6');
    expect(snake('klDivergence')).toBe('kl_divergence');
  });
});

describe('names: every spelling in a union resolves at runtime to the same row', () => {
  const tables: Array<[string, Record<string, object>]> = [
    ['activation', ACTIVATIONS], ['loss', LOSSES], ['metric', METRICS], ['optimizer', OPTIMIZERS], ['initializer', INITIALIZERS],
  ];
  it.each(tables)('%s', (what, table) => {
    for (const [key, row] of Object.entries(table)) {
      const names = [key, snake(key), capitalize(key), ...((row as { aliases?: readonly string[] }).aliases ?? [])];
      for (const name of names) expect(lookup(table, name, what, 'test').key, `${what} ${name}`).toBe(key);
    }
    expect(spellings(table).length).toBeGreaterThan(Object.keys(table).length * 2);
  });

  it('the hand-written lists type-check and resolve', () => {
    const activations: ActivationSpelling[] = ['relu', 'ReLU', 'Relu', 'leakyRelu', 'leaky_relu', 'LeakyRelu', 'hard_sigmoid', 'silu', 'gelu_new', 'relu6', 'log_softmax'];
    const losses: LossSpelling[] = ['binaryCrossentropy', 'binary_crossentropy', 'BinaryCrossentropy', 'mse', 'MSE', 'kl_divergence', 'KLDivergence', 'kullback_leibler_divergence', 'huber_loss', 'sparse_categorical_crossentropy'];
    const metrics: MetricSpelling[] = ['accuracy', 'acc', 'AUC', 'auc', 'f1_score', 'F1Score', 'top_k_categorical_accuracy', 'TopKCategoricalAccuracy', 'KLDivergence', 'categorical_accuracy'];
    const optimizers: OptimizerSpelling[] = ['adam', 'Adam', 'sgd', 'SGD', 'rmsprop', 'RMSprop', 'RMSProp', 'adamw', 'AdamW', 'ftrl', 'FTRL'];
    const initializers: InitializerSpelling[] = ['glorotUniform', 'glorot_uniform', 'GlorotUniform', 'lecun_uniform', 'LecunUniform', 'LeCunUniform', 'LeCunNormal', 'he_normal', 'orthogonal', 'OrthogonalInitializer'];
    for (const n of activations) expect(() => lookup(ACTIVATIONS, n, 'activation', 'test')).not.toThrow();
    for (const n of losses) expect(() => lookup(LOSSES, n, 'loss', 'test')).not.toThrow();
    for (const n of metrics) expect(() => lookup(METRICS, n, 'metric', 'test')).not.toThrow();
    for (const n of optimizers) expect(() => lookup(OPTIMIZERS, n, 'optimizer', 'test')).not.toThrow();
    for (const n of initializers) expect(initializerKey(n, 'test')).toBeDefined();
    const constraints: ConstraintName[] = ['maxNorm', 'max_norm', 'MaxNorm', 'nonNeg', 'non_neg', 'NonNeg', 'unitNorm', 'min_max_norm'];
    for (const n of constraints) expect(resolveConstraint(n, 'kernelConstraint', 'test')).toBeDefined();
    const regularizers: RegularizerLike[] = ['l1', 'l2', 'l1l2', 'l1_l2', 'L1', 'L2', 'L1L2', { l2: 0.1 }];
    for (const r of regularizers) expect(resolveRegularizer(r, 'kernelRegularizer', 'test')).toBeDefined();
  });

  it('bad strings from plain JavaScript still throw the same errors', () => {
    expect(() => new Dense(2, { activation: 'relux' as never })).toThrow(/Dense\(\): unknown activation "relux"; expected one of .*relu/);
    expect(() => lookup(OPTIMIZERS, 'adamm', 'optimizer', 'compile()')).toThrow(/compile\(\): unknown optimizer "adamm"/);
  });
});

describe('names: what compiles and what does not', () => {
  it('Keras spellings, class names and objects compile; typos are type errors', () => {
    expectTypeOf<'relu' | 'leaky_relu' | 'LeakyRelu' | 'ReLU' | 'silu'>().toExtend<ActivationSpelling>();
    expectTypeOf<'binary_crossentropy' | 'BinaryCrossentropy' | 'mse'>().toExtend<LossSpelling>();
    expectTypeOf<'accuracy' | 'AUC' | 'categorical_accuracy' | 'F1Score'>().toExtend<MetricSpelling>();
    expectTypeOf<'adam' | 'SGD' | 'RMSProp' | 'RMSprop' | 'AdamW'>().toExtend<OptimizerSpelling>();
    expectTypeOf<'glorot_uniform' | 'GlorotUniform' | 'LeCunUniform' | 'lecunUniform'>().toExtend<InitializerSpelling>();
    expectTypeOf<'relux'>().not.toExtend<ActivationSpelling>();
    expectTypeOf<'adamm'>().not.toExtend<OptimizerSpelling>();
    expectTypeOf<'glorot_uniforn'>().not.toExtend<InitializerLike>();
    expectTypeOf<'binary_crossentropyy'>().not.toExtend<LossSpelling>();
    expectTypeOf<'accuracyy'>().not.toExtend<MetricSpelling>();
    expectTypeOf<string>().not.toExtend<ActivationSpelling>();
    expectTypeOf<Optimizer>().toExtend<CompileOptions['optimizer']>();
    expectTypeOf<Loss>().toExtend<CompileOptions['loss']>();
    expectTypeOf<Metric>().toExtend<NonNullable<CompileOptions['metrics']>[number]>();
    expectTypeOf<GlorotUniform>().toExtend<InitializerLike>();
    expectTypeOf<{ class_name: string; config: Record<string, unknown> }>().toExtend<InitializerLike>();
  });

  // Type-checked, never run: each `@ts-expect-error` fails `npm run typecheck` if its line starts to compile.
  function compileOnly(model: Sequential): void {
    new Dense(2, { activation: 'relu', kernelInitializer: 'glorot_uniform', biasInitializer: 'Zeros', kernelRegularizer: 'l1_l2', kernelConstraint: 'max_norm' });
    new Dense(2, { activation: 'leaky_relu', kernelInitializer: 'LeCunUniform', kernelRegularizer: { l2: 0.01 } });
    new Activation('ReLU');
    model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy', 'AUC', 'categorical_accuracy'] });
    model.compile({ optimizer: 'RMSProp', loss: 'BinaryCrossentropy', metrics: ['acc'], weightedMetrics: ['mae'] });
    model.compile({ optimizer: new Adam(), loss: new MeanSquaredError(), metrics: ['mse'] });
    model.compile({ optimizer: 'SGD', loss: 'mse' });
    // @ts-expect-error: 'relux' is not an activation
    new Dense(2, { activation: 'relux' });
    // @ts-expect-error: nor is 'softmaxx'
    new Activation('softmaxx');
    // @ts-expect-error: 'glorot_uniforn' is not an initializer
    new Dense(2, { kernelInitializer: 'glorot_uniforn' });
    // @ts-expect-error: 'adamm' is not an optimizer
    model.compile({ optimizer: 'adamm', loss: 'mse' });
    // @ts-expect-error: 'binary_crossentropyy' is not a loss
    model.compile({ optimizer: 'adam', loss: 'binary_crossentropyy' });
    // @ts-expect-error: 'accuracyy' is not a metric
    model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['accuracyy'] });
    // @ts-expect-error: 'l3' is not a regularizer
    new Dense(2, { kernelRegularizer: 'l3' });
    // @ts-expect-error: 'max_norms' is not a constraint
    new Dense(2, { kernelConstraint: 'max_norms' });
  }

  it('the compile-only block exists', () => {
    expect(typeof compileOnly).toBe('function');
  });
});

describe('Tensor typed by rank', () => {
  it('predict returns a rank-2 tensor whose toArray() is number[][]', () => {
    const model = track(new Sequential([new Dense(2, { inputShape: [3] })], { seed: 1 }));
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const y = model.predict(x);
    expectTypeOf(y).toEqualTypeOf<Tensor<2>>();
    expectTypeOf(model.predict(x).toArray()).toEqualTypeOf<number[][]>();
    expect(y.toArray()).toHaveLength(2);
    expect(y.toArray()[0]).toHaveLength(2);
    expectTypeOf(model.predict<Rank>(x).toArray()).toEqualTypeOf<TensorArrays[Rank]>();
    expectTypeOf(model.predict<3>(x).toArray()).toEqualTypeOf<number[][][]>();
    // A rank-2 tensor goes wherever a Tensor of any rank does.
    expectTypeOf(y).toExtend<Tensor>();
    expectTypeOf(model.getWeights()).toEqualTypeOf<Tensor[]>();
  });

  it('toArray() nests by rank at the type level and at runtime', () => {
    expectTypeOf<ReturnType<Tensor<0>['toArray']>>().toEqualTypeOf<number>();
    expectTypeOf<ReturnType<Tensor<1>['toArray']>>().toEqualTypeOf<number[]>();
    expectTypeOf<ReturnType<Tensor<2>['toArray']>>().toEqualTypeOf<number[][]>();
    expectTypeOf<ReturnType<Tensor<3>['toArray']>>().toEqualTypeOf<number[][][]>();
    expectTypeOf<number>().toExtend<ReturnType<Tensor['toArray']>>();
    expectTypeOf<number[][][][]>().toExtend<ReturnType<Tensor['toArray']>>();
    expect(tensor([1, 2], [2]).toArray()).toEqual([1, 2]);
    expect(tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]).toArray()).toEqual([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(tensor([5], []).toArray()).toBe(5);
  });

  it('data may be nested arrays of any depth, readonly ones too (a new user found number[][][] refused)', () => {
    const images: number[][][] = [[[0, 1], [2, 3]], [[4, 5], [6, 7]]];
    const frozen: readonly (readonly number[])[] = [[1, 2, 3]];
    expect(tensor(images).shape).toEqual([2, 2, 2]);
    expect(tensor(frozen).shape).toEqual([1, 3]);
    const model = track(new Sequential([new Dense(1, { inputShape: [2, 2] })], { seed: 1 }));
    expectTypeOf(model.predict(images)).toEqualTypeOf<Tensor<2>>();
    expectTypeOf(model.predict(tensor(images).toArray() as number[][][])).toEqualTypeOf<Tensor<2>>();
    // @ts-expect-error: strings are not data
    expect(() => tensor([['a']])).toThrow();
    // @ts-expect-error: nor are objects
    expect(() => model.predict([{ x: 1 }])).toThrow();
  });
});

describe('host types looked up, not named (the declarations compile without DOM; test/readme.test.ts checks that)', () => {
  it('with DOM types, loading takes Files, a FileList, an AbortSignal and a RequestInit, and refuses a bad one', () => {
    expectTypeOf<File[]>().toExtend<ModelSource>();
    expectTypeOf<FileList>().toExtend<ModelSource>();
    expectTypeOf<AbortSignal>().toExtend<NonNullable<LoadOptions['signal']>>();
    expectTypeOf<RequestInit>().toEqualTypeOf<NonNullable<LoadOptions['requestInit']>>();
    expectTypeOf<Promise<Response>>().toEqualTypeOf<ReturnType<NonNullable<LoadOptions['fetchFunc']>>>();
    // @ts-expect-error: not a RequestCredentials
    const bad: LoadOptions = { requestInit: { credentials: 'everyone' } };
    // @ts-expect-error: a Blob is not a File
    const notFiles: ModelSource = [new Blob([])];
    expect([bad, notFiles]).toHaveLength(2);
  });
});
