// Depthwise 2-D convolution over channels-last (NHWC) images (Keras's DepthwiseConv2D), forward and backward:
// each input channel is convolved with its own `multiplier` filters. The geometry and the caller's 'valid' /
// 'same' arguments are conv2d's (convolution.ts); never allocates.
import { ld, st, ld4, st4, floor4 } from './simd';
import { biasGrad } from './matmul';
import { tap, outside, tapSum } from './windows';

// Layouts: x, dx: [batch, height, width, inC]; out, dy: [batch, outH, outW, inC·multiplier]; w, dw:
// [kH, kW, inC, multiplier]; b, db: [inC·multiplier]. Output channel oc = ci·multiplier + m reads input channel
// ci = oc / multiplier, and w[ky,kx,ci,m] is element (ky·kW + kx)·outC + oc: w is [kH, kW, outC].

// NOTE: every output's sum runs over its own taps in a fixed order from 0 (ky, kx ascending, then + bias; the
// input gradient's: ky, kx, then m ascending), SIMD lanes and scalar tails alike, and never over another sample.

/**
 * The inputs of output channels oc .. oc + 3 at input element xi (the pixel's channel 0): four neighbours when
 * multiplier is 1, else gathered from xi + (oc + j)/multiplier.
 */
@inline function inputs4(x: usize, xi: i32, oc: i32, multiplier: i32): v128 {
  if (multiplier == 1) return ld4(x, xi + oc);
  let v = f32x4.splat(ld(x, xi + oc / multiplier));
  v = f32x4.replace_lane(v, 1, ld(x, xi + (oc + 1) / multiplier));
  v = f32x4.replace_lane(v, 2, ld(x, xi + (oc + 2) / multiplier));
  return f32x4.replace_lane(v, 3, ld(x, xi + (oc + 3) / multiplier));
}

/**
 * out[n,oy,ox,ci·M + m] = b[ci·M + m] + Σ_{ky,kx} x[n, oy·sh + ky·dh − padTop, ox·sw + kx·dw − padLeft, ci]·w[ky,kx,ci,m]
 * (taps outside the image are 0); x: [batch, height, width, inC], w: [kH, kW, inC, M], b: [inC·M] or 0 for none,
 * out: [batch, outH, outW, inC·M]
 */
export function depthwiseConv2d(out: usize, x: usize, w: usize, b: usize, batch: i32, height: i32, width: i32,
  inChannels: i32, multiplier: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const inC = inChannels, outC = inChannels * multiplier;
  const oc4 = floor4(outC);
  for (let n = 0; n < batch; n++) {
    const xn = n * height * width * inC;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = tap(oy, 0, strideH, dilationH, padTop);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = tap(ox, 0, strideW, dilationW, padLeft);
        const o = ((n * outH + oy) * outW + ox) * outC;
        let oc = 0;
        for (; oc < oc4; oc += 4) {
          let a = f32x4.splat(0);
          for (let ky = 0; ky < kernelH; ky++) {
            const iy = iy0 + ky * dilationH;
            if (outside(iy, height)) continue;
            for (let kx = 0; kx < kernelW; kx++) {
              const ix = ix0 + kx * dilationW;
              if (outside(ix, width)) continue;
              const xi = xn + (iy * width + ix) * inC;
              a = f32x4.add(a, f32x4.mul(inputs4(x, xi, oc, multiplier), ld4(w, (ky * kernelW + kx) * outC + oc)));
            }
          }
          if (b != 0) a = f32x4.add(a, ld4(b, oc));
          st4(out, o + oc, a);
        }
        for (; oc < outC; oc++) {
          const ci = oc / multiplier;
          let s: f32 = 0;
          for (let ky = 0; ky < kernelH; ky++) {
            const iy = iy0 + ky * dilationH;
            if (outside(iy, height)) continue;
            for (let kx = 0; kx < kernelW; kx++) {
              const ix = ix0 + kx * dilationW;
              if (outside(ix, width)) continue;
              s += ld(x, xn + (iy * width + ix) * inC + ci) * ld(w, (ky * kernelW + kx) * outC + oc);
            }
          }
          if (b != 0) s += ld(b, oc);
          st(out, o + oc, s);
        }
      }
    }
  }
}

/**
 * dx[n,iy,ix,ci] = Σ dy[n,oy,ox,ci·M + m]·w[ky,kx,ci,m] over the (ky, kx, oy, ox) with oy·sh + ky·dh − padTop = iy and
 * ox·sw + kx·dw − padLeft = ix, and all m (the gradient of depthwiseConv2d with respect to x); dx fully overwritten.
 * dx: [batch, height, width, inC], dy: [batch, outH, outW, inC·M], w: [kH, kW, inC, M]
 */
