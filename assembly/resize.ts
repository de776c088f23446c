// Resizing channels-last (NHWC) images: Keras's ZeroPadding2D and UpSampling2D (nearest), each beside its gradient
// (cropping the padding off, summing each block of copies). Copies move whole rows of pixels; never allocates.
import { ld, st, ld4, st4, floor4 } from './simd';

/** Copies `floats` f32 from element 0 of `src` to element 0 of `dst` (both byte offsets). */
@inline function copy(dst: usize, src: usize, floats: i32): void {
  memory.copy(dst, src, <usize>floats << 2);
}

/** Zeroes `floats` f32 from byte offset `dst`. */
@inline function zero(dst: usize, floats: i32): void {
  memory.fill(dst, 0, <usize>floats << 2);
}

/**
 * out[n, top + y, left + x, c] = x[n,y,x,c], 0 elsewhere; x: [batch, height, width, channels],
 * out: [batch, top + height + bottom, left + width + right, channels]
 */
export function zeroPad2d(out: usize, x: usize, batch: i32, height: i32, width: i32, channels: i32,
  top: i32, bottom: i32, left: i32, right: i32): void {
  const row = width * channels; // floats of one row of x
  const outRow = (left + width + right) * channels;
  const outImage = (top + height + bottom) * outRow;
  for (let n = 0; n < batch; n++) {
    const o = <usize>(n * outImage) << 2;
    zero(out + o, top * outRow);
    for (let y = 0; y < height; y++) {
      const r = out + o + (<usize>((top + y) * outRow) << 2);
      zero(r, left * channels);
      copy(r + (<usize>(left * channels) << 2), x + (<usize>((n * height + y) * row) << 2), row);
      zero(r + (<usize>((left + width) * channels) << 2), right * channels);
    }
    zero(out + o + (<usize>((top + height) * outRow) << 2), bottom * outRow);
  }
}

/**
 * dx[n,y,x,c] = dy[n, top + y, left + x, c] (the gradient of zeroPad2d: the interior of dy);
 * dx: [batch, height, width, channels], dy: [batch, top + height + bottom, left + width + right, channels]
 */
export function crop2d(dx: usize, dy: usize, batch: i32, height: i32, width: i32, channels: i32,
  top: i32, bottom: i32, left: i32, right: i32): void {
  const row = width * channels;
  const dyRow = (left + width + right) * channels;
  const dyImage = (top + height + bottom) * dyRow;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < height; y++) {
      copy(dx + (<usize>((n * height + y) * row) << 2), dy + (<usize>(n * dyImage + (top + y) * dyRow + left * channels) << 2), row);
    }
  }
}

/**
 * out[n,y,x,c] = x[n, y / sizeH, x / sizeW, c] (nearest: every pixel becomes a sizeH × sizeW block);
 * x: [batch, height, width, channels], out: [batch, height·sizeH, width·sizeW, channels]
 */
export function upSample2d(out: usize, x: usize, batch: i32, height: i32, width: i32, channels: i32,
  sizeH: i32, sizeW: i32): void {
  const outRow = width * sizeW * channels;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < height; y++) {
      // The block's first row, pixel by pixel; its other sizeH − 1 rows are copies of it.
      const first = out + (<usize>((n * height + y) * sizeH * outRow) << 2);
      for (let ix = 0; ix < width; ix++) {
        const src = x + (<usize>(((n * height + y) * width + ix) * channels) << 2);
        for (let k = 0; k < sizeW; k++) copy(first + (<usize>((ix * sizeW + k) * channels) << 2), src, channels);
      }
      for (let k = 1; k < sizeH; k++) copy(first + (<usize>(k * outRow) << 2), first, outRow);
    }
  }
}

/**
 * dx[n,y,x,c] = Σ_{a < sizeH} Σ_{b < sizeW} dy[n, y·sizeH + a, x·sizeW + b, c], rows then columns ascending
 * (the gradient of upSample2d); dx: [batch, height, width, channels], dy: [batch, height·sizeH, width·sizeW, channels]
 */
export function upSample2dGrad(dx: usize, dy: usize, batch: i32, height: i32, width: i32, channels: i32,
  sizeH: i32, sizeW: i32): void {
  const c4 = floor4(channels);
  const dyRow = width * sizeW * channels;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < height; y++) {
      for (let ix = 0; ix < width; ix++) {
        const d = ((n * height + y) * width + ix) * channels;
        const g = (n * height + y) * sizeH * dyRow + ix * sizeW * channels; // the block's top-left pixel
        let c = 0;
        for (; c < c4; c += 4) {
          let s = f32x4.splat(0);
          for (let a = 0; a < sizeH; a++) {
            for (let b = 0; b < sizeW; b++) s = f32x4.add(s, ld4(dy, g + a * dyRow + b * channels + c));
          }
          st4(dx, d + c, s);
        }
        for (; c < channels; c++) {
          let s: f32 = 0;
          for (let a = 0; a < sizeH; a++) {
            for (let b = 0; b < sizeW; b++) s += ld(dy, g + a * dyRow + b * channels + c);
          }
          st(dx, d + c, s);
        }
      }
    }
  }
}
