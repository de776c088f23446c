// Where the taps of a convolution or pooling window fall in a channels-last image (shared by convolution.ts and
// pooling.ts; not exported from the module, so never a kernel of its own).
import { ld } from './simd';

/** First row (or column) of the input under tap k of output o: o·stride + k·dilation − pad. */
@inline export function tap(o: i32, k: i32, stride: i32, dilation: i32, pad: i32): i32 {
  return o * stride + k * dilation - pad;
}

/** Whether row (or column) i lies outside an image of `size` rows (taps there count as 0 or are ignored). */
@inline export function outside(i: i32, size: i32): bool {
  return <u32>i >= <u32>size;
}

/**
 * s + Σ_{oy,ox} x[n, iy, ix, ci]·dy[n, oy, ox, oc] over the taps (iy, ix) of kernel position (ky, kx) inside the
 * image, oy then ox ascending: one sample's share of one filter-gradient entry (the scalar path of conv2dFilterGrad
 * and depthwiseConv2dFilterGrad). xn, dyn: the sample's first float in x and dy.
 */
@inline export function tapSum(s: f32, x: usize, dy: usize, xn: i32, dyn: i32, ky: i32, kx: i32, ci: i32, oc: i32,
  height: i32, width: i32, inC: i32, outC: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32): f32 {
  for (let oy = 0; oy < outH; oy++) {
    const iy = tap(oy, ky, strideH, dilationH, padTop);
    if (outside(iy, height)) continue;
    for (let ox = 0; ox < outW; ox++) {
      const ix = tap(ox, kx, strideW, dilationW, padLeft);
      if (outside(ix, width)) continue;
      s += ld(x, xn + (iy * width + ix) * inC + ci) * ld(dy, dyn + (oy * outW + ox) * outC + oc);
    }
  }
  return s;
}
