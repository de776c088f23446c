// exp, log and pow for every kernel, the choice of implementation made here once. The release build is optimized
// for size (shrinkLevel 1), under which AssemblyScript's Mathf.exp/log/pow switch to table-free code: 8 KiB
// smaller gzipped, but softmax ran 35% slower and the bits changed. The f32 functions, on the hot paths, stay the
// table-driven ones (their tables are under 1 KiB); the f64 ones, off them (schedules, AUC, normal draws, GELU's
// erf), take the compact code, which dropped the 10 KiB of f64 tables.
import { expf_lut, logf_lut, powf_lut } from 'util/math';

/** eˣ (f32), table-driven. */
export function expf(x: f32): f32 { return expf_lut(x); }
/** ln x (f32), table-driven. */
export function logf(x: f32): f32 { return logf_lut(x); }
/** xʸ (f32), table-driven. */
export function powf(x: f32, y: f32): f32 { return powf_lut(x, y); }
/** eˣ (f64), compact. */
export function exp(x: f64): f64 { return Math.exp(x); }
/** ln x (f64), compact. */
export function log(x: f64): f64 { return Math.log(x); }
/** xʸ (f64), compact. */
export function pow(x: f64, y: f64): f64 { return Math.pow(x, y); }

// ─── eˣ on four lanes, with expf's bits ───
// expf above is musl's expf (as AssemblyScript ships it): x·32/ln 2 = k + r, eˣ = 2^(k/32)·p(r), in f64, 2^(k/32)
// from a 32-entry table. expf4 runs the same f64 operations in the same order on two f64x2 halves, so every
// lane is exactly expf of that lane (IEEE add, mul and the f32 rounding are the same in a SIMD lane; wasm has no
// fused multiply-add to tell them apart). Lanes at |x| ≥ 88 or NaN, expf's special cases, go through expf itself.
// The table: 2^(i/32)'s bits minus i << 47, so that adding k << 47 gives 2^(k/32) (musl's exp2f_data).
const EXP2_TABLE = memory.data<u64>([
  0x3FF0000000000000, 0x3FEFD9B0D3158574, 0x3FEFB5586CF9890F, 0x3FEF9301D0125B51,
  0x3FEF72B83C7D517B, 0x3FEF54873168B9AA, 0x3FEF387A6E756238, 0x3FEF1E9DF51FDEE1,
  0x3FEF06FE0A31B715, 0x3FEEF1A7373AA9CB, 0x3FEEDEA64C123422, 0x3FEECE086061892D,
  0x3FEEBFDAD5362A27, 0x3FEEB42B569D4F82, 0x3FEEAB07DD485429, 0x3FEEA47EB03A5585,
  0x3FEEA09E667F3BCD, 0x3FEE9F75E8EC5F74, 0x3FEEA11473EB0187, 0x3FEEA589994CCE13,
  0x3FEEACE5422AA0DB, 0x3FEEB737B0CDC5E5, 0x3FEEC49182A3F090, 0x3FEED503B23E255D,
  0x3FEEE89F995AD3AD, 0x3FEEFF76F2FB5E47, 0x3FEF199BDD85529C, 0x3FEF3720DCEF9069,
  0x3FEF5818DCFBA487, 0x3FEF7C97337B9B5F, 0x3FEFA4AFA2A490DA, 0x3FEFD0765B6E4540,
]);
const EXP_ROUND: f64 = reinterpret<f64>(0x4338000000000000); // 1.5·2^52: adding it rounds to an integer
const EXP_SCALE: f64 = reinterpret<f64>(0x3FF71547652B82FE) * 32; // 32/ln 2
const EXP_C0: f64 = reinterpret<f64>(0x3FAC6AF84B912394) / 32 / 32 / 32;
const EXP_C1: f64 = reinterpret<f64>(0x3FCEBFCE50FAC4F3) / 32 / 32;
const EXP_C2: f64 = reinterpret<f64>(0x3FE62E42FF0C52D6) / 32;

// expf's core on two f64 lanes (x promoted from f32, |x| < 88).
@inline function expLanes(xd: v128): v128 {
  const z = f64x2.mul(f64x2.splat(EXP_SCALE), xd);
  const kd = f64x2.add(z, f64x2.splat(EXP_ROUND)); // k in the low bits
  const r = f64x2.sub(z, f64x2.sub(kd, f64x2.splat(EXP_ROUND)));
  let s = i64x2.splat(load<u64>(EXP2_TABLE + ((<usize>i64x2.extract_lane(kd, 0) & 31) << 3)));
  s = i64x2.replace_lane(s, 1, load<u64>(EXP2_TABLE + ((<usize>i64x2.extract_lane(kd, 1) & 31) << 3)));
  s = i64x2.add(s, i64x2.shl(kd, 47));
  const q = f64x2.add(f64x2.mul(f64x2.splat(EXP_C0), r), f64x2.splat(EXP_C1));
  let y = f64x2.add(f64x2.mul(f64x2.splat(EXP_C2), r), f64x2.splat(1));
  y = f64x2.add(y, f64x2.mul(q, f64x2.mul(r, r)));
  return f64x2.mul(y, s);
}

/** expf of each of four f32 lanes, bit for bit. */
@inline export function expf4(x: v128): v128 {
  const biased = v128.and(i32x4.shr_u(x, 20), i32x4.splat(0x7FF));
  if (v128.any_true(i32x4.ge_u(biased, i32x4.splat(0x42B)))) {
    return f32x4(expf(f32x4.extract_lane(x, 0)), expf(f32x4.extract_lane(x, 1)), expf(f32x4.extract_lane(x, 2)), expf(f32x4.extract_lane(x, 3)));
  }
  const lo = f32x4.demote_f64x2_zero(expLanes(f64x2.promote_low_f32x4(x)));
  const hi = f32x4.demote_f64x2_zero(expLanes(f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3))));
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

/** y_i = expf(y_i), four at a time, in place; y: [n] */
export function expInPlace(y: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(y + (<usize>i << 2), expf4(v128.load(y + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), expf(load<f32>(y + (<usize>i << 2))));
}