export function depthwiseConv2dInputGrad(dx: usize, dy: usize, w: usize, batch: i32, height: i32, width: i32,
  inChannels: i32, multiplier: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const inC = inChannels, outC = inChannels * multiplier;
  // With one filter per channel, input channel ci is output channel ci: lanes over ci. Otherwise each channel's
  // sum runs over its multiplier's products at every tap, one scalar sum in the same order.
  const ci4 = multiplier == 1 ? floor4(inC) : 0;
  for (let n = 0; n < batch; n++) {
    const dyn = n * outH * outW * outC;
    for (let iy = 0; iy < height; iy++) {
      for (let ix = 0; ix < width; ix++) {
        const d = ((n * height + iy) * width + ix) * inC;
        let ci = 0;
        for (; ci < ci4; ci += 4) {
          let a = f32x4.splat(0);
          for (let ky = 0; ky < kernelH; ky++) {
            const ty = iy + padTop - ky * dilationH; // = oy·sh
            if (ty < 0) break;
            const oy = ty / strideH;
            if (oy * strideH != ty || oy >= outH) continue;
            for (let kx = 0; kx < kernelW; kx++) {
              const tx = ix + padLeft - kx * dilationW;
              if (tx < 0) break;
              const ox = tx / strideW;
              if (ox * strideW != tx || ox >= outW) continue;
              a = f32x4.add(a, f32x4.mul(ld4(dy, dyn + (oy * outW + ox) * outC + ci), ld4(w, (ky * kernelW + kx) * outC + ci)));
            }
          }
          st4(dx, d + ci, a);
        }
        for (; ci < inC; ci++) {
          let s: f32 = 0;
          for (let ky = 0; ky < kernelH; ky++) {
            const ty = iy + padTop - ky * dilationH;
            if (ty < 0) break;
            const oy = ty / strideH;
            if (oy * strideH != ty || oy >= outH) continue;
            for (let kx = 0; kx < kernelW; kx++) {
              const tx = ix + padLeft - kx * dilationW;
              if (tx < 0) break;
              const ox = tx / strideW;
              if (ox * strideW != tx || ox >= outW) continue;
              const g = dyn + (oy * outW + ox) * outC + ci * multiplier;
              const wi = (ky * kernelW + kx) * outC + ci * multiplier;
              for (let m = 0; m < multiplier; m++) s += ld(dy, g + m) * ld(w, wi + m);
            }
          }
          st(dx, d + ci, s);
        }
      }
    }
  }
}

/**
 * dw[ky,kx,ci,m] = Σ_{n,oy,ox} x[n, oy·sh + ky·dh − padTop, ox·sw + kx·dw − padLeft, ci]·dy[n,oy,ox,ci·M + m] and
 * db[oc] = Σ_{n,oy,ox} dy[n,oy,ox,oc], each summed n, oy, ox ascending; both fully overwritten (db 0: none).
 * x: [batch, height, width, inC], dy: [batch, outH, outW, inC·M], dw: [kH, kW, inC, M], db: [inC·M]
 */
export function depthwiseConv2dFilterGrad(dw: usize, db: usize, x: usize, dy: usize, batch: i32, height: i32, width: i32,
  inChannels: i32, multiplier: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const inC = inChannels, outC = inChannels * multiplier;
  const oc4 = floor4(outC);
  memory.fill(dw, 0, <usize>(kernelH * kernelW * outC) << 2);
  // One sample at a time, so its x and dy stay in cache while every tap of dw runs over them (as conv2dFilterGrad).
  for (let n = 0; n < batch; n++) {
    const xn = n * height * width * inC;
    const dyn = n * outH * outW * outC;
    for (let ky = 0; ky < kernelH; ky++) {
      for (let kx = 0; kx < kernelW; kx++) {
        const wi = (ky * kernelW + kx) * outC;
        let oc = 0;
        for (; oc < oc4; oc += 4) {
          let a = ld4(dw, wi + oc);
          for (let oy = 0; oy < outH; oy++) {
            const iy = tap(oy, ky, strideH, dilationH, padTop);
            if (outside(iy, height)) continue;
            for (let ox = 0; ox < outW; ox++) {
              const ix = tap(ox, kx, strideW, dilationW, padLeft);
              if (outside(ix, width)) continue;
              const xi = xn + (iy * width + ix) * inC;
              a = f32x4.add(a, f32x4.mul(inputs4(x, xi, oc, multiplier), ld4(dy, dyn + (oy * outW + ox) * outC + oc)));
            }
          }
          st4(dw, wi + oc, a);
        }
        for (; oc < outC; oc++) {
          st(dw, wi + oc, tapSum(ld(dw, wi + oc), x, dy, xn, dyn, ky, kx, oc / multiplier, oc, height, width, inC, outC,
            strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW));
        }
      }
    }
  }
  if (db != 0) biasGrad(db, dy, batch * outH * outW, outC);
}
