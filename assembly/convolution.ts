// 2-D convolution over channels-last (NHWC, Keras's default) images, forward and backward (Conv1D is height 1).
// The caller picks Keras's 'valid' or 'same' by passing padTop/padLeft and outH/outW; never allocates.
import { ld, st, ld4, st4, floor4, hsum } from './simd';
import { biasGrad } from './matmul';
import { ACTIVATION_LINEAR, applyActivation } from './activations';
import { partStart } from './parts';
import { A_GRAD_PATCHES, A_PATCHES_T, B_STRIDED, B_TAP_WEIGHTS, SPLIT_ANY, gemmPart, setConvGeometry } from './gemm';

// Which passes run as packed products over the image's patches (see gemm.ts) rather than the direct loops below,
// measured on this kind of machine (bench/cnn.bench.ts's layers): the product wins where each packed value
// serves many outputs and its panels pack four channels at a time; the direct loops win on few channels (a first
// layer's one) and in the forward pass, whose loops already reuse each weight vector across four pixels.
// Either way a sample's result does not depend on its batch: the choice depends on the layer, not the batch.
@inline function gemmInputGrad(inC: i32, outC: i32, strideH: i32, strideW: i32): bool {
  return strideH == 1 && strideW == 1 && inC >= 16 && outC >= 32 && (outC & 3) == 0;
}
@inline function gemmFilterGrad(inC: i32, outC: i32): bool {
  return (inC & 3) == 0 && inC * outC >= 64;
}
import { tap, outside, tapSum } from './windows';

// Layouts: x, dx: [batch, height, width, inC]; out, dy: [batch, outH, outW, outC]; w, dw: [kH, kW, inC, outC].
// Tap (ky, kx) of output (oy, ox) reads input row oy·sh + ky·dh − padTop, column ox·sw + kx·dw − padLeft;
// taps outside the image count as 0 (they are skipped). pooling.ts uses the same geometry without dilation.

// NOTE: every output's sum runs over its own taps in a fixed order from 0 (the forward pass: ky, kx, ci
// ascending, then + bias), SIMD lanes, four-pixel runs and scalar tails alike (a lane is a scalar f32 mul and
// add, no FMA), and never over another sample: a sample's result is the same bits in any batch split.

// ─── Convolution ───

/**
 * `lanes` (16, 8 or 4) output channels from oc of one output pixel: the sum over the taps in (ky, kx, ci)
 * order, then + b. Inlined with a constant `lanes`, so the unused accumulators fold away.
 */
@inline function convLanes(out: usize, x: usize, w: usize, b: usize, o: i32, xn: i32, iy0: i32, ix0: i32, oc: i32,
  lanes: i32, height: i32, width: i32, inC: i32, outC: i32, kernelH: i32, kernelW: i32, dilationH: i32, dilationW: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let ky = 0; ky < kernelH; ky++) {
    const iy = iy0 + ky * dilationH;
    if (outside(iy, height)) continue;
    for (let kx = 0; kx < kernelW; kx++) {
      const ix = ix0 + kx * dilationW;
      if (outside(ix, width)) continue;
      const xi = xn + (iy * width + ix) * inC;
      let wi = (ky * kernelW + kx) * inC * outC + oc;
      for (let ci = 0; ci < inC; ci++) {
        const s = f32x4.splat(ld(x, xi + ci));
        a0 = f32x4.add(a0, f32x4.mul(s, ld4(w, wi)));
        if (lanes >= 8) a1 = f32x4.add(a1, f32x4.mul(s, ld4(w, wi + 4)));
        if (lanes >= 16) {
          a2 = f32x4.add(a2, f32x4.mul(s, ld4(w, wi + 8)));
          a3 = f32x4.add(a3, f32x4.mul(s, ld4(w, wi + 12)));
        }
        wi += outC;
      }
    }
  }
  if (b != 0) {
    a0 = f32x4.add(a0, ld4(b, oc));
    if (lanes >= 8) a1 = f32x4.add(a1, ld4(b, oc + 4));
    if (lanes >= 16) { a2 = f32x4.add(a2, ld4(b, oc + 8)); a3 = f32x4.add(a3, ld4(b, oc + 12)); }
  }
  st4(out, o + oc, a0);
  if (lanes >= 8) st4(out, o + oc + 4, a1);
  if (lanes >= 16) { st4(out, o + oc + 8, a2); st4(out, o + oc + 12, a3); }
}

