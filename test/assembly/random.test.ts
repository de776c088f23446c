// The seeded generator: PCG32's published outputs, an independent BigInt PCG32 that the uniform, permutation
// and dropout kernels must match to the bit, and statistical checks (fixed seeds, so never flaky) for the
// distributions whose transcendental math happens inside the wasm.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { expectSameBits, mulberry32, randn, sampleStats as stats, useWasm } from '../helpers.js';

const wasm = useWasm();
const f = Math.fround;
const N = 100_000;

// ─── An independent PCG-XSH-RR 64/32 (O'Neill's pcg32_srandom_r / pcg32_random_r) ───

const MASK64 = (1n << 64n) - 1n;
const MULT = 6364136223846793005n;

class Pcg32 {
  private state = 0n;
  private readonly inc: bigint;

  constructor(seed: number, stream: number) {
    this.inc = ((BigInt(stream) << 1n) | 1n) & MASK64;
    this.next();
    this.state = (this.state + BigInt(seed)) & MASK64;
    this.next();
  }

  next(): number {
    const old = this.state;
    this.state = (old * MULT + this.inc) & MASK64;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  }

  /** The kernels' uniform: the top 24 bits over 2²⁴, exact in f32. */
  unit(): number {
    return (this.next() >>> 8) / 16777216;
  }

  /** Unbiased integer in [0, bound): Lemire's multiply-and-reject. */
  below(bound: number): number {
    let m = BigInt(this.next()) * BigInt(bound);
    if (Number(m & 0xffffffffn) < bound) {
      const threshold = (2 ** 32 - bound) % bound;
      while (Number(m & 0xffffffffn) < threshold) m = BigInt(this.next()) * BigInt(bound);
    }
    return Number(m >> 32n);
  }
}

/** A 16-byte generator state in wasm memory, seeded. */
function seeded(seed: number, stream = 0): number {
  const state = wasm.alloc(4);
  kernels.seedRandom(state, seed, stream);
  return state;
}

describe('seedRandom and randomU32', () => {
  it("reproduces pcg32-demo's published outputs for seed 42, stream 54", () => {
    const state = seeded(42, 54);
    const out = Array.from({ length: 6 }, () => kernels.randomU32(state));
    expect(out).toEqual([0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]);
  });

  it.each([[0, 0], [1, 0], [42, 54], [2 ** 53 - 1, 7], [123456789, 2 ** 32 - 1]])(
    'matches the BigInt PCG32 for seed %d, stream %d',
    (seed, stream) => {
      const state = seeded(seed, stream);
      const ref = new Pcg32(seed, stream);
      for (let i = 0; i < 1000; i++) expect(kernels.randomU32(state)).toBe(ref.next());
    },
  );

  it('same seed and stream → same bits; another seed or stream → other bits', () => {
    const draw = (seed: number, stream: number) => {
      const x = wasm.alloc(64);
      kernels.randomUniform(x, 64, seeded(seed, stream), 0, 1);
      return wasm.read(x, 64);
    };
    const a = draw(7, 1);
    expectSameBits(draw(7, 1), a);
    for (const other of [draw(8, 1), draw(7, 2)]) {
      const same = a.filter((v, i) => v === other[i]).length;
      expect(same).toBeLessThan(3); // independent streams agree by chance on ~64/2²⁴ values
    }
  });

  it('keeps separate states independent', () => {
    const s1 = seeded(5);
    const s2 = seeded(5);
    kernels.randomU32(s1);
    const ref = new Pcg32(5, 0);
    expect(kernels.randomU32(s2)).toBe(ref.next());
  });
});

