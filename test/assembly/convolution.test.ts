// Convolution kernels against float64 loops written from the formulas, on awkward sizes (7×5 images, 3×2
// kernels, output channels on every SIMD block and tail, strides 1–3, dilation 1–2, Keras's 'valid' and
// 'same'), with sentinels around each output; gradients also by finite differences through the forward
// kernel, and a sample's results must not depend on the batch it came in.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { ACTIVATIONS, type ActivationKernels } from '../../src/activations.js';
import { axis, convDims as dims, convGeometry as conv, convSizes as sizes, dot, expectClose, expectSameBits, mulberry32, numericGrad, uniform, useWasm, type ConvGeometry as Conv, type Padding, type Rng } from '../helpers.js';

const wasm = useWasm();

// ─── Geometry, as a Keras layer would hand it to the kernels (convGeometry and axis() in helpers.ts) ───

const label = (g: Conv) =>
  `${g.batch}×${g.height}×${g.width}×${g.inC} → ${g.outC}, kernel ${g.kH}×${g.kW}, stride ${g.sh}×${g.sw}, ` +
  `dilation ${g.dh}×${g.dw}, pad ${g.padTop},${g.padLeft}, out ${g.outH}×${g.outW}`;

/**
 * Calls f(xi, wi, oi) for every term of out[n,oy,ox,oc] = Σ_{ky,kx,ci} x[n, oy·sh + ky·dh − padTop,
 * ox·sw + kx·dw − padLeft, ci]·w[ky,kx,ci,oc] whose tap lies in the image: the one formula all three references use.
 */
function eachTerm(g: Conv, f: (xi: number, wi: number, oi: number) => void): void {
  for (let n = 0; n < g.batch; n++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    for (let ky = 0; ky < g.kH; ky++) for (let kx = 0; kx < g.kW; kx++) {
      const iy = oy * g.sh + ky * g.dh - g.padTop;
      const ix = ox * g.sw + kx * g.dw - g.padLeft;
      if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) continue;
      for (let ci = 0; ci < g.inC; ci++) for (let oc = 0; oc < g.outC; oc++) {
        f(((n * g.height + iy) * g.width + ix) * g.inC + ci, ((ky * g.kW + kx) * g.inC + ci) * g.outC + oc,
          ((n * g.outH + oy) * g.outW + ox) * g.outC + oc);
      }
    }
  }
}

function conv2dRef(g: Conv, x: ArrayLike<number>, w: ArrayLike<number>, b?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(sizes(g).out);
  if (b) for (let i = 0; i < out.length; i++) out[i] = b[i % g.outC]!;
  eachTerm(g, (xi, wi, oi) => { out[oi] = out[oi]! + x[xi]! * w[wi]!; });
  return out;
}

function inputGradRef(g: Conv, dy: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(sizes(g).x);
  eachTerm(g, (xi, wi, oi) => { dx[xi] = dx[xi]! + dy[oi]! * w[wi]!; });
  return dx;
}

function filterGradRef(g: Conv, x: ArrayLike<number>, dy: ArrayLike<number>): { dw: Float64Array; db: Float64Array } {
  const dw = new Float64Array(sizes(g).w);
  const db = new Float64Array(g.outC);
  eachTerm(g, (xi, wi, oi) => { dw[wi] = dw[wi]! + x[xi]! * dy[oi]!; });
  for (let i = 0; i < dy.length; i++) db[i % g.outC] = db[i % g.outC]! + dy[i]!;
  return { dw, db };
}

/** Σ a·b in float64: the loss whose gradient with respect to the output is b. */
// f32 sums of k products of values in [−1, 1]: rounding grows like k·2⁻²⁴ in the worst case.
const tolerance = (k: number) => ({ rtol: 1e-5, atol: 2e-6 * Math.max(k, 1) });

// Every combination on a 7×5 image with a 3×2 kernel: output channels on every path (1, 3: scalar tail; 4, 5: one
// f32x4 and a tail; 8, 9: two; 16, 17, 29: four and tails), strides with sh ≠ sw, both paddings, dilation.
const OUT_CHANNELS = [1, 3, 4, 5, 8, 9, 16, 17, 29];
function geometries(outC: number): Conv[] {
  const all: Conv[] = [];
  for (const inC of [1, 3]) for (const stride of [1, 2, 3]) for (const dilation of [1, 2]) for (const padding of ['valid', 'same'] as const) {
    all.push(conv(2, [7, 5], inC, outC, [3, 2], [stride, (stride % 3) + 1], [dilation, 3 - dilation], padding));
  }
  return all;
}

