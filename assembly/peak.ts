// The machine's SIMD limit, measured rather than assumed: the benchmark reports every GEMM as a fraction of
// what this loop reaches on the same core in the same run. It has the shape of a 4×8 GEMM microkernel (two
// f32x4 loads and four splat loads from L1 feeding eight independent accumulators) without a GEMM's bookkeeping.

/** Runs `iterations` rounds over the 64 floats at `x` (kept in L1), 64 flops a round; returns a lane sum. */
export function peakLoop(x: usize, iterations: i32): f32 {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  for (let i = 0; i < iterations; i++) {
    const p = x + ((<usize>i & 7) << 5);
    const b0 = v128.load(p), b1 = v128.load(p, 16);
    let a = v128.load32_splat(p, 4);
    c0 = f32x4.add(c0, f32x4.mul(a, b0)); c1 = f32x4.add(c1, f32x4.mul(a, b1));
    a = v128.load32_splat(p, 8);
    c2 = f32x4.add(c2, f32x4.mul(a, b0)); c3 = f32x4.add(c3, f32x4.mul(a, b1));
    a = v128.load32_splat(p, 12);
    c4 = f32x4.add(c4, f32x4.mul(a, b0)); c5 = f32x4.add(c5, f32x4.mul(a, b1));
    a = v128.load32_splat(p, 20);
    c6 = f32x4.add(c6, f32x4.mul(a, b0)); c7 = f32x4.add(c7, f32x4.mul(a, b1));
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
