// Depthwise-convolution kernels against float64 loops written from the formula, on awkward sizes (7×5 images, 3×2
// kernels, input channels on every SIMD block and tail, multipliers 1–4, strides 1–3, dilation 1–2, Keras's 'valid'
// and 'same'), with sentinels around each output; gradients also by finite differences through the forward kernel,
// and a sample's results must not depend on the batch it came in.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { axis, dot, expectClose, expectSameBits, mulberry32, numericGrad, uniform, useWasm, type Padding, type Rng } from '../helpers.js';

const wasm = useWasm();

// ─── Geometry, as Keras's DepthwiseConv2D would hand it to the kernels (axis() in helpers.ts) ───

interface Depthwise {
  batch: number; height: number; width: number; inC: number; multiplier: number; kH: number; kW: number;
  sh: number; sw: number; dh: number; dw: number; padTop: number; padLeft: number; outH: number; outW: number;
}

function depthwise(batch: number, [height, width]: [number, number], inC: number, multiplier: number, [kH, kW]: [number, number],
  [sh, sw]: [number, number], [dh, dw]: [number, number], padding: Padding): Depthwise {
  const y = axis(padding, height, kH, sh, dh);
  const x = axis(padding, width, kW, sw, dw);
  return { batch, height, width, inC, multiplier, kH, kW, sh, sw, dh, dw, padTop: y.pad, padLeft: x.pad, outH: y.out, outW: x.out };
}

/** The kernels' geometry arguments, in order. */
const dims = (g: Depthwise) =>
  [g.batch, g.height, g.width, g.inC, g.multiplier, g.kH, g.kW, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW] as const;
const outC = (g: Depthwise) => g.inC * g.multiplier;
const sizes = (g: Depthwise) => ({
  x: g.batch * g.height * g.width * g.inC, w: g.kH * g.kW * outC(g), out: g.batch * g.outH * g.outW * outC(g),
});
const label = (g: Depthwise) =>
  `${g.batch}×${g.height}×${g.width}×${g.inC} × multiplier ${g.multiplier}, kernel ${g.kH}×${g.kW}, stride ${g.sh}×${g.sw}, ` +
  `dilation ${g.dh}×${g.dw}, pad ${g.padTop},${g.padLeft}, out ${g.outH}×${g.outW}`;

/**
 * Calls f(xi, wi, oi) for every term of out[n,oy,ox,ci·M + m] = Σ_{ky,kx} x[n, oy·sh + ky·dh − padTop,
 * ox·sw + kx·dw − padLeft, ci]·w[ky,kx,ci,m] whose tap lies in the image: the one formula all three references use.
 */
function eachTerm(g: Depthwise, f: (xi: number, wi: number, oi: number) => void): void {
  for (let n = 0; n < g.batch; n++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    for (let ky = 0; ky < g.kH; ky++) for (let kx = 0; kx < g.kW; kx++) {
      const iy = oy * g.sh + ky * g.dh - g.padTop;
      const ix = ox * g.sw + kx * g.dw - g.padLeft;
      if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) continue;
      for (let ci = 0; ci < g.inC; ci++) for (let m = 0; m < g.multiplier; m++) {
        f(((n * g.height + iy) * g.width + ix) * g.inC + ci, ((ky * g.kW + kx) * g.inC + ci) * g.multiplier + m,
          ((n * g.outH + oy) * g.outW + ox) * outC(g) + ci * g.multiplier + m);
      }
    }
  }
}

function forwardRef(g: Depthwise, x: ArrayLike<number>, w: ArrayLike<number>, b?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(sizes(g).out);
  if (b) for (let i = 0; i < out.length; i++) out[i] = b[i % outC(g)]!;
  eachTerm(g, (xi, wi, oi) => { out[oi] = out[oi]! + x[xi]! * w[wi]!; });
  return out;
}

function inputGradRef(g: Depthwise, dy: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(sizes(g).x);
  eachTerm(g, (xi, wi, oi) => { dx[xi] = dx[xi]! + dy[oi]! * w[wi]!; });
  return dx;
}