/** Conv1D as Keras lowers it: height 1, kernelH 1. */
function conv1d(batch: number, steps: number, inC: number, outC: number, k: number, stride: number, dilation: number, padding: Padding): Conv {
  return conv(batch, [1, steps], inC, outC, [1, k], [1, stride], [1, dilation], padding);
}

interface Data { x: Float32Array; w: Float32Array; b: Float32Array; dy: Float32Array }
function data(g: Conv, rng: Rng): Data {
  const s = sizes(g);
  return { x: uniform(s.x, rng), w: uniform(s.w, rng), b: uniform(g.outC, rng), dy: uniform(s.out, rng) };
}

function runConv2d(g: Conv, d: Data, bias: boolean, shift = 0): Float32Array {
  const x = wasm.put(d.x);
  const w = wasm.put(d.w);
  const out = wasm.guarded(sizes(g).out, new Float32Array(sizes(g).out).fill(Number.NaN), shift); // must be overwritten
  kernels.conv2d(out.ptr, x, w, bias ? wasm.put(d.b) : 0, ...dims(g));
  out.expectIntact();
  expectSameBits(wasm.read(x, d.x.length), d.x, 'conv2d overwrote x');
  expectSameBits(wasm.read(w, d.w.length), d.w, 'conv2d overwrote w');
  return out.read();
}

function runInputGrad(g: Conv, d: Data): Float32Array {
  const dx = wasm.guarded(sizes(g).x, new Float32Array(sizes(g).x).fill(Number.NaN));
  kernels.conv2dInputGrad(dx.ptr, wasm.put(d.dy), wasm.put(d.w), ...dims(g), 0, 1);
  dx.expectIntact();
  return dx.read();
}

function runFilterGrad(g: Conv, d: Data, bias: boolean): { dw: Float32Array; db: Float32Array } {
  const dw = wasm.guarded(sizes(g).w, uniform(sizes(g).w, mulberry32(1))); // stale values must be overwritten
  const db = wasm.guarded(g.outC, uniform(g.outC, mulberry32(2)));
  kernels.conv2dFilterGrad(dw.ptr, bias ? db.ptr : 0, wasm.put(d.x), wasm.put(d.dy), ...dims(g), 0, 1);
  dw.expectIntact();
  db.expectIntact();
  return { dw: dw.read(), db: db.read() };
}

describe('the Keras geometry the tests use', () => {
  it("matches Keras's output sizes and 'same' padding", () => {
    expect(axis('valid', 28, 5, 1, 1)).toEqual({ out: 24, pad: 0 });
    expect(axis('valid', 7, 3, 2, 2)).toEqual({ out: 2, pad: 0 }); // span 5: windows at 0 and 2
    expect(axis('same', 7, 3, 1, 1)).toEqual({ out: 7, pad: 1 });
    expect(axis('same', 5, 2, 1, 1)).toEqual({ out: 5, pad: 0 }); // total 1: the smaller half (0) first
    expect(axis('same', 7, 3, 2, 1)).toEqual({ out: 4, pad: 1 });
    expect(axis('same', 5, 2, 3, 1)).toEqual({ out: 2, pad: 0 });
    expect(axis('same', 6, 3, 3, 2)).toEqual({ out: 2, pad: 1 }); // total (2 − 1)·3 + 5 − 6 = 2
  });
});

