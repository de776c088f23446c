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
