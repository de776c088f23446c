// Pooling kernels against float64 loops written from the formulas, on awkward sizes (7×5 images, windows 2×2 to
// 3×3, channels on every SIMD block and tail, strides 1–3, Keras's 'valid' and 'same'), with sentinels around
// each output; gradients also by finite differences through the forward kernels.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { axis, dot, expectClose, mulberry32, numericGrad, uniform, useWasm, type Padding, type Rng } from '../helpers.js';

const wasm = useWasm();
const STEP = 1 / 16;
const FD_TOLERANCE = { rtol: 1e-3, atol: 2e-4 };

interface Pool {
  batch: number; height: number; width: number; channels: number; pH: number; pW: number;
  sh: number; sw: number; padTop: number; padLeft: number; outH: number; outW: number;
}

function pool(batch: number, [height, width]: [number, number], channels: number, [pH, pW]: [number, number],
  [sh, sw]: [number, number], padding: Padding): Pool {
  const y = axis(padding, height, pH, sh, 1);
  const x = axis(padding, width, pW, sw, 1);
  return { batch, height, width, channels, pH, pW, sh, sw, padTop: y.pad, padLeft: x.pad, outH: y.out, outW: x.out };
}

const poolDims = (p: Pool) =>
  [p.batch, p.height, p.width, p.channels, p.pH, p.pW, p.sh, p.sw, p.padTop, p.padLeft, p.outH, p.outW] as const;
const poolSizes = (p: Pool) => ({ x: p.batch * p.height * p.width * p.channels, out: p.batch * p.outH * p.outW * p.channels });
const poolLabel = (p: Pool) =>
  `${p.batch}×${p.height}×${p.width}×${p.channels}, pool ${p.pH}×${p.pW}, stride ${p.sh}×${p.sw}, pad ${p.padTop},${p.padLeft}, out ${p.outH}×${p.outW}`;

/** Calls f(oi, cells) for every output with the flat x indices of its window's cells in the image, rows then columns. */
function eachWindow(p: Pool, f: (oi: number, cells: number[]) => void): void {
  for (let n = 0; n < p.batch; n++) for (let oy = 0; oy < p.outH; oy++) for (let ox = 0; ox < p.outW; ox++) {
    for (let c = 0; c < p.channels; c++) {
      const cells: number[] = [];
      for (let py = 0; py < p.pH; py++) for (let px = 0; px < p.pW; px++) {
        const iy = oy * p.sh + py - p.padTop;
        const ix = ox * p.sw + px - p.padLeft;
        if (iy >= 0 && iy < p.height && ix >= 0 && ix < p.width) cells.push(((n * p.height + iy) * p.width + ix) * p.channels + c);
      }
      f(((n * p.outH + oy) * p.outW + ox) * p.channels + c, cells);
    }
  }
}

function maxPoolRef(p: Pool, x: ArrayLike<number>): { out: Float64Array; argmax: Int32Array } {
  const out = new Float64Array(poolSizes(p).out);
  const argmax = new Int32Array(out.length).fill(-1);
  eachWindow(p, (oi, cells) => {
    for (const i of cells) if (argmax[oi] === -1 || x[i]! > x[argmax[oi]!]!) argmax[oi] = i;
    out[oi] = cells.length > 0 ? x[argmax[oi]!]! : 0;
  });
  return { out, argmax };
}

function maxPoolGradRef(p: Pool, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(poolSizes(p).x);
  const { argmax } = maxPoolRef(p, x);
  argmax.forEach((i, oi) => { if (i >= 0) dx[i] = dx[i]! + dy[oi]!; });
  return dx;
}

function avgPoolRef(p: Pool, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(poolSizes(p).out);
  eachWindow(p, (oi, cells) => {
    let s = 0;
    for (const i of cells) s += x[i]!;
    out[oi] = cells.length > 0 ? s / cells.length : 0;
  });
  return out;
}

function avgPoolGradRef(p: Pool, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(poolSizes(p).x);
  eachWindow(p, (oi, cells) => { for (const i of cells) dx[i] = dx[i]! + dy[oi]! / cells.length; });
  return dx;
}