describe('conv2d', () => {
  it.each(OUT_CHANNELS)('outC = %i: every inC, stride, dilation and padding, with and without bias', (outC) => {
    let seed = outC * 1000;
    for (const g of geometries(outC)) {
      const d = data(g, mulberry32(seed++));
      const tol = tolerance(g.kH * g.kW * g.inC);
      expectClose(runConv2d(g, d, true), conv2dRef(g, d.x, d.w, d.b), { ...tol, label: `conv2d ${label(g)} with bias` });
      expectClose(runConv2d(g, d, false), conv2dRef(g, d.x, d.w), { ...tol, label: `conv2d ${label(g)}` });
      wasm.releaseAll();
    }
  });

  it('as Conv1D (height 1, kernelH 1): every stride, dilation and padding', () => {
    let seed = 1;
    for (const outC of [1, 4, 9]) for (const stride of [1, 2, 3]) for (const dilation of [1, 2]) for (const padding of ['valid', 'same'] as const) {
      const g = conv1d(3, 11, 3, outC, 3, stride, dilation, padding);
      const d = data(g, mulberry32(seed++));
      expectClose(runConv2d(g, d, true), conv2dRef(g, d.x, d.w, d.b), { ...tolerance(9), label: `conv1d ${label(g)}` });
    }
  });

  it('computes a hand-checked convolution exactly', () => {
    // x = [[1, 2, 3], [4, 5, 6]] (one channel), w = [[1, 0], [0, −1]], b = 10, 'valid': x[i][j] − x[i+1][j+1] + 10.
    const g = conv(1, [2, 3], 1, 1, [2, 2], [1, 1], [1, 1], 'valid');
    const out = wasm.alloc(2);
    kernels.conv2d(out, wasm.put([1, 2, 3, 4, 5, 6]), wasm.put([1, 0, 0, -1]), wasm.put([10]), ...dims(g));
    expect(Array.from(wasm.read(out, 2))).toEqual([6, 6]);
  });

  it('a 28×28×1 image with 8 5×5 filters and a 12×12×8 one with 16 (LeNet\'s sizes) match the reference', () => {
    for (const g of [conv(2, [28, 28], 1, 8, [5, 5], [1, 1], [1, 1], 'valid'), conv(2, [12, 12], 8, 16, [5, 5], [1, 1], [1, 1], 'same')]) {
      const d = data(g, mulberry32(g.inC));
      expectClose(runConv2d(g, d, true), conv2dRef(g, d.x, d.w, d.b), { ...tolerance(g.kH * g.kW * g.inC), label: label(g) });
    }
  });

  it('gives the same bits on buffers off the 64-byte alignment', () => {
    const g = conv(2, [7, 5], 3, 9, [3, 2], [1, 2], [1, 1], 'same');
    const d = data(g, mulberry32(4));
    expectSameBits(runConv2d(g, d, true, 1), runConv2d(g, d, true, 0), 'conv2d shifted');
  });
});

describe('conv2dInputGrad', () => {
  it.each(OUT_CHANNELS)('outC = %i: every inC, stride, dilation and padding against the reference', (outC) => {
    let seed = outC * 1000 + 500;
    for (const g of geometries(outC)) {
      const d = data(g, mulberry32(seed++));
      expectClose(runInputGrad(g, d), inputGradRef(g, d.dy, d.w), { ...tolerance(g.kH * g.kW * g.outC), label: `conv2dInputGrad ${label(g)}` });
      wasm.releaseAll();
    }
  });

  it('with inC on every path (1, 3, 4, 5, 8, 9) and as Conv1D', () => {
    let seed = 9;
    const shapes = [1, 3, 4, 5, 8, 9].map((inC) => conv(2, [7, 5], inC, 5, [3, 2], [2, 1], [1, 2], 'same'))
      .concat([conv1d(2, 11, 3, 4, 3, 2, 2, 'same'), conv1d(2, 11, 5, 9, 3, 3, 1, 'valid')]);
    for (const g of shapes) {
      const d = data(g, mulberry32(seed++));
      expectClose(runInputGrad(g, d), inputGradRef(g, d.dy, d.w), { ...tolerance(g.kH * g.kW * g.outC), label: `conv2dInputGrad ${label(g)}` });
    }
  });
});

describe('conv2dFilterGrad', () => {
  it.each(OUT_CHANNELS)('outC = %i: every inC, stride, dilation and padding, with and without db', (outC) => {
    let seed = outC * 1000 + 700;
    for (const g of geometries(outC)) {
      const d = data(g, mulberry32(seed++));
      const ref = filterGradRef(g, d.x, d.dy);
      const tol = tolerance(g.batch * g.outH * g.outW);
      const withBias = runFilterGrad(g, d, true);
      expectClose(withBias.dw, ref.dw, { ...tol, label: `conv2dFilterGrad dw ${label(g)}` });
      expectClose(withBias.db, ref.db, { ...tol, label: `conv2dFilterGrad db ${label(g)}` });
      expectSameBits(runFilterGrad(g, d, false).dw, withBias.dw, `conv2dFilterGrad without db ${label(g)}`);
      wasm.releaseAll();
    }
  });

  it('as Conv1D, and with an empty batch (dw and db all zeros)', () => {
    const g = conv1d(3, 11, 3, 9, 3, 2, 2, 'same');
    const d = data(g, mulberry32(8));
    const ref = filterGradRef(g, d.x, d.dy);
    const got = runFilterGrad(g, d, true);
    expectClose(got.dw, ref.dw, { ...tolerance(18), label: 'conv1d dw' });
    expectClose(got.db, ref.db, { ...tolerance(18), label: 'conv1d db' });
    const empty = runFilterGrad({ ...g, batch: 0 }, { ...d, x: new Float32Array(0), dy: new Float32Array(0) }, true);
    expect(Array.from(empty.dw)).toEqual(new Array(sizes(g).w).fill(0));
    expect(Array.from(empty.db)).toEqual(new Array(g.outC).fill(0));
  });
});

