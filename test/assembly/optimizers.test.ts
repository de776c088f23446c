// Optimizer kernels over several steps against two references: the Keras 3 update formulas in float64 (to a
// tolerance), and the same formulas one f32 operation at a time in the kernel's documented order (to the bit,
// which also proves the SIMD body and the scalar tail agree).
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { expectClose, expectSameBits, mulberry32, randn, uniform, useWasm, type Guarded } from '../helpers.js';

const wasm = useWasm();
const SIZES = [1, 3, 5, 17, 33, 127];
const STEPS = 5;
const f = Math.fround;
const STATE_TOL = { rtol: 1e-5, atol: 1e-6 };

/** Guarded copies of the given arrays in wasm memory. */
function place(...arrays: Float32Array[]): Guarded[] {
  return arrays.map((a) => wasm.guarded(a.length, a));
}

/** Runs `steps` kernel steps with fresh gradients, then checks every slot against both references. */
function checkSteps(opts: {
  label: string;
  n: number;
  slots: number; // optimizer slots besides w (momentum, velocity…), all starting at 0
  kernel: (w: number, slots: number[], g: number, n: number, step: number) => void;
  f32Step: (w: Float32Array, slots: Float32Array[], g: Float32Array, step: number) => void;
  f64Step: (w: Float64Array, slots: Float64Array[], g: Float32Array, step: number) => void;
}) {
  const { label, n } = opts;
  const rng = mulberry32(n * 31 + opts.slots);
  const w0 = randn(n, rng);
  const w32 = w0.slice();
  const w64 = Float64Array.from(w0);
  const slots32 = Array.from({ length: opts.slots }, () => new Float32Array(n));
  const slots64 = Array.from({ length: opts.slots }, () => new Float64Array(n));
  const [w, ...slots] = place(w0, ...slots32);
  for (let step = 1; step <= STEPS; step++) {
    const g = randn(n, rng);
    const pg = wasm.put(g);
    opts.kernel(w!.ptr, slots.map((s) => s.ptr), pg, n, step);
    opts.f32Step(w32, slots32, g, step);
    opts.f64Step(w64, slots64, g, step);
    expectSameBits(wasm.read(pg, n), g, `${label} overwrote g`);
  }
  for (const buffer of [w!, ...slots]) buffer.expectIntact();
  expectSameBits(w!.read(), w32, `${label} n=${n}: w vs f32 reference`);
  slots.forEach((s, i) => expectSameBits(s.read(), slots32[i]!, `${label} n=${n}: slot ${i} vs f32 reference`));
  expectClose(w!.read(), w64, { ...STATE_TOL, label: `${label} n=${n}: w vs float64` });
  slots.forEach((s, i) => {
    expectClose(s.read(), slots64[i]!, { ...STATE_TOL, label: `${label} n=${n}: slot ${i} vs float64` });
  });
  // The weights moved: a kernel that did nothing would otherwise pass against a reference that did nothing.
  expect(w!.read().some((v, i) => v !== w0[i])).toBe(true);
}

describe('sgdStep', () => {
  const lr = 0.1;
  it.each(SIZES)('w −= lr·g over %i weights', (n) => {
    checkSteps({
      label: 'sgd', n, slots: 0,
      kernel: (w, _, g, n) => kernels.sgdStep(w, g, n, lr),
      f32Step: (w, _, g) => { for (let i = 0; i < w.length; i++) w[i] = f(w[i]! - f(f(lr) * g[i]!)); },
      f64Step: (w, _, g) => { for (let i = 0; i < w.length; i++) w[i] = w[i]! - f(lr) * g[i]!; },
    });
  });
});

