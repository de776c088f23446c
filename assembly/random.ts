// The seeded generator: PCG32 (O'Neill's PCG-XSH-RR 64/32) whose 16-byte state lives in the memory at
// `state`, so each model carries its own stream. Everything random in neurasm (initialisers, shuffles,
// dropout masks, splits) comes from here, so a seed gives the same bits in every engine.
import { at, ld, st } from './simd';
import { log } from './math';

const MULT: u64 = 6364136223846793005;

@inline function next(state: usize): u32 {
  const old = load<u64>(state);
  store<u64>(state, old * MULT + load<u64>(state, 8));
  const xorshifted = <u32>(((old >> 18) ^ old) >> 27);
  const rot = <u32>(old >> 59);
  return rotr<u32>(xorshifted, rot);
}

/** Seeds the generator at `state` (16 bytes) from a 53-bit integer seed and a stream number. */
export function seedRandom(state: usize, seed: f64, stream: u32): void {
  store<u64>(state, 0);
  store<u64>(state, ((<u64>stream) << 1) | 1, 8);
  next(state);
  store<u64>(state, load<u64>(state) + <u64>seed);
  next(state);
}

/** Next raw 32-bit output, for the host's bookkeeping (e.g. deriving a default seed). */
export function randomU32(state: usize): u32 {
  return next(state);
}

// Uniform in [0, 1) with 24 random bits: every value is an exact f32.
@inline function unit(state: usize): f32 {
  return <f32>(next(state) >>> 8) * (<f32>1.0 / <f32>16777216.0);
}

/** x[i] ~ U[low, high); x: [n] */
export function randomUniform(x: usize, n: i32, state: usize, low: f32, high: f32): void {
  for (let i = 0; i < n; i++) st(x, i, low + (high - low) * unit(state));
}

// Standard normal by Box–Muller in f64 (AssemblyScript's Math runs inside the wasm: same bits everywhere).
@inline function gaussian(state: usize): f64 {
  const u1 = (<f64>next(state) + 1) * (1.0 / 4294967296.0); // (0, 1]: log never sees 0
  const u2 = <f64>next(state) * (1.0 / 4294967296.0);
  return Math.sqrt(-2 * log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** x[i] ~ N(mean, stddev²); x: [n] */
export function randomNormal(x: usize, n: i32, state: usize, mean: f32, stddev: f32): void {
  for (let i = 0; i < n; i++) st(x, i, <f32>(<f64>mean + <f64>stddev * gaussian(state)));
}

/** x[i] ~ N(mean, stddev²) redrawn until within two standard deviations (Keras's truncated normal); x: [n] */
export function truncatedNormal(x: usize, n: i32, state: usize, mean: f32, stddev: f32): void {
  for (let i = 0; i < n; i++) {
    let z = gaussian(state);
    while (Math.abs(z) > 2) z = gaussian(state);
    st(x, i, <f32>(<f64>mean + <f64>stddev * z));
  }
}

// Unbiased integer in [0, bound) by Lemire's multiply-and-reject.
@inline function below(state: usize, bound: u32): u32 {
  let m = <u64>next(state) * <u64>bound;
  let low = <u32>m;
  if (low < bound) {
    const threshold: u32 = (<u32>0 - bound) % bound;
    while (low < threshold) { m = <u64>next(state) * <u64>bound; low = <u32>m; }
  }
  return <u32>(m >> 32);
}

/** idx = a uniformly random permutation of 0..n−1 (Fisher–Yates); idx: i32 [n] */
export function permutation(idx: usize, n: i32, state: usize): void {
  for (let i = 0; i < n; i++) store<i32>(at(idx, i), i);
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>below(state, <u32>(i + 1));
    const a = load<i32>(at(idx, i));
    store<i32>(at(idx, i), load<i32>(at(idx, j)));
    store<i32>(at(idx, j), a);
  }
}

/** mask[i] = 0 with probability rate, else 1/(1 − rate) (inverted dropout); mask: [n] */
export function dropoutMask(mask: usize, n: i32, state: usize, rate: f32): void {
  const keep: f32 = 1 / (1 - rate);
  for (let i = 0; i < n; i++) st(mask, i, unit(state) < rate ? 0 : keep);
}

/** y = x·mask elementwise (dropout forward and, with dy for x, its backward); all [n] */
export function multiply(y: usize, x: usize, mask: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(y, i, ld(x, i) * ld(mask, i));
}