// ─── The layer's forward pass: convolution and activation in one call ───

describe('conv2dForward', () => {
  // The activation runs on each row of output pixels as soon as it is done: the same bits as conv2d, then the
  // activation's own kernel over the whole output (softmax over each pixel's channels).
  const g = conv(3, [7, 5], 3, 9, [3, 2], [1, 2], [1, 1], 'same');
  it.each(Object.keys(ACTIVATIONS) as Array<keyof typeof ACTIVATIONS>)('%s: pre is conv2d, out is the activation of pre, bit for bit', (name) => {
    const act: ActivationKernels = ACTIVATIONS[name];
    const d = data(g, mulberry32(name.length));
    const n = sizes(g).out;
    const expectedPre = runConv2d(g, d, true);
    const expectedOut = wasm.guarded(n);
    act.forward(expectedOut.ptr, wasm.put(expectedPre), g.batch * g.outH * g.outW, g.outC);
    const pre = wasm.guarded(n, new Float32Array(n).fill(Number.NaN));
    const out = wasm.guarded(n, new Float32Array(n).fill(Number.NaN));
    kernels.conv2dForward(out.ptr, pre.ptr, wasm.put(d.x), wasm.put(d.w), wasm.put(d.b), ...dims(g), act.id, act.alpha ?? 0, 0, 1);
    pre.expectIntact();
    out.expectIntact();
    expectSameBits(pre.read(), expectedPre, `${name} pre`);
    expectSameBits(out.read(), expectedOut.read(), `${name} out`);
    wasm.releaseAll();
  });

  it('linear in place (out = pre) is conv2d', () => {
    const d = data(g, mulberry32(4));
    const out = wasm.guarded(sizes(g).out, new Float32Array(sizes(g).out).fill(Number.NaN));
    kernels.conv2dForward(out.ptr, out.ptr, wasm.put(d.x), wasm.put(d.w), wasm.put(d.b), ...dims(g), ACTIVATIONS.linear.id, 0, 0, 1);
    expectSameBits(out.read(), runConv2d(g, d, true), 'linear in place');
  });
});

// ─── The packed-product paths ───

// Layers with more channels take the gradients as packed products over the image's patches (gemm.ts): the filter
// gradient when inC is a multiple of 4 and inC·outC ≥ 64, the input gradient for stride 1, inC ≥ 16 and outC ≥ 32
// (a multiple of 4). These shapes take those paths, with depths that split into two K blocks (288 = 2 × 144, 324 =
// 2 × 162, the latter not a multiple of 4: the scalar packer), ragged panels (odd pixel counts) and every padding.
describe('the packed-product gradients (many channels)', () => {
  const SHAPES = [
    conv(2, [7, 5], 16, 32, [3, 2], [1, 1], [1, 2], 'same'),
    conv(3, [6, 5], 32, 32, [3, 3], [1, 1], [1, 1], 'valid'),
    conv(2, [5, 7], 16, 36, [3, 3], [1, 1], [2, 1], 'same'),
    conv(2, [7, 5], 4, 16, [3, 2], [2, 3], [1, 1], 'same'),
    conv(1, [9, 7], 8, 12, [2, 3], [3, 2], [1, 1], 'valid'),
    conv1d(3, 13, 20, 32, 3, 1, 2, 'same'),
  ];
  it.each(SHAPES.map((g) => [label(g), g] as const))('%s: input and filter gradients against the reference', (_, g) => {
    const d = data(g, mulberry32(g.inC * 31 + g.outC));
    expectClose(runInputGrad(g, d), inputGradRef(g, d.dy, d.w), { ...tolerance(g.kH * g.kW * g.outC), label: `conv2dInputGrad ${label(g)}` });
    const ref = filterGradRef(g, d.x, d.dy);
    const got = runFilterGrad(g, d, true);
    expectClose(got.dw, ref.dw, { ...tolerance(g.batch * g.outH * g.outW), label: `conv2dFilterGrad dw ${label(g)}` });
    expectClose(got.db, ref.db, { ...tolerance(g.batch * g.outH * g.outW), label: `conv2dFilterGrad db ${label(g)}` });
    wasm.releaseAll();
  });

  it('the input gradient of a batch of 5 is the bits of samples 0–2 and 3–4 computed apart', () => {
    const g = conv(5, [6, 5], 16, 32, [3, 3], [1, 1], [1, 1], 'same');
    const d = data(g, mulberry32(77));
    const whole = runInputGrad(g, d);
    const per = { x: g.height * g.width * g.inC, out: g.outH * g.outW * g.outC };
    for (const [n0, n1] of [[0, 3], [3, 5]] as const) {
      const pd = { ...d, dy: d.dy.subarray(n0 * per.out, n1 * per.out) };
      expectSameBits(runInputGrad({ ...g, batch: n1 - n0 }, pd), whole.subarray(n0 * per.x, n1 * per.x), `samples ${n0}..${n1}`);
    }
  });
});

