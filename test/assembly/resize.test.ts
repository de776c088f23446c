// Padding and upsampling kernels against float64 loops written from the formulas, on awkward sizes (7×5 and 3×4
// images, channels on every SIMD block and tail, sides and factors of 0 to 3), with sentinels around each output;
// gradients also by finite differences through the forward kernels; every result per sample.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { dot, expectClose, expectSameBits, mulberry32, numericGrad, uniform, useWasm } from '../helpers.js';

const wasm = useWasm();
const CHANNELS = [1, 3, 4, 5, 8, 13];
const IMAGES: [number, number][] = [[7, 5], [3, 4], [1, 1]];

// ─── Geometry ───

interface Pad { batch: number; height: number; width: number; channels: number; top: number; bottom: number; left: number; right: number }
interface UpSample { batch: number; height: number; width: number; channels: number; sizeH: number; sizeW: number }

const padDims = (p: Pad) => [p.batch, p.height, p.width, p.channels, p.top, p.bottom, p.left, p.right] as const;
const padSizes = (p: Pad) => ({
  x: p.batch * p.height * p.width * p.channels,
  out: p.batch * (p.top + p.height + p.bottom) * (p.left + p.width + p.right) * p.channels,
});
const padLabel = (p: Pad) => `${p.batch}×${p.height}×${p.width}×${p.channels}, pad top ${p.top} bottom ${p.bottom} left ${p.left} right ${p.right}`;
const upDims = (u: UpSample) => [u.batch, u.height, u.width, u.channels, u.sizeH, u.sizeW] as const;
const upSizes = (u: UpSample) => ({ x: u.batch * u.height * u.width * u.channels, out: u.batch * u.height * u.sizeH * u.width * u.sizeW * u.channels });
const upLabel = (u: UpSample) => `${u.batch}×${u.height}×${u.width}×${u.channels}, size ${u.sizeH}×${u.sizeW}`;

// Sides of 0 to 3 in every position (symmetric, one-sided, all four different) and factors 1 to 3 with sizeH ≠ sizeW.
const SIDES = [[0, 0, 0, 0], [1, 1, 1, 1], [2, 0, 0, 3], [0, 3, 1, 0], [1, 2, 3, 0]] as const;
const FACTORS = [[1, 1], [2, 2], [2, 3], [3, 1], [1, 2]] as const;
function pads(channels: number): Pad[] {
  return IMAGES.flatMap(([height, width]) => SIDES.map(([top, bottom, left, right]) => ({ batch: 2, height, width, channels, top, bottom, left, right })));
}
function upSamples(channels: number): UpSample[] {
  return IMAGES.flatMap(([height, width]) => FACTORS.map(([sizeH, sizeW]) => ({ batch: 2, height, width, channels, sizeH, sizeW })));
}

// ─── Float64 references ───

/** Calls f(xi, oi) for every pixel channel of x and its place in the padded image. */
function eachPadded(p: Pad, f: (xi: number, oi: number) => void): void {
  const outH = p.top + p.height + p.bottom, outW = p.left + p.width + p.right;
  for (let n = 0; n < p.batch; n++) for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) for (let c = 0; c < p.channels; c++) {
    f(((n * p.height + y) * p.width + x) * p.channels + c, ((n * outH + p.top + y) * outW + p.left + x) * p.channels + c);
  }
}

function zeroPadRef(p: Pad, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(padSizes(p).out);
  eachPadded(p, (xi, oi) => { out[oi] = x[xi]!; });
  return out;
}

function cropRef(p: Pad, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(padSizes(p).x);
  eachPadded(p, (xi, oi) => { dx[xi] = dy[oi]!; });
  return dx;
}

/** Calls f(xi, oi) for every output of the upsampling with the input it copies, blocks in row-then-column order. */
function eachCopy(u: UpSample, f: (xi: number, oi: number) => void): void {
  const outH = u.height * u.sizeH, outW = u.width * u.sizeW;
  for (let n = 0; n < u.batch; n++) for (let y = 0; y < u.height; y++) for (let x = 0; x < u.width; x++) {
    for (let a = 0; a < u.sizeH; a++) for (let b = 0; b < u.sizeW; b++) for (let c = 0; c < u.channels; c++) {
      f(((n * u.height + y) * u.width + x) * u.channels + c, ((n * outH + y * u.sizeH + a) * outW + x * u.sizeW + b) * u.channels + c);
    }
  }
}

function upSampleRef(u: UpSample, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(upSizes(u).out);
  eachCopy(u, (xi, oi) => { out[oi] = x[xi]!; });
  return out;
}

/** The block sums; `f32` rounds after every add (Math.fround), in the kernel's order: the exact bits it must give. */
function upSampleGradRef(u: UpSample, dy: ArrayLike<number>, f32 = false): Float64Array {
  const dx = new Float64Array(upSizes(u).x);
  eachCopy(u, (xi, oi) => { dx[xi] = f32 ? Math.fround(dx[xi]! + dy[oi]!) : dx[xi]! + dy[oi]!; });
  return dx;
}