/**
 * `lanes` (8 or 4) output channels from oc of four output pixels side by side (columns ox .. ox + 3, `step` floats
 * of x apart), every tap of which lies inside the image's columns: the same sums in the same order as
 * `convLanes`, but each load of w serves four pixels. Inlined with a constant `lanes`.
 */
@inline function convLanes4(out: usize, x: usize, w: usize, b: usize, o: i32, xn: i32, iy0: i32, ix0: i32, oc: i32,
  lanes: i32, height: i32, width: i32, inC: i32, outC: i32, kernelH: i32, kernelW: i32, dilationH: i32, dilationW: i32,
  step: i32): void {
  let p0 = f32x4.splat(0), q0 = f32x4.splat(0), p1 = f32x4.splat(0), q1 = f32x4.splat(0);
  let p2 = f32x4.splat(0), q2 = f32x4.splat(0), p3 = f32x4.splat(0), q3 = f32x4.splat(0);
  for (let ky = 0; ky < kernelH; ky++) {
    const iy = iy0 + ky * dilationH;
    if (outside(iy, height)) continue;
    // Undilated, a row's taps (kx, then ci) are one run in x and in w: one loop, the same order of sums.
    const runs = dilationW == 1 ? 1 : kernelW;
    const run = dilationW == 1 ? kernelW * inC : inC;
    for (let kx = 0; kx < runs; kx++) {
      let xi = xn + (iy * width + ix0 + kx * dilationW) * inC;
      let wi = (ky * kernelW + kx) * inC * outC + oc;
      for (let ci = 0; ci < run; ci++) {
        const lo = ld4(w, wi);
        const hi = lanes >= 8 ? ld4(w, wi + 4) : lo;
        let s = f32x4.splat(ld(x, xi));
        p0 = f32x4.add(p0, f32x4.mul(s, lo));
        if (lanes >= 8) q0 = f32x4.add(q0, f32x4.mul(s, hi));
        s = f32x4.splat(ld(x, xi + step));
        p1 = f32x4.add(p1, f32x4.mul(s, lo));
        if (lanes >= 8) q1 = f32x4.add(q1, f32x4.mul(s, hi));
        s = f32x4.splat(ld(x, xi + 2 * step));
        p2 = f32x4.add(p2, f32x4.mul(s, lo));
        if (lanes >= 8) q2 = f32x4.add(q2, f32x4.mul(s, hi));
        s = f32x4.splat(ld(x, xi + 3 * step));
        p3 = f32x4.add(p3, f32x4.mul(s, lo));
        if (lanes >= 8) q3 = f32x4.add(q3, f32x4.mul(s, hi));
        xi++;
        wi += outC;
      }
    }
  }
  if (b != 0) {
    const lo = ld4(b, oc);
    p0 = f32x4.add(p0, lo); p1 = f32x4.add(p1, lo); p2 = f32x4.add(p2, lo); p3 = f32x4.add(p3, lo);
    if (lanes >= 8) {
      const hi = ld4(b, oc + 4);
      q0 = f32x4.add(q0, hi); q1 = f32x4.add(q1, hi); q2 = f32x4.add(q2, hi); q3 = f32x4.add(q3, hi);
    }
  }
  st4(out, o + oc, p0); st4(out, o + outC + oc, p1); st4(out, o + 2 * outC + oc, p2); st4(out, o + 3 * outC + oc, p3);
  if (lanes >= 8) {
    st4(out, o + oc + 4, q0); st4(out, o + outC + oc + 4, q1); st4(out, o + 2 * outC + oc + 4, q2); st4(out, o + 3 * outC + oc + 4, q3);
  }
}