describe('sgdMomentumStep', () => {
  const lr = f(0.05);
  const mu = f(0.9);
  for (const nesterov of [false, true]) {
    it.each(SIZES)(`nesterov = ${nesterov}, %i weights`, (n) => {
      checkSteps({
        label: `sgd momentum nesterov=${nesterov}`, n, slots: 1,
        kernel: (w, [v], g, n) => kernels.sgdMomentumStep(w, v!, g, n, lr, mu, nesterov),
        // Keras 3: m = m·μ − g·lr; w += m, or w += m·μ − g·lr when nesterov
        f32Step: (w, [v], g) => {
          for (let i = 0; i < w.length; i++) {
            const step = f(lr * g[i]!);
            v![i] = f(f(mu * v![i]!) - step);
            w[i] = f(w[i]! + (nesterov ? f(f(mu * v![i]!) - step) : v![i]!));
          }
        },
        f64Step: (w, [v], g) => {
          for (let i = 0; i < w.length; i++) {
            v![i] = v![i]! * mu - g[i]! * lr;
            w[i] = w[i]! + (nesterov ? v![i]! * mu - g[i]! * lr : v![i]!);
          }
        },
      });
    });
  }

  it('nesterov and plain differ, and zero momentum is plain SGD', () => {
    const n = 9;
    const g = wasm.put(uniform(n, mulberry32(1)));
    const results = [true, false].map((nesterov) => {
      const w = wasm.put(new Float32Array(n));
      const v = wasm.put(new Float32Array(n));
      for (let s = 0; s < 2; s++) kernels.sgdMomentumStep(w, v, g, n, lr, mu, nesterov);
      return wasm.read(w, n);
    });
    expect(results[0]).not.toEqual(results[1]);
    const w = wasm.put(new Float32Array(n));
    const v = wasm.put(new Float32Array(n));
    const wSgd = wasm.put(new Float32Array(n));
    kernels.sgdMomentumStep(w, v, g, n, lr, 0, false);
    kernels.sgdStep(wSgd, g, n, lr);
    expectSameBits(wasm.read(w, n), wasm.read(wSgd, n));
  });
});

describe('adamStep', () => {
  // As the host passes them: α, 1 − β1, 1 − β2 and lr·wd computed in f64, converted to f32 at the call.
  const lr = 0.01;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = f(1e-7);
  const alphaAt = (step: number) => lr * Math.sqrt(1 - b2 ** step) / (1 - b1 ** step);

  for (const weightDecay of [0, 0.1]) {
    it.each(SIZES)(`${weightDecay ? 'AdamW, weightDecay = 0.1' : 'Adam'}, %i weights`, (n) => {
      const wd = f(weightDecay);
      checkSteps({
        label: `adam wd=${weightDecay}`, n, slots: 2,
        kernel: (w, [m, v], g, n, step) => {
          kernels.adamStep(w, m!, v!, g, n, alphaAt(step), 1 - b1, 1 - b2, eps, lr * weightDecay);
        },
        f32Step: (w, [m, v], g, step) => {
          const alpha = f(alphaAt(step));
          const decay = f(lr * weightDecay);
          for (let i = 0; i < w.length; i++) {
            let wi = w[i]!;
            if (decay !== 0) wi = f(wi - f(wi * decay));
            m![i] = f(m![i]! + f(f(g[i]! - m![i]!) * f(1 - b1)));
            v![i] = f(v![i]! + f(f(f(g[i]! * g[i]!) - v![i]!) * f(1 - b2)));
            w[i] = f(wi - f(f(m![i]! * alpha) / f(f(Math.sqrt(v![i]!)) + eps)));
          }
        },
        // Keras 3: w −= w·wd·lr; m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= m·α/(√v + ε)
        f64Step: (w, [m, v], g, step) => {
          const alpha = alphaAt(step);
          for (let i = 0; i < w.length; i++) {
            w[i] = w[i]! - w[i]! * wd * lr;
            m![i] = m![i]! + (g[i]! - m![i]!) * (1 - b1);
            v![i] = v![i]! + (g[i]! ** 2 - v![i]!) * (1 - b2);
            w[i] = w[i]! - m![i]! * alpha / (Math.sqrt(v![i]!) + eps);
          }
        },
      });
    });
  }

  it('weight decay shrinks w on top of the Adam step', () => {
    const n = 6;
    const g = wasm.put(uniform(n, mulberry32(2)));
    const [adam, adamw] = [0, 0.5].map((wd) => {
      const w = wasm.put(new Float32Array(n).fill(2));
      kernels.adamStep(w, wasm.alloc(n), wasm.alloc(n), g, n, alphaAt(1), 1 - b1, 1 - b2, eps, lr * wd);
      return wasm.read(w, n);
    });
    // One step: w' = w(1 − wd·lr) − (Adam's step, the same in both).
    expectClose(Array.from(adamw!, (v, i) => v - adam![i]!), new Array(n).fill(-2 * 0.5 * lr), { rtol: 1e-4 });
  });

  it('first step moves each weight by about lr against the gradient sign', () => {
    const n = 5;
    const g = Float32Array.from([3, -0.2, 0.1, -50, 0.7]); // |g| ≫ ε/√(1 − β2)
    const w = wasm.put(new Float32Array(n));
    kernels.adamStep(w, wasm.alloc(n), wasm.alloc(n), wasm.put(g), n, alphaAt(1), 1 - b1, 1 - b2, eps, 0);
    expectClose(wasm.read(w, n), Array.from(g, (v) => -Math.sign(v) * lr), { rtol: 1e-4 });
  });
});

