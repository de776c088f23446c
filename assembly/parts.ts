// How a kernel that takes (part, parts) divides independent rows (images, rows of pixels, taps) among pool threads.

/** First of `rows` in part `part` of `parts` (contiguous bands, as even as integers allow); parts ≤ 1: part 0 is all. */
@inline export function partStart(rows: i32, part: i32, parts: i32): i32 {
  return parts <= 1 ? (part == 0 ? 0 : rows) : <i32>(<i64>rows * part / parts);
}
