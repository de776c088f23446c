// Where the taps of a convolution or pooling window fall in a channels-last image (shared by convolution.ts and
// pooling.ts; not exported from the module, so never a kernel of its own).

/** First row (or column) of the input under tap k of output o: o·stride + k·dilation − pad. */
@inline export function tap(o: i32, k: i32, stride: i32, dilation: i32, pad: i32): i32 {
  return o * stride + k * dilation - pad;
}

/** Whether row (or column) i lies outside an image of `size` rows (taps there count as 0 or are ignored). */
@inline export function outside(i: i32, size: i32): bool {
  return <u32>i >= <u32>size;
}