// 7×5 images, 1–5 channels (SIMD block and tails), windows 2×2, 3×2 and 3×3, strides 1–3 (overlapping windows
// at stride 1 and 2), both paddings.
function poolGeometries(): Pool[] {
  const all: Pool[] = [];
  for (const channels of [1, 3, 4, 5, 8, 9]) for (const size of [[2, 2], [3, 2], [3, 3]] as const) {
    for (const stride of [1, 2, 3]) for (const padding of ['valid', 'same'] as const) {
      all.push(pool(2, [7, 5], channels, [size[0], size[1]], [stride, (stride % 3) + 1], padding));
    }
  }
  return all;
}

/** Distinct values (multiples of 1/64 around 0, shuffled), so every window has one maximum, ≥ 1/64 ahead. */
function distinct(n: number, rng: Rng): Float32Array {
  const v = Float32Array.from({ length: n }, (_, i) => (i - Math.floor(n / 2)) / 64);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v;
}

function runMaxPool(p: Pool, x: Float32Array): { out: Float32Array; argmax: Int32Array } {
  const s = poolSizes(p);
  const out = wasm.guarded(s.out, new Float32Array(s.out).fill(Number.NaN));
  const argmax = wasm.guarded(s.out, new Float32Array(s.out).fill(Number.NaN));
  kernels.maxPool2d(out.ptr, argmax.ptr, wasm.put(x), ...poolDims(p), 0, 1);
  out.expectIntact();
  argmax.expectIntact();
  return { out: out.read(), argmax: wasm.readI32(argmax.ptr, s.out) };
}

function runPoolGrad(kernel: 'maxPool2dGrad' | 'avgPool2dGrad', p: Pool, dy: Float32Array, argmax?: Int32Array): Float32Array {
  const dx = wasm.guarded(poolSizes(p).x, uniform(poolSizes(p).x, mulberry32(3))); // stale values must be cleared
  if (kernel === 'maxPool2dGrad') kernels.maxPool2dGrad(dx.ptr, wasm.put(dy), wasm.putI32(argmax!), ...poolDims(p), 0, 1);
  else kernels.avgPool2dGrad(dx.ptr, wasm.put(dy), ...poolDims(p), 0, 1);
  dx.expectIntact();
  return dx.read();
}

function runAvgPool(p: Pool, x: Float32Array): Float32Array {
  const out = wasm.guarded(poolSizes(p).out, new Float32Array(poolSizes(p).out).fill(Number.NaN));
  kernels.avgPool2d(out.ptr, wasm.put(x), ...poolDims(p), 0, 1);
  out.expectIntact();
  return out.read();
}

describe('maxPool2d', () => {
  it('every channel count, window, stride and padding: the maximum and its flat index', () => {
    let seed = 1;
    for (const p of poolGeometries()) {
      const x = distinct(poolSizes(p).x, mulberry32(seed++));
      const ref = maxPoolRef(p, x);
      const got = runMaxPool(p, x);
      expectClose(got.out, ref.out, { rtol: 0, label: `maxPool2d ${poolLabel(p)}` });
      expect(Array.from(got.argmax), `maxPool2d argmax ${poolLabel(p)}`).toEqual(Array.from(ref.argmax));
      wasm.releaseAll();
    }
  });

  it('the first maximum wins a tie, in every lane and in the tail', () => {
    // One 2×2 window over a 2×2 image of 5 channels, all equal: the winner is the top-left cell, channel by channel.
    const p = pool(1, [2, 2], 5, [2, 2], [2, 2], 'valid');
    const { out, argmax } = runMaxPool(p, new Float32Array(20).fill(0.5));
    expect(Array.from(out)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(argmax)).toEqual([0, 1, 2, 3, 4]);
  });

  it("ignores the padding of 'same': an all-negative image pools to negative values, never 0", () => {
    const p = pool(1, [3, 3], 5, [2, 2], [2, 2], 'same'); // out 2×2, the last row and column half outside
    const x = uniform(poolSizes(p).x, mulberry32(5), -2, -1);
    const { out } = runMaxPool(p, x);
    expect(out.every((v) => v < -1)).toBe(true);
    expectClose(out, maxPoolRef(p, x).out, { rtol: 0 });
  });
});

