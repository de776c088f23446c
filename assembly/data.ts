// Data movement and checks on user data once it is in the memory: batch gathering for shuffled epochs and
// the finiteness check every input goes through before a model sees it.
import { at, ld, ld4, floor4 } from './simd';
import { MR, bandStart } from './gemm';

/** out[r,:] = src[idx[r],:] for part `part` of `parts` of the rows (parts ≤ 1: all); idx: i32 [rows], src rows of `cols` floats */
export function gatherRows(out: usize, src: usize, idx: usize, rows: i32, cols: i32, part: i32, parts: i32): void {
  const bytes = <usize>cols << 2;
  // A part's rows are those the Dense forward's part of the same number reads (bands of MR-row tiles), so in
  // training each thread gathers the rows it multiplies next.
  const tiles = (rows + MR - 1) / MR;
  const r1 = bandStart(tiles, part + 1, parts, MR, rows);
  for (let r = bandStart(tiles, part, parts, MR, rows); r < r1; r++) {
    memory.copy(out + <usize>r * bytes, src + <usize>load<i32>(at(idx, r)) * bytes, bytes);
  }
}

/** Index of the first NaN or ±Infinity in x, or −1; x: [n] */
export function firstNonFinite(x: usize, n: i32): i32 {
  // x − x is 0 for finite x and NaN otherwise; NaN ≠ NaN flags the lane.
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) {
    const v = ld4(x, i);
    const d = f32x4.sub(v, v);
    if (v128.any_true(f32x4.ne(d, d))) break;
  }
  for (; i < n; i++) {
    const v = ld(x, i);
    if (v - v != 0) return i;
  }
  return -1;
}