function filterGradRef(g: Depthwise, x: ArrayLike<number>, dy: ArrayLike<number>): { dw: Float64Array; db: Float64Array } {
  const dw = new Float64Array(sizes(g).w);
  const db = new Float64Array(outC(g));
  eachTerm(g, (xi, wi, oi) => { dw[wi] = dw[wi]! + x[xi]! * dy[oi]!; });
  for (let i = 0; i < dy.length; i++) db[i % outC(g)] = db[i % outC(g)]! + dy[i]!;
  return { dw, db };
}

// f32 sums of k products of values in [−1, 1]: rounding grows like k·2⁻²⁴ in the worst case.
const tolerance = (k: number) => ({ rtol: 1e-5, atol: 2e-6 * Math.max(k, 1) });

// Every combination on a 7×5 image with a 3×2 kernel: input channels on every path (1, 3: a scalar tail; 4, 5: one
// f32x4 and a tail; 8; 13: three and a tail), multipliers 1 (lanes over channels) to 4 (gathered inputs), strides
// with sh ≠ sw, both paddings, dilation.
const IN_CHANNELS = [1, 3, 4, 5, 8, 13];
const MULTIPLIERS = [1, 2, 3, 4];
function geometries(inC: number, multiplier: number): Depthwise[] {
  const all: Depthwise[] = [];
  for (const stride of [1, 2, 3]) for (const dilation of [1, 2]) for (const padding of ['valid', 'same'] as const) {
    all.push(depthwise(2, [7, 5], inC, multiplier, [3, 2], [stride, (stride % 3) + 1], [dilation, 3 - dilation], padding));
  }
  return all;
}
const COMBINATIONS = IN_CHANNELS.flatMap((inC) => MULTIPLIERS.map((m) => [inC, m] as const));

interface Data { x: Float32Array; w: Float32Array; b: Float32Array; dy: Float32Array }
function data(g: Depthwise, rng: Rng): Data {
  const s = sizes(g);
  return { x: uniform(s.x, rng), w: uniform(s.w, rng), b: uniform(outC(g), rng), dy: uniform(s.out, rng) };
}

function runForward(g: Depthwise, d: Data, bias: boolean, shift = 0): Float32Array {
  const x = wasm.put(d.x);
  const w = wasm.put(d.w);
  const out = wasm.guarded(sizes(g).out, new Float32Array(sizes(g).out).fill(Number.NaN), shift); // must be overwritten
  kernels.depthwiseConv2d(out.ptr, x, w, bias ? wasm.put(d.b) : 0, ...dims(g));
  out.expectIntact();
  expectSameBits(wasm.read(x, d.x.length), d.x, 'depthwiseConv2d overwrote x');
  expectSameBits(wasm.read(w, d.w.length), d.w, 'depthwiseConv2d overwrote w');
  return out.read();
}

function runInputGrad(g: Depthwise, d: Data, shift = 0): Float32Array {
  const dx = wasm.guarded(sizes(g).x, new Float32Array(sizes(g).x).fill(Number.NaN), shift);
  kernels.depthwiseConv2dInputGrad(dx.ptr, wasm.put(d.dy), wasm.put(d.w), ...dims(g));
  dx.expectIntact();
  return dx.read();
}

function runFilterGrad(g: Depthwise, d: Data, bias: boolean): { dw: Float32Array; db: Float32Array } {
  const dw = wasm.guarded(sizes(g).w, uniform(sizes(g).w, mulberry32(1)), 1); // stale values must be overwritten
  const db = wasm.guarded(outC(g), uniform(outC(g), mulberry32(2)), 2);
  kernels.depthwiseConv2dFilterGrad(dw.ptr, bias ? db.ptr : 0, wasm.put(d.x), wasm.put(d.dy), ...dims(g));
  dw.expectIntact();
  db.expectIntact();
  return { dw: dw.read(), db: db.read() };
}