/** Output channel oc of one output pixel, one scalar sum in the lanes' order: the tail past the last f32x4. */
@inline function convScalar(out: usize, x: usize, w: usize, b: usize, o: i32, xn: i32, iy0: i32, ix0: i32, oc: i32,
  height: i32, width: i32, inC: i32, outC: i32, kernelH: i32, kernelW: i32, dilationH: i32, dilationW: i32): void {
  let s: f32 = 0;
  for (let ky = 0; ky < kernelH; ky++) {
    const iy = iy0 + ky * dilationH;
    if (outside(iy, height)) continue;
    for (let kx = 0; kx < kernelW; kx++) {
      const ix = ix0 + kx * dilationW;
      if (outside(ix, width)) continue;
      const xi = xn + (iy * width + ix) * inC;
      const wi = (ky * kernelW + kx) * inC * outC + oc;
      for (let ci = 0; ci < inC; ci++) s += ld(x, xi + ci) * ld(w, wi + ci * outC);
    }
  }
  if (b != 0) s += ld(b, oc);
  st(out, o + oc, s);
}

/**
 * out[n,oy,ox,oc] = b[oc] + Σ_{ky,kx,ci} x[n, oy·sh + ky·dh − padTop, ox·sw + kx·dw − padLeft, ci]·w[ky,kx,ci,oc]
 * (taps outside the image are 0); x: [batch, height, width, inC], w: [kH, kW, inC, outC], b: [outC] or 0 for none,
 * out: [batch, outH, outW, outC]
 */
export function conv2d(out: usize, x: usize, w: usize, b: usize, batch: i32, height: i32, width: i32,
  inChannels: i32, outChannels: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  convolve(out, x, w, b, batch, height, width, inChannels, outChannels, kernelH, kernelW, strideH, strideW, dilationH, dilationW,
    padTop, padLeft, outH, outW, out, ACTIVATION_LINEAR, 0, 0, 1);
}

/**
 * A convolution layer's forward pass in one call: pre = conv2d(x, w, b), then out = activation(pre), applied to
 * each row of output pixels as soon as it is computed, while it is in cache (softmax over the channels;
 * activation ids as in `applyActivation`; out may equal pre for linear).
 * x: [batch, height, width, inC], w: [kH, kW, inC, outC], b: [outC] or 0 for none, pre, out: [batch, outH, outW, outC]
 */
export function conv2dForward(out: usize, pre: usize, x: usize, w: usize, b: usize, batch: i32, height: i32, width: i32,
  inChannels: i32, outChannels: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, activation: i32, alpha: f32,
  part: i32, parts: i32): void {
  convolve(pre, x, w, b, batch, height, width, inChannels, outChannels, kernelH, kernelW, strideH, strideW, dilationH, dilationW,
    padTop, padLeft, outH, outW, out, activation, alpha, part, parts);
}