describe('rmspropStep', () => {
  const lr = f(0.01);
  const rho = f(0.9);
  const eps = f(1e-7);
  for (const momentum of [0, 0.5]) {
    const mu = f(momentum);
    it.each(SIZES)(`momentum = ${momentum}, %i weights`, (n) => {
      checkSteps({
        label: `rmsprop momentum=${momentum}`, n, slots: 2,
        kernel: (w, [v, u], g, n) => kernels.rmspropStep(w, v!, u!, g, n, lr, rho, 1 - 0.9, eps, momentum),
        f32Step: (w, [v, u], g) => {
          for (let i = 0; i < w.length; i++) {
            v![i] = f(f(rho * v![i]!) + f(f(1 - 0.9) * f(g[i]! * g[i]!)));
            const step = f(f(lr * g[i]!) / f(Math.sqrt(f(v![i]! + eps))));
            if (mu > 0) { u![i] = f(f(mu * u![i]!) + step); w[i] = f(w[i]! - u![i]!); }
            else w[i] = f(w[i]! - step);
          }
        },
        // Keras 3: v = ρv + (1 − ρ)g²; inc = lr·g/√(v + ε); momentum: u = μu + inc, w −= u; else w −= inc
        f64Step: (w, [v, u], g) => {
          for (let i = 0; i < w.length; i++) {
            v![i] = rho * v![i]! + (1 - rho) * g[i]! ** 2;
            const inc = lr * g[i]! / Math.sqrt(v![i]! + eps);
            if (mu > 0) { u![i] = mu * u![i]! + inc; w[i] = w[i]! - u![i]!; }
            else w[i] = w[i]! - inc;
          }
        },
      });
    });
  }

  it('without momentum leaves the momentum slot alone', () => {
    const n = 7;
    const u0 = uniform(n, mulberry32(3));
    const u = wasm.put(u0);
    kernels.rmspropStep(wasm.alloc(n), wasm.alloc(n), u, wasm.put(uniform(n, mulberry32(4))), n, lr, rho, 1 - 0.9, eps, 0);
    expectSameBits(wasm.read(u, n), u0);
  });
});

describe('gradient clipping', () => {
  it.each(SIZES)('clipByValue clamps to [−c, c], n = %i', (n) => {
    const g0 = randn(n, mulberry32(n), 2);
    const c = 1.5;
    const g = wasm.guarded(n, g0);
    kernels.clipByValue(g.ptr, n, c);
    g.expectIntact();
    expectSameBits(g.read(), Float32Array.from(g0, (v) => Math.min(Math.max(v, -c), c)));
  });

  it.each(SIZES)('sumSquares is Σx² accumulated in float64, n = %i', (n) => {
    const x = randn(n, mulberry32(n + 1), 3);
    let expected = 0;
    for (const v of x) expected += v * v;
    expect(kernels.sumSquares(wasm.put(x), n)).toBe(expected);
  });

  it.each(SIZES)('clipByNorm rescales to the clip norm only when the norm exceeds it, n = %i', (n) => {
    const g0 = randn(n, mulberry32(n + 2));
    const norm = f(Math.sqrt(kernels.sumSquares(wasm.put(g0), n)));
    // A clip norm above the norm: untouched, bit for bit.
    const g = wasm.guarded(n, g0);
    kernels.clipByNorm(g.ptr, n, norm, norm * 2);
    expectSameBits(g.read(), g0);
    // Below it: g·c/norm, and the new norm is c.
    const c = f(norm / 3);
    kernels.clipByNorm(g.ptr, n, norm, c);
    g.expectIntact();
    expectSameBits(g.read(), Float32Array.from(g0, (v) => f(f(v * c) / norm)));
    expectClose([Math.sqrt(kernels.sumSquares(g.ptr, n))], [c], { rtol: 1e-6 });
  });
});