// ─── Running the kernels on guarded buffers ───

const nan = (n: number) => new Float32Array(n).fill(Number.NaN); // every element must be overwritten

function runZeroPad(p: Pad, x: Float32Array, shift = 0): Float32Array {
  const out = wasm.guarded(padSizes(p).out, nan(padSizes(p).out), shift);
  const px = wasm.put(x);
  kernels.zeroPad2d(out.ptr, px, ...padDims(p));
  out.expectIntact();
  expectSameBits(wasm.read(px, x.length), x, 'zeroPad2d overwrote x');
  return out.read();
}

function runCrop(p: Pad, dy: Float32Array, shift = 0): Float32Array {
  const dx = wasm.guarded(padSizes(p).x, nan(padSizes(p).x), shift);
  kernels.crop2d(dx.ptr, wasm.put(dy), ...padDims(p));
  dx.expectIntact();
  return dx.read();
}

function runUpSample(u: UpSample, x: Float32Array, shift = 0): Float32Array {
  const out = wasm.guarded(upSizes(u).out, nan(upSizes(u).out), shift);
  const px = wasm.put(x);
  kernels.upSample2d(out.ptr, px, ...upDims(u));
  out.expectIntact();
  expectSameBits(wasm.read(px, x.length), x, 'upSample2d overwrote x');
  return out.read();
}

function runUpSampleGrad(u: UpSample, dy: Float32Array, shift = 0): Float32Array {
  const dx = wasm.guarded(upSizes(u).x, nan(upSizes(u).x), shift);
  kernels.upSample2dGrad(dx.ptr, wasm.put(dy), ...upDims(u));
  dx.expectIntact();
  return dx.read();
}

// ─── Padding ───

describe('zeroPad2d and crop2d', () => {
  it.each(CHANNELS)('channels = %i: every image and every set of sides against the reference', (channels) => {
    let seed = channels * 100;
    for (const p of pads(channels)) {
      const x = uniform(padSizes(p).x, mulberry32(seed++));
      const dy = uniform(padSizes(p).out, mulberry32(seed++));
      expectClose(runZeroPad(p, x), zeroPadRef(p, x), { rtol: 0, label: `zeroPad2d ${padLabel(p)}` });
      expectClose(runCrop(p, dy), cropRef(p, dy), { rtol: 0, label: `crop2d ${padLabel(p)}` });
      expectSameBits(runCrop(p, runZeroPad(p, x)), x, `crop2d(zeroPad2d(x)) ${padLabel(p)}`);
      wasm.releaseAll();
    }
  });

  it('pads a hand-checked image', () => {
    // A 1×2 image of one channel, [5, 6], with one row above, none below, one column left and two right.
    const p: Pad = { batch: 1, height: 1, width: 2, channels: 1, top: 1, bottom: 0, left: 1, right: 2 };
    expect(Array.from(runZeroPad(p, Float32Array.from([5, 6])))).toEqual([0, 0, 0, 0, 0, 0, 5, 6, 0, 0]);
  });

  it('gives the same bits on buffers off the 64-byte alignment', () => {
    const p: Pad = { batch: 2, height: 7, width: 5, channels: 5, top: 1, bottom: 2, left: 3, right: 1 };
    const x = uniform(padSizes(p).x, mulberry32(3));
    expectSameBits(runZeroPad(p, x, 1), runZeroPad(p, x, 0), 'zeroPad2d shifted');
    expectSameBits(runCrop(p, runZeroPad(p, x), 3), x, 'crop2d shifted');
  });
});

// ─── Upsampling ───

