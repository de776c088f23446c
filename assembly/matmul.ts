// Matrix products in the three forms backprop needs, plus bias add and bias gradient. Row-major f32,
// pointers are byte offsets, sizes are element counts. Never allocates; any size works without padding.
import { at, ld, st, ld4, st4, hsum, floor4 } from './simd';

// NOTE: A·B and Aᵀ·B share one 4×8 register-blocked loop: it only reads A element by element (a splat per
// row), so the two forms differ only in A's strides: A·B reads a(i,p) at i·k + p, Aᵀ·B at p·m + i.
// Eight f32x4 accumulators plus two B loads and one splat fit in the 16 vector registers V8 has on x64.
function gemmBroadcast(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, aRow: i32, aCol: i32): void {
  const n8 = n & ~7;
  const n4 = floor4(n);
  const m4 = floor4(m);
  let i = 0;
  for (; i < m4; i += 4) {
    let j = 0;
    for (; j < n8; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const b0 = ld4(b, p * n + j);
        const b1 = ld4(b, p * n + j + 4);
        const ai = i * aRow + p * aCol;
        let s = f32x4.splat(ld(a, ai));
        c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
        s = f32x4.splat(ld(a, ai + aRow));
        c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
        s = f32x4.splat(ld(a, ai + 2 * aRow));
        c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
        s = f32x4.splat(ld(a, ai + 3 * aRow));
        c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
      }
      storeBlock(c, i * n + j, c00, accumulate); storeBlock(c, i * n + j + 4, c01, accumulate);
      storeBlock(c, (i + 1) * n + j, c10, accumulate); storeBlock(c, (i + 1) * n + j + 4, c11, accumulate);
      storeBlock(c, (i + 2) * n + j, c20, accumulate); storeBlock(c, (i + 2) * n + j + 4, c21, accumulate);
      storeBlock(c, (i + 3) * n + j, c30, accumulate); storeBlock(c, (i + 3) * n + j + 4, c31, accumulate);
    }
    for (; j < n4; j += 4) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const b0 = ld4(b, p * n + j);
        const ai = i * aRow + p * aCol;
        c0 = f32x4.add(c0, f32x4.mul(f32x4.splat(ld(a, ai)), b0));
        c1 = f32x4.add(c1, f32x4.mul(f32x4.splat(ld(a, ai + aRow)), b0));
        c2 = f32x4.add(c2, f32x4.mul(f32x4.splat(ld(a, ai + 2 * aRow)), b0));
        c3 = f32x4.add(c3, f32x4.mul(f32x4.splat(ld(a, ai + 3 * aRow)), b0));
      }
      storeBlock(c, i * n + j, c0, accumulate);
      storeBlock(c, (i + 1) * n + j, c1, accumulate);
      storeBlock(c, (i + 2) * n + j, c2, accumulate);
      storeBlock(c, (i + 3) * n + j, c3, accumulate);
    }
    for (; j < n; j++) {
      for (let r = 0; r < 4; r++) gemmScalar(c, a, b, i + r, j, k, n, accumulate, aRow, aCol);
    }
  }
  for (; i < m; i++) {
    let j = 0;
    for (; j < n4; j += 4) {
      let c0 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        c0 = f32x4.add(c0, f32x4.mul(f32x4.splat(ld(a, i * aRow + p * aCol)), ld4(b, p * n + j)));
      }
      storeBlock(c, i * n + j, c0, accumulate);
    }
    for (; j < n; j++) gemmScalar(c, a, b, i, j, k, n, accumulate, aRow, aCol);
  }
}

@inline function storeBlock(c: usize, idx: i32, v: v128, accumulate: bool): void {
  st4(c, idx, accumulate ? f32x4.add(ld4(c, idx), v) : v);
}

// Same summation order as the SIMD lanes (p ascending), so a column's value does not depend on n % 4.
@inline function gemmScalar(c: usize, a: usize, b: usize, i: i32, j: i32, k: i32, n: i32, accumulate: bool, aRow: i32, aCol: i32): void {
  let s: f32 = 0;
  for (let p = 0; p < k; p++) s += ld(a, i * aRow + p * aCol) * ld(b, p * n + j);
  st(c, i * n + j, accumulate ? ld(c, i * n + j) + s : s);
}

