// Kernels of the noise layers (GaussianNoise, GaussianDropout's mask comes from randomNormal, AlphaDropout) and
// the two helpers every random layer shares: a mask shared along axes (noiseShape) and a layer's own seed mixed
// into its model's stream. All randomness comes from random.ts; nothing here changes its bits.
import { randomNormal, randomU32, seedRandom } from './random';
import { ld, st } from './simd';

/** y = x + N(0, stddev²) drawn from state (Keras's GaussianNoise); x, y: [n], distinct */
export function gaussianNoise(y: usize, x: usize, n: i32, state: usize, stddev: f32): void {
  randomNormal(y, n, state, 0, stddev);
  for (let i = 0; i < n; i++) st(y, i, ld(x, i) + ld(y, i));
}

/** mask[i] = a where U[0, 1) ≥ rate (kept), else 0 (the same draws and test as dropoutMask); mask: [n] */
export function alphaDropoutMask(mask: usize, n: i32, state: usize, rate: f32, a: f32): void {
  for (let i = 0; i < n; i++) {
    const u = <f32>(randomU32(state) >>> 8) * (<f32>1.0 / <f32>16777216.0);
    st(mask, i, u < rate ? 0 : a);
  }
}

/** y = x·mask + b where mask ≠ 0 (kept), else a·alphaP + b (Keras 3's AlphaDropout, mask = a or 0); x, y, mask: [n] */
export function alphaDropout(y: usize, x: usize, mask: usize, n: i32, a: f32, b: f32, alphaP: f32): void {
  const dropped: f32 = a * alphaP + b;
  for (let i = 0; i < n; i++) {
    const m = ld(mask, i);
    st(y, i, m != 0 ? ld(x, i) * m + b : dropped);
  }
}

/** In place: x [outer, 1, inner] → [outer, size, inner], each slice repeated size times (back to front, so no source is overwritten before it is read) */
export function broadcastAxis(x: usize, outer: i32, size: i32, inner: i32): void {
  for (let o = outer - 1; o >= 0; o--) {
    const src = o * inner;
    for (let m = size - 1; m >= 0; m--) {
      const dst = (o * size + m) * inner;
      if (dst == src) continue;
      for (let i = inner - 1; i >= 0; i--) st(x, dst + i, ld(x, src + i));
    }
  }
}

/** Seeds the generator at scratch (16 bytes) from the next draw of state and a layer's seed (as the stream number) */
export function seedFrom(scratch: usize, state: usize, seed: u32): void {
  seedRandom(scratch, <f64>randomU32(state), seed);
}
