// Max and average pooling over channels-last (NHWC) images, forward and backward. The caller picks Keras's
// 'valid' or 'same' by passing padTop/padLeft and outH/outW; never allocates.
import { ld, st, ld4, st4, floor4 } from './simd';
import { tap, outside } from './windows';
import { partStart } from './parts';

// Every kernel here takes (part, parts): a pool thread computes the images [partStart(batch, part, parts),
// partStart(batch, part + 1, parts)) of the batch; part 0 of parts ≤ 1 is the whole call.

// Window (oy, ox) covers input rows oy·sh − padTop + [0, poolH) and columns ox·sw − padLeft + [0, poolW); cells
// outside the image are ignored. A window with no cell inside gives 0 (and argmax −1).

/**
 * out[n,oy,ox,c] = max of x[n,iy,ix,c] over the window's cells in the image, argmax[…] = the flat index into x of
 * the first maximum (rows, then columns; compared by >, so a later NaN never wins); x: [batch, height, width, channels],
 * out: [batch, outH, outW, channels], argmax: i32, shaped like out
 */
export function maxPool2d(out: usize, argmax: usize, x: usize, batch: i32, height: i32, width: i32, channels: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, part: i32, parts: i32): void {
  const c4 = floor4(channels);
  const lane = i32x4(0, 1, 2, 3);
  const end = partStart(batch, part + 1, parts);
  for (let n = partStart(batch, part, parts); n < end; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = tap(oy, 0, strideH, 1, padTop);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = tap(ox, 0, strideW, 1, padLeft);
        const o = ((n * outH + oy) * outW + ox) * channels;
        let c = 0;
        for (; c < c4; c += 4) {
          let best = f32x4.splat(0), at = i32x4.splat(-1);
          let first = true;
          for (let py = 0; py < poolH; py++) {
            const iy = iy0 + py;
            if (outside(iy, height)) continue;
            for (let px = 0; px < poolW; px++) {
              const ix = ix0 + px;
              if (outside(ix, width)) continue;
              const i = ((n * height + iy) * width + ix) * channels + c;
              const v = ld4(x, i);
              const idx = i32x4.add(i32x4.splat(i), lane);
              if (first) { best = v; at = idx; first = false; continue; }
              const wins = f32x4.gt(v, best);
              best = v128.bitselect(v, best, wins);
              at = v128.bitselect(idx, at, wins);
            }
          }
          st4(out, o + c, best);
          v128.store(argmax + (<usize>(o + c) << 2), at);
        }
        for (; c < channels; c++) {
          let best: f32 = 0, at = -1;
          for (let py = 0; py < poolH; py++) {
            const iy = iy0 + py;
            if (outside(iy, height)) continue;
            for (let px = 0; px < poolW; px++) {
              const ix = ix0 + px;
              if (outside(ix, width)) continue;
              const i = ((n * height + iy) * width + ix) * channels + c;
              const v = ld(x, i);
              if (at < 0 || v > best) { best = v; at = i; }
            }
          }
          st(out, o + c, best);
          store<i32>(argmax + (<usize>(o + c) << 2), at);
        }
      }
    }
  }
}

/**
 * dx = 0, then dx[argmax[i]] += dy[i] for every output i in order (indices outside x are skipped);
 * dx: [batch, height, width, channels], dy and argmax (i32): [batch, outH, outW, channels]. A part owns the dx of
 * its images and reads every output for them, so any argmax (even one pointing into another image) sums as the
 * whole call does.
 */
export function maxPool2dGrad(dx: usize, dy: usize, argmax: usize, batch: i32, height: i32, width: i32, channels: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, part: i32, parts: i32): void {
  const image = height * width * channels;
  const lo = partStart(batch, part, parts) * image, hi = partStart(batch, part + 1, parts) * image;
  if (lo >= hi) return;
  memory.fill(dx + (<usize>lo << 2), 0, <usize>(hi - lo) << 2);
  const total = batch * outH * outW * channels;
  for (let i = 0; i < total; i++) {
    const k = load<i32>(argmax + (<usize>i << 2));
    if (k < lo || k >= hi) continue;
    st(dx, k, ld(dx, k) + ld(dy, i));
  }
}

/**
 * out[n,oy,ox,c] = (Σ of x[n,iy,ix,c] over the window's cells in the image, rows then columns) / (their count),
 * as Keras's 'same' averages; x: [batch, height, width, channels], out: [batch, outH, outW, channels]
 */
export function avgPool2d(out: usize, x: usize, batch: i32, height: i32, width: i32, channels: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, part: i32, parts: i32): void {
  const c4 = floor4(channels);
  const end = partStart(batch, part + 1, parts);
  for (let n = partStart(batch, part, parts); n < end; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = tap(oy, 0, strideH, 1, padTop);
      const y0 = max(iy0, 0), y1 = min(iy0 + poolH, height);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = tap(ox, 0, strideW, 1, padLeft);
        const x0 = max(ix0, 0), x1 = min(ix0 + poolW, width);
        const count = <f32>(max(y1 - y0, 0) * max(x1 - x0, 0)); // cells in the image
        const o = ((n * outH + oy) * outW + ox) * channels;
        let c = 0;
        for (; c < c4; c += 4) {
          let s = f32x4.splat(0);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) s = f32x4.add(s, ld4(x, ((n * height + iy) * width + ix) * channels + c));
          }
          st4(out, o + c, count > 0 ? f32x4.div(s, f32x4.splat(count)) : f32x4.splat(0));
        }
        for (; c < channels; c++) {
          let s: f32 = 0;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) s += ld(x, ((n * height + iy) * width + ix) * channels + c);
          }
          st(out, o + c, count > 0 ? s / count : 0);
        }
      }
    }
  }
}

/**
 * dx = 0, then each window adds dy[n,oy,ox,c] / (its count of cells in the image) to each of those cells, windows
 * in order; dx: [batch, height, width, channels], dy: [batch, outH, outW, channels]
 */
export function avgPool2dGrad(dx: usize, dy: usize, batch: i32, height: i32, width: i32, channels: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, part: i32, parts: i32): void {
  const n0 = partStart(batch, part, parts), n1 = partStart(batch, part + 1, parts);
  const image = height * width * channels;
  if (n0 < n1) memory.fill(dx + (<usize>(n0 * image) << 2), 0, <usize>((n1 - n0) * image) << 2);
  const c4 = floor4(channels);
  for (let n = n0; n < n1; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = tap(oy, 0, strideH, 1, padTop);
      const y0 = max(iy0, 0), y1 = min(iy0 + poolH, height);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = tap(ox, 0, strideW, 1, padLeft);
        const x0 = max(ix0, 0), x1 = min(ix0 + poolW, width);
        const count = <f32>(max(y1 - y0, 0) * max(x1 - x0, 0)); // cells in the image
        if (count == 0) continue;
        const o = ((n * outH + oy) * outW + ox) * channels;
        let c = 0;
        for (; c < c4; c += 4) {
          const g = f32x4.div(ld4(dy, o + c), f32x4.splat(count));
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const i = ((n * height + iy) * width + ix) * channels + c;
              st4(dx, i, f32x4.add(ld4(dx, i), g));
            }
          }
        }
        for (; c < channels; c++) {
          const g = ld(dy, o + c) / count;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const i = ((n * height + iy) * width + ix) * channels + c;
              st(dx, i, ld(dx, i) + g);
            }
          }
        }
      }
    }
  }
}