describe('depthwiseConv2d', () => {
  it.each(COMBINATIONS)('inC = %i, multiplier %i: every stride, dilation and padding, with and without bias', (inC, multiplier) => {
    let seed = inC * 1000 + multiplier * 100;
    for (const g of geometries(inC, multiplier)) {
      const d = data(g, mulberry32(seed++));
      const tol = tolerance(g.kH * g.kW);
      expectClose(runForward(g, d, true), forwardRef(g, d.x, d.w, d.b), { ...tol, label: `depthwiseConv2d ${label(g)} with bias` });
      expectClose(runForward(g, d, false), forwardRef(g, d.x, d.w), { ...tol, label: `depthwiseConv2d ${label(g)}` });
      wasm.releaseAll();
    }
  });

  it('computes a hand-checked convolution exactly (two channels, multiplier 2)', () => {
    // x: 1×2×2, channel 0 = [[1, 2], [3, 4]], channel 1 = [[10, 20], [30, 40]]; a 2×2 'valid' kernel, one output pixel.
    // Filters: channel 0 → (sum of all, top-left only), channel 1 → (top-right, −bottom-left); bias 0.5 on each.
    const g = depthwise(1, [2, 2], 2, 2, [2, 2], [1, 1], [1, 1], 'valid');
    const w = [1, 1, 0, 0, /* ky 0, kx 1 */ 1, 0, 1, 0, /* ky 1, kx 0 */ 1, 0, 0, -1, /* ky 1, kx 1 */ 1, 0, 0, 0];
    const out = wasm.alloc(4);
    kernels.depthwiseConv2d(out, wasm.put([1, 10, 2, 20, 3, 30, 4, 40]), wasm.put(w), wasm.put([0.5, 0.5, 0.5, 0.5]), ...dims(g));
    expect(Array.from(wasm.read(out, 4))).toEqual([10.5, 1.5, 20.5, -29.5]);
  });

  it('gives the same bits on buffers off the 64-byte alignment', () => {
    for (const multiplier of [1, 3]) {
      const g = depthwise(2, [7, 5], 5, multiplier, [3, 2], [1, 2], [1, 1], 'same');
      const d = data(g, mulberry32(4));
      expectSameBits(runForward(g, d, true, 1), runForward(g, d, true, 0), `depthwiseConv2d shifted, multiplier ${multiplier}`);
      expectSameBits(runInputGrad(g, d, 3), runInputGrad(g, d, 0), `depthwiseConv2dInputGrad shifted, multiplier ${multiplier}`);
    }
  });
});

describe('depthwiseConv2dInputGrad', () => {
  it.each(COMBINATIONS)('inC = %i, multiplier %i: every stride, dilation and padding against the reference', (inC, multiplier) => {
    let seed = inC * 1000 + multiplier * 100 + 50;
    for (const g of geometries(inC, multiplier)) {
      const d = data(g, mulberry32(seed++));
      expectClose(runInputGrad(g, d), inputGradRef(g, d.dy, d.w), { ...tolerance(g.kH * g.kW * g.multiplier), label: `depthwiseConv2dInputGrad ${label(g)}` });
      wasm.releaseAll();
    }
  });

  it('writes 0 where no tap reads (stride 3 over a 1×1 kernel skips rows and columns)', () => {
    const g = depthwise(1, [7, 5], 5, 1, [1, 1], [3, 3], [1, 1], 'valid');
    const d = data(g, mulberry32(6));
    const dx = runInputGrad(g, d);
    for (let iy = 0; iy < 7; iy++) for (let ix = 0; ix < 5; ix++) {
      const read = iy % 3 === 0 && ix % 3 === 0;
      for (let c = 0; c < 5; c++) if (!read) expect(dx[(iy * 5 + ix) * 5 + c], `dx[${iy},${ix},${c}]`).toBe(0);
    }
  });
});

describe('depthwiseConv2dFilterGrad', () => {
  it.each(COMBINATIONS)('inC = %i, multiplier %i: every stride, dilation and padding, with and without db', (inC, multiplier) => {
    let seed = inC * 1000 + multiplier * 100 + 70;
    for (const g of geometries(inC, multiplier)) {
      const d = data(g, mulberry32(seed++));
      const ref = filterGradRef(g, d.x, d.dy);
      const tol = tolerance(g.batch * g.outH * g.outW);
      const withBias = runFilterGrad(g, d, true);
      expectClose(withBias.dw, ref.dw, { ...tol, label: `depthwiseConv2dFilterGrad dw ${label(g)}` });
      expectClose(withBias.db, ref.db, { ...tol, label: `depthwiseConv2dFilterGrad db ${label(g)}` });
      expectSameBits(runFilterGrad(g, d, false).dw, withBias.dw, `depthwiseConv2dFilterGrad without db ${label(g)}`);
      wasm.releaseAll();
    }
  });

  it('with an empty batch: dw and db all zeros', () => {
    const g = depthwise(0, [7, 5], 5, 2, [3, 2], [1, 1], [1, 1], 'same');
    const empty = runFilterGrad(g, { x: new Float32Array(0), w: new Float32Array(0), b: new Float32Array(0), dy: new Float32Array(0) }, true);
    expect(Array.from(empty.dw)).toEqual(new Array(sizes(g).w).fill(0));
    expect(Array.from(empty.db)).toEqual(new Array(outC(g)).fill(0));
  });
});