describe('regularizers', () => {
  const cases = [[0.01, 0], [0, 0.02], [0.01, 0.02]] as const;

  it.each(SIZES)('regularize adds l1·sign(w) + 2·l2·w and returns l1·Σ|w| + l2·Σw², n = %i', (n) => {
    for (const [l1, l2] of cases) {
      const w = randn(n, mulberry32(n + 10));
      w[0] = 0; // sign(0) = 0, as in Keras/TF
      const g0 = randn(n, mulberry32(n + 20));
      const pw = wasm.put(w);
      const g = wasm.guarded(n, g0);
      const penalty = kernels.regularize(g.ptr, pw, n, l1, l2);
      g.expectIntact();
      const [fl1, fl2] = [f(l1), f(l2)];
      expectSameBits(g.read(), Float32Array.from(g0, (v, i) => f(f(v + f(fl1 * Math.sign(w[i]!))) + f(f(2 * fl2) * w[i]!))),
        `regularize l1=${l1} l2=${l2}`);
      let abs = 0, sq = 0;
      for (const v of w) { abs += Math.abs(v); sq += v * v; }
      expectClose([penalty], [fl1 * abs + fl2 * sq], { rtol: 1e-6, label: `penalty l1=${l1} l2=${l2}` });
      expect(kernels.regularizerPenalty(pw, n, l1, l2)).toBe(penalty);
      expectSameBits(wasm.read(pw, n), w, 'regularize overwrote w');
    }
  });
});

