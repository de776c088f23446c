// Data movement and checks on user data once it is in the memory: batch gathering for shuffled epochs and
// the finiteness check every input goes through before a model sees it.
import { at, ld, ld4, floor4 } from './simd';

/** out[r,:] = src[idx[r],:]; idx: i32 [rows], src rows of `cols` floats */
export function gatherRows(out: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
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