/** conv2d into `pre`, then each row of output pixels through the activation into `act` (nothing more when linear in place). */
function convolve(out: usize, x: usize, w: usize, b: usize, batch: i32, height: i32, width: i32,
  inChannels: i32, outChannels: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, act: usize, activation: i32, alpha: f32,
  part: i32, parts: i32): void {
  const inC = inChannels, outC = outChannels;
  const epilogue = activation != ACTIVATION_LINEAR || act != out;
  const oc16 = outC & ~15, oc8 = outC & ~7, oc4 = floor4(outC);
  const span = (kernelW - 1) * dilationW; // columns from a pixel's first tap to its last
  // Rows of output pixels (n, oy) are independent: a part takes a band of them.
  const end = partStart(batch * outH, part + 1, parts);
  for (let r = partStart(batch * outH, part, parts); r < end; r++) {
    const n = r / outH, oy = r % outH;
    const xn = n * height * width * inC;
    const iy0 = tap(oy, 0, strideH, dilationH, padTop);
    let ox = 0;
    while (ox < outW) {
      const ix0 = tap(ox, 0, strideW, dilationW, padLeft);
      const o = ((n * outH + oy) * outW + ox) * outC;
      let oc = 0;
      if (ox + 4 <= outW && ix0 >= 0 && ix0 + 3 * strideW + span < width) {
        // Four pixels whose taps all lie inside the row: same sums, a quarter of the loads of w.
        const step = strideW * inC;
        for (; oc < oc8; oc += 8) {
          convLanes4(out, x, w, b, o, xn, iy0, ix0, oc, 8, height, width, inC, outC, kernelH, kernelW, dilationH, dilationW, step);
        }
        for (; oc < oc4; oc += 4) {
          convLanes4(out, x, w, b, o, xn, iy0, ix0, oc, 4, height, width, inC, outC, kernelH, kernelW, dilationH, dilationW, step);
        }
        for (let p = 0; p < 4; p++) {
          for (let c = oc; c < outC; c++) {
            convScalar(out, x, w, b, o + p * outC, xn, iy0, ix0 + p * strideW, c, height, width, inC, outC,
              kernelH, kernelW, dilationH, dilationW);
          }
        }
        ox += 4;
        continue;
      }
      for (; oc < oc16; oc += 16) {
        convLanes(out, x, w, b, o, xn, iy0, ix0, oc, 16, height, width, inC, outC, kernelH, kernelW, dilationH, dilationW);
      }
      for (; oc < oc8; oc += 8) {
        convLanes(out, x, w, b, o, xn, iy0, ix0, oc, 8, height, width, inC, outC, kernelH, kernelW, dilationH, dilationW);
      }
      for (; oc < oc4; oc += 4) {
        convLanes(out, x, w, b, o, xn, iy0, ix0, oc, 4, height, width, inC, outC, kernelH, kernelW, dilationH, dilationW);
      }
      for (; oc < outC; oc++) {
        convScalar(out, x, w, b, o, xn, iy0, ix0, oc, height, width, inC, outC, kernelH, kernelW, dilationH, dilationW);
      }
      ox++;
    }
    if (epilogue) {
      const row = <usize>((n * outH + oy) * outW * outC) << 2;
      applyActivation(activation, act + row, out + row, outW, outC, alpha);
    }
  }
}

/**
 * Input channels ci .. ci + rows − 1 (rows ≤ 4) of dx at one input pixel: for each, the dot product over oc of
 * dy and w, taken over the taps that read the pixel (ky, kx ascending); lanes over oc, then hsum + scalar tail.
 */
@inline function inputGradRows(dx: usize, dy: usize, w: usize, d: i32, dyn: i32, iy: i32, ix: i32, ci: i32, rows: i32,
  inC: i32, outC: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const oc4 = floor4(outC);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
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
      const g = dyn + (oy * outW + ox) * outC;
      const wi = ((ky * kernelW + kx) * inC + ci) * outC;
      let oc = 0;
      for (; oc < oc4; oc += 4) {
        const v = ld4(dy, g + oc);
        a0 = f32x4.add(a0, f32x4.mul(v, ld4(w, wi + oc)));
        if (rows == 4) {
          a1 = f32x4.add(a1, f32x4.mul(v, ld4(w, wi + outC + oc)));
          a2 = f32x4.add(a2, f32x4.mul(v, ld4(w, wi + 2 * outC + oc)));
          a3 = f32x4.add(a3, f32x4.mul(v, ld4(w, wi + 3 * outC + oc)));
        }
      }
      for (; oc < outC; oc++) {
        const v = ld(dy, g + oc);
        s0 += v * ld(w, wi + oc);
        if (rows == 4) {
          s1 += v * ld(w, wi + outC + oc);
          s2 += v * ld(w, wi + 2 * outC + oc);
          s3 += v * ld(w, wi + 3 * outC + oc);
        }
      }
    }
  }
  st(dx, d + ci, hsum(a0) + s0);
  if (rows == 4) {
    st(dx, d + ci + 1, hsum(a1) + s1);
    st(dx, d + ci + 2, hsum(a2) + s2);
    st(dx, d + ci + 3, hsum(a3) + s3);
  }
}