describe('randomUniform', () => {
  it('is low + (high − low)·u with u the top 24 bits of each output, bit for bit', () => {
    for (const [low, high] of [[0, 1], [-0.05, 0.05], [-3, 5]] as const) {
      const n = 37;
      const x = wasm.guarded(n);
      kernels.randomUniform(x.ptr, n, seeded(99), low, high);
      x.expectIntact();
      const ref = new Pcg32(99, 0);
      const [l, h] = [f(low), f(high)];
      expectSameBits(x.read(), Float32Array.from({ length: n }, () => f(l + f(f(h - l) * ref.unit()))));
    }
  });

  it(`stays in [low, high) with the right mean over ${N} samples`, () => {
    const [low, high] = [-3, 5];
    const x = wasm.alloc(N);
    kernels.randomUniform(x, N, seeded(2024), low, high);
    const v = wasm.read(x, N);
    expect(v.every((e) => e >= low && e < high)).toBe(true);
    const { mean, std } = stats(v);
    const sigma = (high - low) / Math.sqrt(12);
    expect(Math.abs(mean - (low + high) / 2)).toBeLessThan(5 * sigma / Math.sqrt(N));
    expect(Math.abs(std / sigma - 1)).toBeLessThan(0.01);
  });
});

describe('randomNormal', () => {
  it(`has the requested mean and standard deviation over ${N} samples`, () => {
    for (const [mean, stddev] of [[0, 1], [2, 0.5]] as const) {
      const x = wasm.guarded(N);
      kernels.randomNormal(x.ptr, N, seeded(31337), mean, stddev);
      x.expectIntact();
      const v = x.read();
      expect(v.every(Number.isFinite)).toBe(true);
      const s = stats(v);
      expect(Math.abs(s.mean - mean)).toBeLessThan(5 * stddev / Math.sqrt(N));
      expect(Math.abs(s.std / stddev - 1)).toBeLessThan(5 / Math.sqrt(2 * N));
      // Shape, not just moments: P(|z| < 1) = 0.6827, P(|z| < 2) = 0.9545 (binomial 5σ bands).
      for (const [k, p] of [[1, 0.682689], [2, 0.954500]] as const) {
        const inside = v.filter((e) => Math.abs(e - mean) < k * stddev).length / N;
        expect(Math.abs(inside - p)).toBeLessThan(5 * Math.sqrt(p * (1 - p) / N));
      }
    }
  });

  it('gives different samples for different seeds, the same for the same seed', () => {
    const run = (seed: number) => {
      const x = wasm.alloc(16);
      kernels.randomNormal(x, 16, seeded(seed), 0, 1);
      return wasm.read(x, 16);
    };
    expectSameBits(run(1), run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});

describe('truncatedNormal', () => {
  it(`never goes beyond 2σ and has the truncated standard deviation over ${N} samples`, () => {
    const [mean, stddev] = [0.5, 2];
    const x = wasm.guarded(N);
    kernels.truncatedNormal(x.ptr, N, seeded(11), mean, stddev);
    x.expectIntact();
    const v = x.read();
    expect(v.every((e) => Math.abs(e - mean) <= 2 * stddev * (1 + 1e-6))).toBe(true);
    const s = stats(v);
    expect(Math.abs(s.mean - mean)).toBeLessThan(5 * stddev / Math.sqrt(N));
    // N(0, 1) cut at ±2 has σ = 0.8796 (Keras's .87962566103423978); clipping instead of redrawing gives 0.92+.
    expect(Math.abs(s.std / stddev - 0.8796256610342398)).toBeLessThan(0.01);
    // Redrawn, not clipped: no pile-up at the edges.
    expect(v.filter((e) => Math.abs(e - mean) > 1.99 * stddev).length / N).toBeLessThan(0.002);
  });
});

describe('permutation', () => {
  it.each([0, 1, 2, 3, 5, 17, 127, 1000])('is a permutation of 0..n−1, n = %i', (n) => {
    const idx = wasm.guarded(n);
    kernels.permutation(idx.ptr, n, seeded(n));
    idx.expectIntact();
    const v = Array.from(wasm.readI32(idx.ptr, n)).sort((a, b) => a - b);
    expect(v).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('is Fisher–Yates with Lemire bounded draws over the PCG32 stream, bit for bit', () => {
    const n = 127;
    const idx = wasm.alloc(n);
    const state = seeded(4242, 3);
    const ref = new Pcg32(4242, 3);
    for (let round = 0; round < 3; round++) {
      kernels.permutation(idx, n, state);
      const expected = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = ref.below(i + 1);
        [expected[i], expected[j]] = [expected[j]!, expected[i]!];
      }
      expect(Array.from(wasm.readI32(idx, n))).toEqual(expected);
    }
  });

  it('draws all 24 orders of 4 items equally often (χ² over 24 000 shuffles)', () => {
    const n = 4;
    const draws = 24_000;
    const idx = wasm.alloc(n);
    const state = seeded(77);
    const counts = new Map<string, number>();
    for (let d = 0; d < draws; d++) {
      kernels.permutation(idx, n, state);
      const key = wasm.readI32(idx, n).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const expected = draws / 24;
    let chi2 = 0;
    for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
    expect(chi2).toBeLessThan(60); // 23 degrees of freedom: P(χ² > 60) ≈ 4e-5
  });

  it('puts every item in every position equally often (χ² over 10 000 shuffles of 10)', () => {
    const n = 10;
    const draws = 10_000;
    const idx = wasm.alloc(n);
    const state = seeded(78);
    const counts = new Float64Array(n * n);
    for (let d = 0; d < draws; d++) {
      kernels.permutation(idx, n, state);
      wasm.readI32(idx, n).forEach((item, pos) => { counts[item * n + pos] = counts[item * n + pos]! + 1; });
    }
    const expected = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(150); // 81 degrees of freedom: P(χ² > 150) ≈ 1e-6
  });
});

describe('dropoutMask and multiply', () => {
  it.each([0.1, 0.3, 0.5, 0.9])(`rate %d: zeros with probability rate, else 1/(1 − rate), over ${N} samples`, (rate) => {
    const mask = wasm.guarded(N);
    kernels.dropoutMask(mask.ptr, N, seeded(Math.round(rate * 10)), rate);
    mask.expectIntact();
    const v = mask.read();
    const keep = f(1 / (1 - f(rate)));
    expect(v.every((e) => e === 0 || e === keep)).toBe(true);
    const dropped = v.filter((e) => e === 0).length / N;
    expect(Math.abs(dropped - rate)).toBeLessThan(5 * Math.sqrt(rate * (1 - rate) / N));
    // Inverted dropout keeps the expected activation: E[mask] = 1.
    expect(Math.abs(v.reduce((s, e) => s + e, 0) / N - 1)).toBeLessThan(5 * Math.sqrt(rate / (1 - rate) / N));
  });

  it('drops exactly where the uniform draw is below the rate, bit for bit', () => {
    const n = 50;
    const rate = 0.4;
    const mask = wasm.alloc(n);
    kernels.dropoutMask(mask, n, seeded(5), rate);
    const ref = new Pcg32(5, 0);
    const keep = f(1 / (1 - f(rate)));
    expectSameBits(wasm.read(mask, n), Float32Array.from({ length: n }, () => (ref.unit() < f(rate) ? 0 : keep)));
  });

  it('rate 0 keeps everything at scale 1', () => {
    const mask = wasm.alloc(33);
    kernels.dropoutMask(mask, 33, seeded(1), 0);
    expect(Array.from(wasm.read(mask, 33))).toEqual(new Array(33).fill(1));
  });

  it.each([1, 3, 5, 17, 33, 127])('multiply is x·mask elementwise, n = %i', (n) => {
    const rng = mulberry32(n);
    const x = randn(n, rng);
    const m = randn(n, rng);
    const y = wasm.guarded(n);
    kernels.multiply(y.ptr, wasm.put(x), wasm.put(m), n);
    y.expectIntact();
    expectSameBits(y.read(), Float32Array.from(x, (v, i) => f(v * m[i]!)));
  });
});