/** C[m,n] = A[m,k]·B[k,n], or C += A·B when accumulate */
export function matmul(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  gemmBroadcast(c, a, b, m, k, n, accumulate, k, 1);
}

/** C[m,n] = A[k,m]ᵀ·B[k,n], or C += Aᵀ·B when accumulate */
export function matmulTransA(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  gemmBroadcast(c, a, b, m, k, n, accumulate, 1, m);
}

/** C[m,n] = A[m,k]·B[n,k]ᵀ, or C += A·Bᵀ when accumulate */
export function matmulTransB(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  // Both operands are contiguous along k: dot products of rows, 1×4 outputs at a time, SIMD along k.
  const k4 = floor4(k);
  const n4 = floor4(n);
  for (let i = 0; i < m; i++) {
    const ar = i * k;
    let j = 0;
    for (; j < n4; j += 4) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let p = 0;
      for (; p < k4; p += 4) {
        const av = ld4(a, ar + p);
        s0 = f32x4.add(s0, f32x4.mul(av, ld4(b, j * k + p)));
        s1 = f32x4.add(s1, f32x4.mul(av, ld4(b, (j + 1) * k + p)));
        s2 = f32x4.add(s2, f32x4.mul(av, ld4(b, (j + 2) * k + p)));
        s3 = f32x4.add(s3, f32x4.mul(av, ld4(b, (j + 3) * k + p)));
      }
      let d0 = hsum(s0), d1 = hsum(s1), d2 = hsum(s2), d3 = hsum(s3);
      for (; p < k; p++) {
        const av = ld(a, ar + p);
        d0 += av * ld(b, j * k + p); d1 += av * ld(b, (j + 1) * k + p);
        d2 += av * ld(b, (j + 2) * k + p); d3 += av * ld(b, (j + 3) * k + p);
      }
      storeDot(c, i * n + j, d0, accumulate); storeDot(c, i * n + j + 1, d1, accumulate);
      storeDot(c, i * n + j + 2, d2, accumulate); storeDot(c, i * n + j + 3, d3, accumulate);
    }
    for (; j < n; j++) {
      let s0 = f32x4.splat(0);
      let p = 0;
      for (; p < k4; p += 4) s0 = f32x4.add(s0, f32x4.mul(ld4(a, ar + p), ld4(b, j * k + p)));
      let d = hsum(s0);
      for (; p < k; p++) d += ld(a, ar + p) * ld(b, j * k + p);
      storeDot(c, i * n + j, d, accumulate);
    }
  }
}

@inline function storeDot(c: usize, idx: i32, v: f32, accumulate: bool): void {
  st(c, idx, accumulate ? ld(c, idx) + v : v);
}

/** y[r,:] += b for every row r; y: [rows, cols], b: [cols] */
export function biasAdd(y: usize, b: usize, rows: i32, cols: i32): void {
  const c4 = floor4(cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    let j = 0;
    for (; j < c4; j += 4) st4(y, row + j, f32x4.add(ld4(y, row + j), ld4(b, j)));
    for (; j < cols; j++) st(y, row + j, ld(y, row + j) + ld(b, j));
  }
}

/** db[j] = Σ_r dy[r,j]; dy: [rows, cols], db: [cols] */
export function biasGrad(db: usize, dy: usize, rows: i32, cols: i32): void {
  const c4 = floor4(cols);
  let j = 0;
  for (; j < c4; j += 4) {
    let s = f32x4.splat(0);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, ld4(dy, r * cols + j));
    st4(db, j, s);
  }
  for (; j < cols; j++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += ld(dy, r * cols + j);
    st(db, j, s);
  }
}

/** out[r,:] = src[idx[r],:]; idx: i32 [rows], src rows of `cols` floats */
export function gatherRows(out: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(out + <usize>r * bytes, src + <usize>load<i32>(at(idx, r)) * bytes, bytes);
  }
}

/** x[i] = value; x: [n] */
export function fill(x: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(x, i, v);
  for (; i < n; i++) st(x, i, value);
}