/**
 * dx[n,iy,ix,ci] = Σ dy[n,oy,ox,oc]·w[ky,kx,ci,oc] over the (ky, kx, oy, ox) with oy·sh + ky·dh − padTop = iy and
 * ox·sw + kx·dw − padLeft = ix, and all oc (the gradient of conv2d with respect to x); dx fully overwritten.
 * dx: [batch, height, width, inC], dy: [batch, outH, outW, outC], w: [kH, kW, inC, outC]
 */
export function conv2dInputGrad(dx: usize, dy: usize, w: usize, batch: i32, height: i32, width: i32,
  inChannels: i32, outChannels: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, part: i32, parts: i32): void {
  if (batch > 0 && gemmInputGrad(inChannels, outChannels, strideH, strideW)) {
    setConvGeometry(height, width, inChannels, outChannels, kernelH, kernelW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW);
    gemmPart(dx, dy, w, batch * height * width, kernelH * kernelW * outChannels, inChannels, false, 0, 0, 0, 0, 0, false, inChannels,
      part, parts, SPLIT_ANY, A_GRAD_PATCHES, B_TAP_WEIGHTS);
    return;
  }
  const inC = inChannels, outC = outChannels;
  const ci4 = floor4(inC);
  // Rows of input pixels (n, iy) are independent: a part takes a band of them.
  const end = partStart(batch * height, part + 1, parts);
  for (let r = partStart(batch * height, part, parts); r < end; r++) {
    const n = r / height, iy = r % height;
    const dyn = n * outH * outW * outC;
    for (let ix = 0; ix < width; ix++) {
      const d = ((n * height + iy) * width + ix) * inC;
      let ci = 0;
      for (; ci < ci4; ci += 4) {
        inputGradRows(dx, dy, w, d, dyn, iy, ix, ci, 4, inC, outC, kernelH, kernelW, strideH, strideW,
          dilationH, dilationW, padTop, padLeft, outH, outW);
      }
      for (; ci < inC; ci++) {
        inputGradRows(dx, dy, w, d, dyn, iy, ix, ci, 1, inC, outC, kernelH, kernelW, strideH, strideW,
          dilationH, dilationW, padTop, padLeft, outH, outW);
      }
    }
  }
}

/**
 * `lanes` (16, 8 or 4) output channels from oc of dw[ky,kx,ci,:] += Σ_{oy,ox} x[n,iy,ix,ci]·dy[n,oy,ox,:] for
 * one sample n, oy and ox ascending. Inlined with a constant `lanes`.
 */
@inline function filterGradLanes(dw: usize, x: usize, dy: usize, wi: i32, xn: i32, dyn: i32, ky: i32, kx: i32, ci: i32,
  oc: i32, lanes: i32, height: i32, width: i32, inC: i32, outC: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  let a0 = ld4(dw, wi + oc), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  if (lanes >= 8) a1 = ld4(dw, wi + oc + 4);
  if (lanes >= 16) { a2 = ld4(dw, wi + oc + 8); a3 = ld4(dw, wi + oc + 12); }
  for (let oy = 0; oy < outH; oy++) {
    const iy = tap(oy, ky, strideH, dilationH, padTop);
    if (outside(iy, height)) continue;
    for (let ox = 0; ox < outW; ox++) {
      const ix = tap(ox, kx, strideW, dilationW, padLeft);
      if (outside(ix, width)) continue;
      const s = f32x4.splat(ld(x, xn + (iy * width + ix) * inC + ci));
      const g = dyn + (oy * outW + ox) * outC + oc;
      a0 = f32x4.add(a0, f32x4.mul(s, ld4(dy, g)));
      if (lanes >= 8) a1 = f32x4.add(a1, f32x4.mul(s, ld4(dy, g + 4)));
      if (lanes >= 16) {
        a2 = f32x4.add(a2, f32x4.mul(s, ld4(dy, g + 8)));
        a3 = f32x4.add(a3, f32x4.mul(s, ld4(dy, g + 12)));
      }
    }
  }
  st4(dw, wi + oc, a0);
  if (lanes >= 8) st4(dw, wi + oc + 4, a1);
  if (lanes >= 16) { st4(dw, wi + oc + 8, a2); st4(dw, wi + oc + 12, a3); }
}