// ─── Finite differences through the forward kernel ───

// conv2d is linear in x, w and b, so a wide step has no truncation error and keeps f32 rounding small beside it.
const STEP = 1 / 16;
const FD_TOLERANCE = { rtol: 1e-3, atol: 2e-4 };
const FD_SHAPES = [
  conv(2, [5, 4], 3, 5, [3, 2], [1, 1], [1, 1], 'same'),
  conv(2, [7, 5], 2, 4, [3, 2], [2, 3], [2, 1], 'same'),
  conv(1, [7, 5], 3, 9, [2, 2], [3, 2], [1, 2], 'valid'),
  conv1d(2, 9, 2, 3, 3, 2, 2, 'same'),
];

/** L = Σ conv2d(x, w, b)·dy in float64, from the f32 kernel's output. */
function convLoss(g: Conv, dy: Float32Array) {
  return (x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>): number => {
    const out = wasm.alloc(sizes(g).out);
    kernels.conv2d(out, wasm.put(x), wasm.put(w), wasm.put(b), ...dims(g));
    return dot(wasm.read(out, sizes(g).out), dy);
  };
}

describe('the convolution gradients agree with finite differences through conv2d', () => {
  it.each(FD_SHAPES.map((g) => [label(g), g] as const))('%s', (_, g) => {
    const d = data(g, mulberry32(g.outC + 11));
    const loss = convLoss(g, d.dy);
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
  it.each([1, 4, 9, 17].map((outC) => [outC, conv(5, [7, 5], 3, outC, [3, 2], [2, 1], [1, 2], 'same')] as const))(
    'outC = %i: conv2d and conv2dInputGrad of a batch of 5 match samples 0–2 and 3–4 computed apart, bit for bit', (_, g) => {
      const d = data(g, mulberry32(g.outC));
      const whole = { forward: runConv2d(g, d, true), input: runInputGrad(g, d) };
      const per = { x: g.height * g.width * g.inC, out: g.outH * g.outW * g.outC };
      for (const [n0, n1] of [[0, 3], [3, 5]] as const) {
        const part = { ...g, batch: n1 - n0 };
        const pd = { ...d, x: d.x.subarray(n0 * per.x, n1 * per.x), dy: d.dy.subarray(n0 * per.out, n1 * per.out) };
        expectSameBits(runConv2d(part, pd, true), whole.forward.subarray(n0 * per.out, n1 * per.out), `conv2d samples ${n0}..${n1}`);
        expectSameBits(runInputGrad(part, pd), whole.input.subarray(n0 * per.x, n1 * per.x), `conv2dInputGrad samples ${n0}..${n1}`);
      }
    });
});

describe('results do not depend on the neighbouring pixels', () => {
  // conv2d computes runs of four interior pixels together and edge pixels one at a time: both must give the bits
  // of the pixel computed alone, from a crop of just its receptive field (a 1×1 'valid' output).
  it.each([[1, 8], [1, 9], [3, 3], [3, 4], [3, 16], [2, 17]])('inC = %i, outC = %i: each output of an 11×13 image equals its receptive field convolved alone', (inC, outC) => {
    const g = conv(2, [11, 13], inC, outC, [3, 2], [1, 2], [2, 1], 'valid');
    const d = data(g, mulberry32(inC * 100 + outC));
    const all = runConv2d(g, d, true);
    const spanH = (g.kH - 1) * g.dh + 1;
    const spanW = (g.kW - 1) * g.dw + 1;
    const alone = { ...g, batch: 1, height: spanH, width: spanW, sh: 1, sw: 1, outH: 1, outW: 1 };
    for (let n = 0; n < g.batch; n++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
      const crop = new Float32Array(spanH * spanW * inC);
      for (let r = 0; r < spanH; r++) for (let c = 0; c < spanW; c++) for (let ci = 0; ci < inC; ci++) {
        crop[(r * spanW + c) * inC + ci] = d.x[((n * g.height + oy * g.sh + r) * g.width + ox * g.sw + c) * inC + ci]!;
      }
      const o = ((n * g.outH + oy) * g.outW + ox) * outC;
      expectSameBits(runConv2d(alone, { ...d, x: crop }, true), all.subarray(o, o + outC), `sample ${n}, pixel ${oy},${ox}`);
      wasm.releaseAll();
    }
  });
});