// The kernels of the optimizers added with Keras 3's full set: each against its f32 order (to the bit) and
// Keras 3's formula in float64. Scalars as the host passes them (f64 products converted to f32 at the call).
describe('the other update kernels', () => {
  const lr = f(0.01);
  const eps = f(1e-7);
  const sqrt32 = (x: number) => f(Math.sqrt(x));

  it.each(SIZES)('adagradStep, %i weights', (n) => {
    checkSteps({
      label: 'adagrad', n, slots: 1,
      kernel: (w, [a], g, n) => kernels.adagradStep(w, a!, g, n, lr, eps),
      f32Step: (w, [a], g) => {
        for (let i = 0; i < w.length; i++) {
          a![i] = f(a![i]! + f(g[i]! * g[i]!));
          w[i] = f(w[i]! - f(f(lr * g[i]!) / sqrt32(f(a![i]! + eps))));
        }
      },
      f64Step: (w, [a], g) => {
        for (let i = 0; i < w.length; i++) { a![i] = a![i]! + g[i]! ** 2; w[i] = w[i]! - lr * g[i]! / Math.sqrt(a![i]! + eps); }
      },
    });
  });

  it.each(SIZES)('adadeltaStep, %i weights', (n) => {
    const rho = f(0.95);
    const rc = f(1 - 0.95);
    checkSteps({
      label: 'adadelta', n, slots: 2,
      kernel: (w, [a, s], g, n) => kernels.adadeltaStep(w, a!, s!, g, n, f(1), rho, 1 - 0.95, eps),
      f32Step: (w, [a, s], g) => {
        for (let i = 0; i < w.length; i++) {
          a![i] = f(f(rho * a![i]!) + f(rc * f(g[i]! * g[i]!)));
          const d = -f(f(sqrt32(f(s![i]! + eps)) * g[i]!) / sqrt32(f(a![i]! + eps)));
          s![i] = f(f(rho * s![i]!) + f(rc * f(d * d)));
          w[i] = f(w[i]! + d);
        }
      },
      f64Step: (w, [a, s], g) => {
        for (let i = 0; i < w.length; i++) {
          a![i] = rho * a![i]! + (1 - rho) * g[i]! ** 2;
          const d = -Math.sqrt(s![i]! + eps) * g[i]! / Math.sqrt(a![i]! + eps);
          s![i] = rho * s![i]! + (1 - rho) * d ** 2;
          w[i] = w[i]! + d;
        }
      },
    });
  });

  it.each(SIZES)('adamaxStep, %i weights', (n) => {
    const [b1, b2] = [0.9, f(0.999)];
    checkSteps({
      label: 'adamax', n, slots: 2,
      kernel: (w, [m, u], g, n, t) => kernels.adamaxStep(w, m!, u!, g, n, lr, 1 - b1, b2, eps, 1 - b1 ** t),
      f32Step: (w, [m, u], g, t) => {
        for (let i = 0; i < w.length; i++) {
          m![i] = f(m![i]! + f(f(g[i]! - m![i]!) * f(1 - b1)));
          u![i] = Math.max(f(b2 * u![i]!), Math.abs(g[i]!));
          w[i] = f(w[i]! - f(f(lr * m![i]!) / f(f(1 - b1 ** t) * f(u![i]! + eps))));
        }
      },
      f64Step: (w, [m, u], g, t) => {
        for (let i = 0; i < w.length; i++) {
          m![i] = m![i]! + (g[i]! - m![i]!) * (1 - b1);
          u![i] = Math.max(b2 * u![i]!, Math.abs(g[i]!));
          w[i] = w[i]! - lr * m![i]! / ((1 - b1 ** t) * (u![i]! + eps));
        }
      },
    });
  });

  it.each(SIZES)('nadamStep, %i weights', (n) => {
    const [b1, b2] = [0.9, 0.999];
    // Keras 3's momentum cache: uₜ = β1(1 − ½·0.96ᵗ), u_product the running product of the uₜ.
    const u = (t: number) => b1 * (1 - 0.5 * 0.96 ** t);
    const product = (t: number) => Array.from({ length: t }, (_, i) => u(i + 1)).reduce((a, b) => a * b, 1);
    const coefficients = (t: number) => ({ mc: u(t + 1) / (1 - product(t) * u(t + 1)), gc: (1 - u(t)) / (1 - product(t)), vc: 1 - b2 ** t });
    checkSteps({
      label: 'nadam', n, slots: 2,
      kernel: (w, [m, v], g, n, t) => {
        const { mc, gc, vc } = coefficients(t);
        kernels.nadamStep(w, m!, v!, g, n, lr, 1 - b1, 1 - b2, eps, mc, gc, vc);
      },
      f32Step: (w, [m, v], g, t) => {
        const { mc, gc, vc } = coefficients(t);
        for (let i = 0; i < w.length; i++) {
          m![i] = f(m![i]! + f(f(g[i]! - m![i]!) * f(1 - b1)));
          v![i] = f(v![i]! + f(f(f(g[i]! * g[i]!) - v![i]!) * f(1 - b2)));
          const mHat = f(f(f(mc) * m![i]!) + f(f(gc) * g[i]!));
          w[i] = f(w[i]! - f(f(mHat * lr) / f(sqrt32(f(v![i]! / f(vc))) + eps)));
        }
      },
      f64Step: (w, [m, v], g, t) => {
        for (let i = 0; i < w.length; i++) {
          m![i] = m![i]! + (g[i]! - m![i]!) * (1 - b1);
          v![i] = v![i]! + (g[i]! ** 2 - v![i]!) * (1 - b2);
          const mHat = u(t + 1) * m![i]! / (1 - product(t + 1)) + (1 - u(t)) * g[i]! / (1 - product(t));
          w[i] = w[i]! - mHat * lr / (Math.sqrt(v![i]! / (1 - b2 ** t)) + eps);
        }
      },
    });
  });

  it.each(SIZES)('lionStep, %i weights', (n) => {
    const [b1, b2] = [f(0.9), f(0.99)];
    const [c1, c2] = [f(1 - b1), f(1 - b2)];
    checkSteps({
      label: 'lion', n, slots: 1,
      kernel: (w, [m], g, n) => kernels.lionStep(w, m!, g, n, lr, b1, c1, b2, c2),
      f32Step: (w, [m], g) => {
        for (let i = 0; i < w.length; i++) {
          const c = f(f(m![i]! * b1) + f(g[i]! * c1));
          w[i] = f(w[i]! - f(lr * Math.sign(c)));
          m![i] = f(f(m![i]! * b2) + f(g[i]! * c2));
        }
      },
      f64Step: (w, [m], g) => {
        for (let i = 0; i < w.length; i++) {
          w[i] = w[i]! - lr * Math.sign(m![i]! * b1 + g[i]! * (1 - b1));
          m![i] = m![i]! * b2 + g[i]! * (1 - b2);
        }
      },
    });
  });

  it.each(SIZES)('adamAmsgradStep, %i weights', (n) => {
    const [b1, b2] = [0.9, 0.999];
    const alphaAt = (t: number) => 0.01 * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t);
    checkSteps({
      label: 'amsgrad', n, slots: 3,
      kernel: (w, [m, v, vh], g, n, t) => kernels.adamAmsgradStep(w, m!, v!, vh!, g, n, alphaAt(t), 1 - b1, 1 - b2, eps),
      f32Step: (w, [m, v, vh], g, t) => {
        const alpha = f(alphaAt(t));
        for (let i = 0; i < w.length; i++) {
          m![i] = f(m![i]! + f(f(g[i]! - m![i]!) * f(1 - b1)));
          v![i] = f(v![i]! + f(f(f(g[i]! * g[i]!) - v![i]!) * f(1 - b2)));
          vh![i] = Math.max(vh![i]!, v![i]!);
          w[i] = f(w[i]! - f(f(m![i]! * alpha) / f(sqrt32(vh![i]!) + eps)));
        }
      },
      f64Step: (w, [m, v, vh], g, t) => {
        for (let i = 0; i < w.length; i++) {
          m![i] = m![i]! + (g[i]! - m![i]!) * (1 - b1);
          v![i] = v![i]! + (g[i]! ** 2 - v![i]!) * (1 - b2);
          vh![i] = Math.max(vh![i]!, v![i]!);
          w[i] = w[i]! - m![i]! * alphaAt(t) / (Math.sqrt(vh![i]!) + eps);
        }
      },
    });
  });

  for (const momentum of [0, 0.5]) {
    it.each(SIZES)(`rmspropCenteredStep, momentum ${momentum}, %i weights`, (n) => {
      const rho = f(0.9);
      const rc = f(1 - 0.9);
      checkSteps({
        label: 'rmsprop centered', n, slots: 3,
        kernel: (w, [v, a, u], g, n) => kernels.rmspropCenteredStep(w, v!, a!, u!, g, n, lr, rho, 1 - 0.9, eps, momentum),
        f32Step: (w, [v, a, u], g) => {
          for (let i = 0; i < w.length; i++) {
            v![i] = f(f(rho * v![i]!) + f(rc * f(g[i]! * g[i]!)));
            a![i] = f(f(rho * a![i]!) + f(rc * g[i]!));
            const step = f(f(lr * g[i]!) / sqrt32(f(f(v![i]! - f(a![i]! * a![i]!)) + eps)));
            if (momentum > 0) { u![i] = f(f(f(momentum) * u![i]!) + step); w[i] = f(w[i]! - u![i]!); } else w[i] = f(w[i]! - step);
          }
        },
        // Keras 3: the denominator is √(v − ḡ² + ε)
        f64Step: (w, [v, a, u], g) => {
          for (let i = 0; i < w.length; i++) {
            v![i] = rho * v![i]! + (1 - rho) * g[i]! ** 2;
            a![i] = rho * a![i]! + (1 - rho) * g[i]!;
            const inc = lr * g[i]! / Math.sqrt(v![i]! - a![i]! ** 2 + eps);
            if (momentum > 0) { u![i] = f(momentum) * u![i]! + inc; w[i] = w[i]! - u![i]!; } else w[i] = w[i]! - inc;
          }
        },
      });
    });
  }

  it.each(SIZES)('weightDecayStep, gradientAccumulate, gradientAccumulatedMean and emaStep to the bit, %i weights', (n) => {
    const rng = mulberry32(n + 900);
    const [w0, g0, acc0, avg0] = [randn(n, rng), randn(n, rng), randn(n, rng), randn(n, rng)];
    const [w, g, acc, avg] = place(w0, g0, acc0, avg0);
    kernels.weightDecayStep(w!.ptr, n, 0.003);
    expectSameBits(w!.read(), w0.map((v) => f(v - f(v * f(0.003)))));
    kernels.gradientAccumulate(acc!.ptr, g!.ptr, n);
    const summed = acc0.map((v, i) => f(g0[i]! + v));
    expectSameBits(acc!.read(), summed);
    kernels.gradientAccumulatedMean(g!.ptr, acc!.ptr, n, 3);
    expectSameBits(g!.read(), g0.map((v, i) => f(f(v + summed[i]!) / 3)));
    expectSameBits(acc!.read(), new Float32Array(n));
    const wNow = w!.read();
    kernels.emaStep(avg!.ptr, w!.ptr, n, 0.99, 1 - f(0.99));
    expectSameBits(avg!.read(), avg0.map((v, i) => f(f(f(0.99) * v) + f(f(1 - f(0.99)) * wNow[i]!))));
    for (const buffer of [w!, g!, acc!, avg!]) buffer.expectIntact();
  });
});