/**
 * dw[ky,kx,ci,oc] = Σ_{n,oy,ox} x[n, oy·sh + ky·dh − padTop, ox·sw + kx·dw − padLeft, ci]·dy[n,oy,ox,oc] and
 * db[oc] = Σ_{n,oy,ox} dy[n,oy,ox,oc], each summed n, oy, ox ascending; both fully overwritten (db 0: none).
 * x: [batch, height, width, inC], dy: [batch, outH, outW, outC], dw: [kH, kW, inC, outC], db: [outC]
 */
export function conv2dFilterGrad(dw: usize, db: usize, x: usize, dy: usize, batch: i32, height: i32, width: i32,
  inChannels: i32, outChannels: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, part: i32, parts: i32): void {
  if (batch > 0 && outH * outW > 0 && gemmFilterGrad(inChannels, outChannels)) {
    setConvGeometry(height, width, inChannels, outChannels, kernelH, kernelW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW);
    gemmPart(dw, x, dy, kernelH * kernelW * inChannels, batch * outH * outW, outChannels, false, 0, 0, 0, outChannels, 1, false, outChannels,
      part, parts, SPLIT_ANY, A_PATCHES_T, B_STRIDED);
    if (db != 0 && part == 0) biasGrad(db, dy, batch * outH * outW, outChannels);
    return;
  }
  const inC = inChannels, outC = outChannels;
  const oc16 = outC & ~15, oc8 = outC & ~7, oc4 = floor4(outC);
  // Rows (ky, kx, ci) of dw are independent: a part takes a band of them.
  const taps = kernelH * kernelW * inC;
  const t0 = partStart(taps, part, parts), t1 = partStart(taps, part + 1, parts);
  if (t0 < t1) memory.fill(dw + (<usize>(t0 * outC) << 2), 0, <usize>((t1 - t0) * outC) << 2);
  // One sample at a time, so its x and dy stay in cache while every tap of dw runs over them; the sums still
  // run n, oy, ox ascending, as each sample's pass starts from the previous samples' sum in dw.
  for (let n = 0; n < batch; n++) {
    const xn = n * height * width * inC;
    const dyn = n * outH * outW * outC;
    for (let t = t0; t < t1; t++) {
      const ky = t / (kernelW * inC), kx = (t / inC) % kernelW, ci = t % inC;
      const wi = ((ky * kernelW + kx) * inC + ci) * outC;
      let oc = 0;
      for (; oc < oc16; oc += 16) {
        filterGradLanes(dw, x, dy, wi, xn, dyn, ky, kx, ci, oc, 16, height, width, inC, outC, strideH, strideW,
          dilationH, dilationW, padTop, padLeft, outH, outW);
      }
      for (; oc < oc8; oc += 8) {
        filterGradLanes(dw, x, dy, wi, xn, dyn, ky, kx, ci, oc, 8, height, width, inC, outC, strideH, strideW,
          dilationH, dilationW, padTop, padLeft, outH, outW);
      }
      for (; oc < oc4; oc += 4) {
        filterGradLanes(dw, x, dy, wi, xn, dyn, ky, kx, ci, oc, 4, height, width, inC, outC, strideH, strideW,
          dilationH, dilationW, padTop, padLeft, outH, outW);
      }
      for (; oc < outC; oc++) {
        st(dw, wi + oc, tapSum(ld(dw, wi + oc), x, dy, xn, dyn, ky, kx, ci, oc, height, width, inC, outC, strideH, strideW,
          dilationH, dilationW, padTop, padLeft, outH, outW));
      }
    }
  }
  if (db != 0 && part == 0) biasGrad(db, dy, batch * outH * outW, outC);
}