describe('upSample2d and upSample2dGrad', () => {
  it.each(CHANNELS)('channels = %i: every image and factor against the reference; the gradient\'s sums in row-then-column order, bit for bit', (channels) => {
    let seed = channels * 100 + 50;
    for (const u of upSamples(channels)) {
      const x = uniform(upSizes(u).x, mulberry32(seed++));
      const dy = uniform(upSizes(u).out, mulberry32(seed++));
      expectClose(runUpSample(u, x), upSampleRef(u, x), { rtol: 0, label: `upSample2d ${upLabel(u)}` });
      const grad = runUpSampleGrad(u, dy);
      expectClose(grad, upSampleGradRef(u, dy), { rtol: 1e-6, atol: 1e-6, label: `upSample2dGrad ${upLabel(u)}` });
      expectSameBits(grad, Float32Array.from(upSampleGradRef(u, dy, true)), `upSample2dGrad order ${upLabel(u)}`);
      wasm.releaseAll();
    }
  });

  it('upsamples a hand-checked image', () => {
    // A 2×2 image of one channel, [[1, 2], [3, 4]], each pixel to 2 rows × 1 column … then to 1 row × 2 columns.
    const x = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(runUpSample({ batch: 1, height: 2, width: 2, channels: 1, sizeH: 2, sizeW: 1 }, x))).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
    expect(Array.from(runUpSample({ batch: 1, height: 2, width: 2, channels: 1, sizeH: 1, sizeW: 2 }, x))).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(Array.from(runUpSampleGrad({ batch: 1, height: 1, width: 1, channels: 1, sizeH: 2, sizeW: 2 }, x))).toEqual([10]);
  });

  it('gives the same bits on buffers off the 64-byte alignment', () => {
    const u: UpSample = { batch: 2, height: 7, width: 5, channels: 5, sizeH: 2, sizeW: 3 };
    const x = uniform(upSizes(u).x, mulberry32(4));
    const dy = uniform(upSizes(u).out, mulberry32(5));
    expectSameBits(runUpSample(u, x, 1), runUpSample(u, x, 0), 'upSample2d shifted');
    expectSameBits(runUpSampleGrad(u, dy, 3), runUpSampleGrad(u, dy, 0), 'upSample2dGrad shifted');
  });
});

// ─── Finite differences through the forward kernels ───

// Both forward kernels are linear (copies), so a wide step is exact up to the f32 rounding of the loss.
const STEP = 1 / 16;
const FD_TOLERANCE = { rtol: 1e-3, atol: 2e-4 };

describe('the gradients agree with finite differences through the forward kernels', () => {
  it.each([1, 4, 5])('crop2d through zeroPad2d, channels = %i', (channels) => {
    const p: Pad = { batch: 2, height: 3, width: 4, channels, top: 1, bottom: 2, left: 0, right: 3 };
    const x = uniform(padSizes(p).x, mulberry32(channels));
    const dy = uniform(padSizes(p).out, mulberry32(channels + 1));
    const numeric = numericGrad((v) => dot(runZeroPad(p, Float32Array.from(v)), dy), Float64Array.from(x), STEP);
    expectClose(runCrop(p, dy), numeric, { ...FD_TOLERANCE, label: 'crop2d' });
  });

  it.each([1, 4, 5])('upSample2dGrad through upSample2d, channels = %i', (channels) => {
    const u: UpSample = { batch: 2, height: 3, width: 4, channels, sizeH: 2, sizeW: 3 };
    const x = uniform(upSizes(u).x, mulberry32(channels));
    const dy = uniform(upSizes(u).out, mulberry32(channels + 1));
    const numeric = numericGrad((v) => dot(runUpSample(u, Float32Array.from(v)), dy), Float64Array.from(x), STEP);
    expectClose(runUpSampleGrad(u, dy), numeric, { ...FD_TOLERANCE, label: 'upSample2dGrad' });
  });
});

// ─── Batch independence ───

describe('results do not depend on how many samples come together', () => {
  it.each([1, 4, 13])('channels = %i: all four kernels on a batch of 5 match samples 0–2 and 3–4 computed apart, bit for bit', (channels) => {
    const p: Pad = { batch: 5, height: 7, width: 5, channels, top: 2, bottom: 1, left: 0, right: 3 };
    const u: UpSample = { batch: 5, height: 7, width: 5, channels, sizeH: 3, sizeW: 2 };
    const rng = mulberry32(channels);
    const x = uniform(padSizes(p).x, rng);
    const padded = uniform(padSizes(p).out, rng);
    const upsampled = uniform(upSizes(u).out, rng);
    const whole = { pad: runZeroPad(p, x), crop: runCrop(p, padded), up: runUpSample(u, x), upGrad: runUpSampleGrad(u, upsampled) };
    const per = { x: padSizes(p).x / 5, padded: padSizes(p).out / 5, upsampled: upSizes(u).out / 5 };
    for (const [n0, n1] of [[0, 3], [3, 5]] as const) {
      const part = (size: number) => [n0 * size, n1 * size] as const;
      const xs = x.subarray(...part(per.x));
      expectSameBits(runZeroPad({ ...p, batch: n1 - n0 }, xs), whole.pad.subarray(...part(per.padded)), `zeroPad2d samples ${n0}..${n1}`);
      expectSameBits(runCrop({ ...p, batch: n1 - n0 }, padded.subarray(...part(per.padded))), whole.crop.subarray(...part(per.x)), `crop2d samples ${n0}..${n1}`);
      expectSameBits(runUpSample({ ...u, batch: n1 - n0 }, xs), whole.up.subarray(...part(per.upsampled)), `upSample2d samples ${n0}..${n1}`);
      expectSameBits(runUpSampleGrad({ ...u, batch: n1 - n0 }, upsampled.subarray(...part(per.upsampled))), whole.upGrad.subarray(...part(per.x)),
        `upSample2dGrad samples ${n0}..${n1}`);
    }
  });
});