describe('maxPool2dGrad', () => {
  it('every geometry: dx cleared, then each dy added at its window\'s winner (overlapping windows add up)', () => {
    let seed = 100;
    for (const p of poolGeometries()) {
      const x = distinct(poolSizes(p).x, mulberry32(seed++));
      const dy = uniform(poolSizes(p).out, mulberry32(seed++));
      const { argmax } = runMaxPool(p, x);
      expectClose(runPoolGrad('maxPool2dGrad', p, dy, argmax), maxPoolGradRef(p, x, dy), { rtol: 1e-6, atol: 1e-7, label: `maxPool2dGrad ${poolLabel(p)}` });
      wasm.releaseAll();
    }
  });

  it('skips winners outside x (an empty window\'s −1, an index past the end)', () => {
    // dx is the middle 4 of 6 floats of 7: the neighbours must keep their 7 (a NaN guard would absorb an add).
    const p = pool(1, [2, 2], 1, [1, 1], [1, 1], 'valid');
    const block = wasm.put([7, 7, 7, 7, 7, 7]);
    kernels.maxPool2dGrad(block + 4, wasm.put([1, 2, 3, 4]), wasm.putI32([3, -1, 4, 3]), ...poolDims(p), 0, 1);
    expect(Array.from(wasm.read(block, 6))).toEqual([7, 0, 0, 0, 5, 7]);
  });
});

describe('avgPool2d', () => {
  it('every channel count, window, stride and padding', () => {
    let seed = 200;
    for (const p of poolGeometries()) {
      const x = uniform(poolSizes(p).x, mulberry32(seed++));
      expectClose(runAvgPool(p, x), avgPoolRef(p, x), { rtol: 1e-6, atol: 1e-7, label: `avgPool2d ${poolLabel(p)}` });
      wasm.releaseAll();
    }
  });

  it("divides by the cells inside the image, as Keras's 'same' does", () => {
    // 3×3 image of ones and 1..9, 2×2 windows, stride 2, 'same': windows of 4, 2, 2 and 1 cells.
    const p = pool(1, [3, 3], 1, [2, 2], [2, 2], 'same');
    expect(Array.from(runAvgPool(p, new Float32Array(9).fill(1)))).toEqual([1, 1, 1, 1]);
    expect(Array.from(runAvgPool(p, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])))).toEqual([3, 4.5, 7.5, 9]);
  });
});

describe('avgPool2dGrad', () => {
  it('every geometry: dx cleared, then each window spreads dy / cells over its cells', () => {
    let seed = 300;
    for (const p of poolGeometries()) {
      const dy = uniform(poolSizes(p).out, mulberry32(seed++));
      expectClose(runPoolGrad('avgPool2dGrad', p, dy), avgPoolGradRef(p, dy), { rtol: 1e-5, atol: 1e-6, label: `avgPool2dGrad ${poolLabel(p)}` });
      wasm.releaseAll();
    }
  });
});

describe('the pooling gradients agree with finite differences through the forward kernels', () => {
  const shapes = [pool(2, [5, 4], 5, [2, 2], [1, 1], 'same'), pool(1, [7, 5], 3, [3, 2], [2, 1], 'same'), pool(2, [5, 5], 4, [3, 3], [2, 2], 'valid')];
  it.each(shapes.map((p) => [poolLabel(p), p] as const))('%s', (_, p) => {
    const s = poolSizes(p);
    const x = distinct(s.x, mulberry32(s.x));
    const dy = uniform(s.out, mulberry32(s.out));
    const loss = (run: (v: Float32Array) => Float32Array) => (v: Float64Array) => dot(run(Float32Array.from(v)), dy);
    // Max: a step of 1/256 never changes a winner (they lead by ≥ 1/64), and the output is an input exactly.
    const maxNumeric = numericGrad(loss((v) => runMaxPool(p, v).out), Float64Array.from(x), 1 / 256);
    expectClose(runPoolGrad('maxPool2dGrad', p, dy, runMaxPool(p, x).argmax), maxNumeric, { ...FD_TOLERANCE, label: 'maxPool2dGrad' });
    const avgNumeric = numericGrad(loss((v) => runAvgPool(p, v)), Float64Array.from(x), STEP);
    expectClose(runPoolGrad('avgPool2dGrad', p, dy), avgNumeric, { ...FD_TOLERANCE, label: 'avgPool2dGrad' });
  });
});