// ─── Finite differences through the forward kernel ───

// depthwiseConv2d is linear in x, w and b, so a wide step has no truncation error and keeps f32 rounding small beside it.
const STEP = 1 / 16;
const FD_TOLERANCE = { rtol: 1e-3, atol: 2e-4 };
const FD_SHAPES = [
  depthwise(2, [5, 4], 3, 1, [3, 2], [1, 1], [1, 1], 'same'),
  depthwise(2, [7, 5], 5, 2, [3, 2], [2, 3], [2, 1], 'same'),
  depthwise(1, [7, 5], 4, 3, [2, 2], [3, 2], [1, 2], 'valid'),
  depthwise(2, [1, 9], 2, 1, [1, 3], [1, 2], [1, 2], 'same'), // as DepthwiseConv1D
];

/** L = Σ depthwiseConv2d(x, w, b)·dy in float64, from the f32 kernel's output. */
function forwardLoss(g: Depthwise, dy: Float32Array) {
  return (x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>): number => {
    const out = wasm.alloc(sizes(g).out);
    kernels.depthwiseConv2d(out, wasm.put(x), wasm.put(w), wasm.put(b), ...dims(g));
    return dot(wasm.read(out, sizes(g).out), dy);
  };
}

describe('the depthwise gradients agree with finite differences through depthwiseConv2d', () => {
  it.each(FD_SHAPES.map((g) => [label(g), g] as const))('%s', (_, g) => {
    const d = data(g, mulberry32(outC(g) + 11));
    const loss = forwardLoss(g, d.dy);
    const x = Float64Array.from(d.x);
    const w = Float64Array.from(d.w);
    const b = Float64Array.from(d.b);
    expectClose(runInputGrad(g, d), numericGrad((v) => loss(v, w, b), x, STEP), { ...FD_TOLERANCE, label: 'dx' });
    const { dw, db } = runFilterGrad(g, d, true);
    expectClose(dw, numericGrad((v) => loss(x, v, b), w, STEP), { ...FD_TOLERANCE, label: 'dw' });
    expectClose(db, numericGrad((v) => loss(x, w, v), b, STEP), { ...FD_TOLERANCE, label: 'db' });
  });
});

// ─── Batch independence ───

describe('results do not depend on how many samples come together', () => {
  it.each([[1, 1], [4, 1], [5, 1], [13, 1], [3, 2], [5, 4]].map(([inC, m]) => [inC!, m!, depthwise(5, [7, 5], inC!, m!, [3, 2], [2, 1], [1, 2], 'same')] as const))(
    'inC = %i, multiplier %i: forward and input gradient of a batch of 5 match samples 0–2 and 3–4 computed apart, bit for bit', (_, __, g) => {
      const d = data(g, mulberry32(outC(g)));
      const whole = { forward: runForward(g, d, true), input: runInputGrad(g, d) };
      const per = { x: g.height * g.width * g.inC, out: g.outH * g.outW * outC(g) };
      for (const [n0, n1] of [[0, 3], [3, 5]] as const) {
        const part = { ...g, batch: n1 - n0 };
        const pd = { ...d, x: d.x.subarray(n0 * per.x, n1 * per.x), dy: d.dy.subarray(n0 * per.out, n1 * per.out) };
        expectSameBits(runForward(part, pd, true), whole.forward.subarray(n0 * per.out, n1 * per.out), `depthwiseConv2d samples ${n0}..${n1}`);
        expectSameBits(runInputGrad(part, pd), whole.input.subarray(n0 * per.x, n1 * per.x), `depthwiseConv2dInputGrad samples ${n0}..${n1}`);
      }
    });
});
