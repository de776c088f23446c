// Learning-rate schedules against float64 transcriptions of Keras 3's formulas
// (keras/src/optimizers/schedules/learning_rate_schedule.py), their configs, loading, and bad options.
import { describe, expect, it } from 'vitest';
import {
  CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, LearningRateSchedule, PiecewiseConstantDecay,
  PolynomialDecay, ValueError, scheduleFromConfig,
} from '../src/index.js';

const STEPS = Array.from({ length: 101 }, (_, i) => i);

/** Each step's value against the reference, relative 1e-12 (float64 both sides; the wasm's pow/cos vs V8's). */
function expectSchedule(s: LearningRateSchedule, ref: (step: number) => number, steps = STEPS): void {
  for (const step of steps) {
    const want = ref(step);
    const got = s.value(step);
    expect(Math.abs(got - want), `${s.className} step ${step}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.abs(want) + 1e-300);
  }
}

// ─── Keras 3's __call__ bodies, in float64 ───

function exponentialRef(lr: number, decaySteps: number, decayRate: number, staircase: boolean) {
  return (step: number) => {
    let p = step / decaySteps;
    if (staircase) p = Math.floor(p);
    return lr * decayRate ** p;
  };
}

function inverseTimeRef(lr: number, decaySteps: number, decayRate: number, staircase: boolean) {
  return (step: number) => {
    let p = step / decaySteps;
    if (staircase) p = Math.floor(p);
    return lr / (1 + decayRate * p);
  };
}

function piecewiseRef(boundaries: number[], values: number[]) {
  return (step: number) => {
    let result = 0;
    if (step <= boundaries[0]!) result += values[0]!;
    if (step > boundaries[boundaries.length - 1]!) result += values[values.length - 1]!;
    for (let i = 0; i + 1 < boundaries.length; i++) if (step > boundaries[i]! && step <= boundaries[i + 1]!) result += values[i + 1]!;
    return result;
  };
}

function polynomialRef(lr: number, decaySteps: number, end: number, power: number, cycle: boolean) {
  return (step: number) => {
    let s = step;
    let d = decaySteps;
    if (cycle) d *= s === 0 ? 1 : Math.ceil(s / decaySteps);
    else s = Math.min(s, d);
    return (lr - end) * (1 - s / d) ** power + end;
  };
}

function cosineRef(lr: number, decaySteps: number, alpha: number, warmupTarget?: number, warmupSteps = 0) {
  const decay = (step: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (step / decaySteps))) + alpha);
  return (step: number) => {
    if (warmupTarget === undefined) return decay(Math.min(step, decaySteps), lr);
    const s = Math.min(step, decaySteps + warmupSteps);
    if (s < warmupSteps) return (warmupTarget - lr) * (s / warmupSteps) + lr;
    return decay(s - warmupSteps, warmupTarget);
  };
}

function restartsRef(lr: number, first: number, tMul: number, mMul: number, alpha: number) {
  return (step: number) => {
    let f = step / first;
    let i: number;
    if (tMul === 1) {
      i = Math.floor(f);
      f -= i;
    } else {
      i = Math.floor(Math.log(1 - f * (1 - tMul)) / Math.log(tMul));
      const sum = (1 - tMul ** i) / (1 - tMul);
      f = (f - sum) / tMul ** i;
    }
    const cosine = 0.5 * mMul ** i * (1 + Math.cos(Math.PI * f));
    return lr * ((1 - alpha) * cosine + alpha);
  };
}

describe('schedules follow Keras 3 step by step', () => {
  it('ExponentialDecay, smooth and staircase', () => {
    expectSchedule(new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.9 }), exponentialRef(0.1, 7, 0.9, false));
    expectSchedule(new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.9, staircase: true }), exponentialRef(0.1, 7, 0.9, true));
    const s = new ExponentialDecay({ initialLearningRate: 0.5, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect([0, 9, 10, 19, 20].map((t) => s.value(t))).toEqual([0.5, 0.5, 0.25, 0.25, 0.125]);
  });

  it('InverseTimeDecay, smooth and staircase', () => {
    expectSchedule(new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5 }), inverseTimeRef(0.1, 3, 0.5, false));
    expectSchedule(new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5, staircase: true }), inverseTimeRef(0.1, 3, 0.5, true));
  });

  it('PiecewiseConstantDecay: values[i] up to and including boundaries[i]', () => {
    const boundaries = [10, 20, 55];
    const values = [1, 0.5, 0.1, 0.01];
    const s = new PiecewiseConstantDecay({ boundaries, values });
    expectSchedule(s, piecewiseRef(boundaries, values));
    expect([0, 10, 11, 20, 21, 55, 56, 1e6].map((t) => s.value(t))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1, 0.01, 0.01]);
  });

  it('PolynomialDecay, clamped and cycling, several powers', () => {
    for (const power of [1, 0.5, 2, 3.3]) {
      expectSchedule(new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 30, power }), polynomialRef(0.1, 30, 0.0001, power, false));
      expectSchedule(new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 30, endLearningRate: 0.01, power, cycle: true }), polynomialRef(0.1, 30, 0.01, power, true));
    }
    const s = new PolynomialDecay({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0 });
    expect([0, 5, 10, 50].map((t) => s.value(t))).toEqual([1, 0.5, 0, 0]);
    const c = new PolynomialDecay({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0, cycle: true });
    expect([10, 11, 15, 20, 21].map((t) => c.value(t))).toEqual([0, 1 - 11 / 20, 0.25, 0, 1 - 21 / 30]);
  });

  it('CosineDecay, with and without warmup and alpha', () => {
    expectSchedule(new CosineDecay({ initialLearningRate: 0.1, decaySteps: 60 }), cosineRef(0.1, 60, 0));
    expectSchedule(new CosineDecay({ initialLearningRate: 0.1, decaySteps: 60, alpha: 0.2 }), cosineRef(0.1, 60, 0.2));
    expectSchedule(new CosineDecay({ initialLearningRate: 0, decaySteps: 60, alpha: 0.1, warmupTarget: 0.2, warmupSteps: 25 }), cosineRef(0, 60, 0.1, 0.2, 25));
    const w = new CosineDecay({ initialLearningRate: 0.01, decaySteps: 10, warmupTarget: 0.1, warmupSteps: 10 });
    expect(w.value(0)).toBe(0.01);
    expect(w.value(10)).toBe(0.1);
    expect(w.value(20)).toBe(0);
    expect(w.value(500)).toBe(0);
  });

  it('CosineDecayRestarts, geometric and equal periods', () => {
    expectSchedule(new CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 10 }), restartsRef(0.1, 10, 2, 1, 0), Array.from({ length: 301 }, (_, i) => i));
    expectSchedule(new CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 10, tMul: 1, mMul: 0.5, alpha: 0.1 }), restartsRef(0.1, 10, 1, 0.5, 0.1));
    expectSchedule(new CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 8, tMul: 2, mMul: 0.8, alpha: 0.05 }), restartsRef(0.1, 8, 2, 0.8, 0.05));
    // Each period starts at the full (mMul-scaled) rate: steps 0, 10, 30, 70 with tMul 2, and with tMul 3: 0, 10, 40, 130.
    const s = new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, mMul: 0.5 });
    expect([0, 10, 30, 70].map((t) => s.value(t))).toEqual([1, 0.5, 0.25, 0.125]);
    const t3 = new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 3, mMul: 0.5 });
    expect([0, 10, 40, 130, 400].map((t) => t3.value(t))).toEqual([1, 0.5, 0.25, 0.125, 0.0625]);
    expect(t3.value(39)).toBeLessThan(0.01); // the end of a period: near the bottom, not a restart
  });

  it('the same bits on every call (the wasm, not the host, does the transcendental math)', () => {
    const s = new CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 7, tMul: 1.5, mMul: 0.9, alpha: 0.01 });
    const a = STEPS.map((t) => s.value(t));
    expect(STEPS.map((t) => s.value(t))).toEqual(a);
    expect(a.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });
});

describe('configs', () => {
  const schedules: LearningRateSchedule[] = [
    new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 100, decayRate: 0.96, staircase: true }),
    new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }),
    new PiecewiseConstantDecay({ boundaries: [100, 200], values: [0.1, 0.01, 0.001] }),
    new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 1000, cycle: true }),
    new CosineDecay({ initialLearningRate: 0, decaySteps: 1000, warmupTarget: 0.1, warmupSteps: 100 }),
    new CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 50, mMul: 0.9 }),
  ];

  it('use Keras 3\'s keys, defaults and names', () => {
    expect(schedules.map((s) => s.getConfig())).toEqual([
      { initial_learning_rate: 0.1, decay_steps: 100, decay_rate: 0.96, staircase: true, name: 'ExponentialDecay' },
      { initial_learning_rate: 0.1, decay_steps: 1, decay_rate: 0.5, staircase: false, name: 'InverseTimeDecay' },
      { boundaries: [100, 200], values: [0.1, 0.01, 0.001], name: 'PiecewiseConstant' },
      { initial_learning_rate: 0.1, decay_steps: 1000, end_learning_rate: 0.0001, power: 1, cycle: true, name: 'PolynomialDecay' },
      { initial_learning_rate: 0, decay_steps: 1000, alpha: 0, name: 'CosineDecay', warmup_target: 0.1, warmup_steps: 100 },
      { initial_learning_rate: 0.1, first_decay_steps: 50, t_mul: 2, m_mul: 0.9, alpha: 0, name: 'SGDRDecay' },
    ]);
    expect(new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10 }).getConfig().warmup_target).toBeNull();
  });

  it('load back through scheduleFromConfig to the same values, Keras 3\'s serialized form included', () => {
    for (const s of schedules) {
      const loaded = scheduleFromConfig({ class_name: s.className, config: JSON.parse(JSON.stringify(s.getConfig())) });
      expect(loaded.constructor).toBe(s.constructor);
      expect(loaded.getConfig()).toEqual(s.getConfig());
      expect([0, 1, 99, 150, 1234].map((t) => loaded.value(t))).toEqual([0, 1, 99, 150, 1234].map((t) => s.value(t)));
    }
    const keras = {
      module: 'keras.optimizers.schedules', class_name: 'ExponentialDecay', registered_name: null,
      config: { initial_learning_rate: 0.1, decay_steps: 100000, decay_rate: 0.96, staircase: true, name: 'ExponentialDecay' },
    };
    expect(scheduleFromConfig(keras).value(200000)).toBeCloseTo(0.1 * 0.96 ** 2, 15);
  });

  it('reject unknown classes and keys, and bad values, by name', () => {
    expect(() => scheduleFromConfig({ class_name: 'ExponentialDecy', config: {} })).toThrow(/unknown class_name "ExponentialDecy"; did you mean 'ExponentialDecay'/);
    expect(() => scheduleFromConfig({ class_name: 'CosineDecay', config: { initial_learning_rate: 0.1, decay_steps: 10, warmup: 3 } })).toThrow(/CosineDecay has no config key 'warmup'/);
    expect(() => scheduleFromConfig({ class_name: 'CosineDecay', config: { initial_learning_rate: 0.1, decay_steps: -10 } })).toThrow(/CosineDecay\(\): decaySteps must be a positive finite number, got -10/);
    expect(() => scheduleFromConfig({ class_name: 'CosineDecay', config: null as never })).toThrow(/config must be an object/);
  });
});

describe('bad options', () => {
  it('are ValueErrors naming the call and the option', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 }), /ExponentialDecay\(\): decaySteps must be a positive/],
      [() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: -5, decayRate: 0.9 }), /decaySteps must be a positive finite number, got -5/],
      [() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: -0.9 }), /decayRate must be a positive/],
      [() => new ExponentialDecay({ initialLearningRate: -0.1, decaySteps: 5, decayRate: 0.9 }), /initialLearningRate must be a non-negative/],
      [() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.9, stairCase: true } as never), /unknown option 'stairCase'; did you mean 'staircase'/],
      [() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.9, staircase: 'yes' as never }), /staircase must be true or false/],
      [() => new ExponentialDecay(undefined as never), /initialLearningRate must be a non-negative finite number, got undefined/],
      [() => new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: NaN, decayRate: 0.9 }), /InverseTimeDecay\(\): decaySteps must be a positive finite number, got NaN/],
      [() => new PiecewiseConstantDecay({ boundaries: [10, 10], values: [1, 2, 3] }), /boundaries must be strictly increasing, got 10 then 10 at index 1/],
      [() => new PiecewiseConstantDecay({ boundaries: [20, 10], values: [1, 2, 3] }), /strictly increasing/],
      [() => new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 2] }), /values must have one more entry than boundaries \(2 boundaries, so 3 values\), got 2/],
      [() => new PiecewiseConstantDecay({ boundaries: [], values: [1] }), /boundaries must be a non-empty array/],
      [() => new PiecewiseConstantDecay({ boundaries: [1], values: [1, Infinity] }), /values\[1\] must be a non-negative finite number/],
      [() => new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, power: -1 }), /PolynomialDecay\(\): power must be/],
      [() => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupSteps: -1 }), /CosineDecay\(\): warmupSteps must be a non-negative/],
      [() => new CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 0 }), /CosineDecayRestarts\(\): firstDecaySteps must be a positive/],
      [() => new CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 10, tMul: 0.5 }), /tMul must be a finite number ≥ 1, got 0.5/],
    ];
    for (const [make, pattern] of cases) {
      expect(make).toThrow(ValueError);
      expect(make).toThrow(pattern);
    }
  });

  it('a negative or non-finite step is refused by value()', () => {
    const s = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.9 });
    expect(() => s.value(-1)).toThrow(/ExponentialDecay.value\(\): step must be a non-negative finite number, got -1/);
    expect(() => s.value(NaN)).toThrow(/got NaN/);
    expect(() => new PiecewiseConstantDecay({ boundaries: [1], values: [1, 2] }).value(Infinity)).toThrow(ValueError);
  });
});

describe('a schedule of the user\'s own', () => {
  it('trains with the rate it gives, and one that gives NaN or a negative rate stops fit before any weight changes', async () => {
    const { Dense, SGD, Sequential } = await import('../src/index.js');
    class Halving extends LearningRateSchedule {
      readonly className = 'Halving';
      constructor(private readonly bad: number | undefined) { super(); }
      value(step: number): number { return step === 2 && this.bad !== undefined ? this.bad : 0.1 / 2 ** step; }
      getConfig() { return {}; }
    }
    const make = (bad?: number) => {
      const m = new Sequential([new Dense(1, { inputShape: [1] })], { seed: 1 });
      m.compile({ optimizer: new SGD({ learningRate: new Halving(bad) }), loss: 'mse' });
      return m;
    };
    const good = make();
    await good.fit([[1], [2]], [1, 2], { batchSize: 1, epochs: 2, shuffle: false, verbose: 0 });
    expect(good.optimizer!.iterations).toBe(4);
    for (const bad of [NaN, -0.1, Infinity]) {
      const m = make(bad);
      await m.fit([[1], [2]], [1, 2], { batchSize: 1, epochs: 1, shuffle: false, verbose: 0 }); // steps 0 and 1
      const before = m.getWeights().map((w) => Array.from(w.data));
      await expect(m.fit([[1], [2]], [1, 2], { batchSize: 1, epochs: 1, shuffle: false, verbose: 0 })).rejects.toThrow(/the learning-rate schedule gave .* at step 2; it must give a finite number ≥ 0 \(nothing was updated\)/);
      expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
      m.dispose();
    }
    good.dispose();
  });
  it('one that leaves float32 midway through a fit is refused before its first step, not after training half of it', async () => {
    // Found by the fuzz suite: steps 0 and 1 trained, step 2 (0.1·(1e10)^4 = 1e39) was refused, the model half-trained.
    const { Dense, SGD, Sequential } = await import('../src/index.js');
    const m = new Sequential([new Dense(1, { inputShape: [2] })], { seed: 1 });
    m.compile({ optimizer: new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0.5, decayRate: 1e10 }) }), loss: 'mse' });
    const before = m.getWeights().map((w) => Array.from(w.data));
    await expect(m.fit([[0, 1], [1, 0], [1, 1]], [1, 0, 1], { batchSize: 1, verbose: 0 })).rejects.toThrow(/fit\(\): the learning-rate schedule gave 1\.0+1e\+39 at step 2; it must give a finite number ≥ 0 \(nothing was updated\)/);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    expect(m.optimizer!.iterations).toBe(0);
    await m.fit([[0, 1], [1, 0]], [1, 0], { batchSize: 1, verbose: 0 }); // steps 0 and 1 stay within float32
    expect(m.optimizer!.iterations).toBe(2);
    m.dispose();
  });

  it('a fit of 2^40 epochs checks 100,000 steps ahead, not all of them, and later ones before their epoch', async () => {
    // Found by a hostile-input audit: every step's rate was checked before the first one, so epochs: 2 ** 40 never began.
    const { Dense, SGD, Sequential, LearningRateSchedule } = await import('../src/index.js');
    class Counting extends LearningRateSchedule {
      readonly className = 'Counting';
      calls = 0;
      constructor(private readonly badFrom = Infinity) { super(); }
      value(step: number): number { this.calls++; return step >= this.badFrom ? NaN : 0.01; }
      getConfig() { return {}; }
    }
    const stopAfter = (n: number) => ({ onEpochEnd(epoch: number) { if (epoch + 1 >= n) m.stopTraining = true; } });
    const schedule = new Counting();
    const m = new Sequential([new Dense(1, { inputShape: [1] })], { seed: 1 });
    m.compile({ optimizer: new SGD({ learningRate: schedule }), loss: 'mse' });
    await m.fit([[1], [2]], [1, 2], { batchSize: 1, epochs: 2 ** 40, verbose: 0, callbacks: [stopAfter(3)] });
    expect(m.optimizer!.iterations).toBe(6);
    expect(schedule.calls).toBe(100_000 + 6); // checked ahead, then each step's own rate
    // A rate that goes bad after the checked-ahead steps is refused at the start of its epoch, before any of its steps.
    const late = new Counting(100_001);
    const n = new Sequential([new Dense(1, { inputShape: [1] })], { seed: 1 });
    n.compile({ optimizer: new SGD({ learningRate: late }), loss: 'mse' });
    await expect(n.fit([[1]], [1], { batchSize: 1, epochs: 200_000, verbose: 0 })).rejects.toThrow(/at step 100001; it must give a finite number ≥ 0 \(epoch 100002 was not started; the epochs before it stay trained\)/);
    expect(n.optimizer!.iterations).toBe(100_001);
    m.dispose();
    n.dispose();
  }, 60_000);
});
