// Load/store helpers over byte offsets in the one imported memory. Kernels index elements, these turn an
// element index into an address; nothing here allocates.

/** Address of f32/i32 element `i` of the array at `base`. */
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

@inline export function ld(base: usize, i: i32): f32 {
  return load<f32>(at(base, i));
}

@inline export function st(base: usize, i: i32, v: f32): void {
  store<f32>(at(base, i), v);
}

@inline export function ld4(base: usize, i: i32): v128 {
  return v128.load(at(base, i));
}

@inline export function st4(base: usize, i: i32, v: v128): void {
  v128.store(at(base, i), v);
}

/** Sum of the four lanes, in a fixed order so every engine gives the same bits. */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Largest multiple of 4 not above n: where a SIMD main loop stops and the scalar tail starts. */
@inline export function floor4(n: i32): i32 {
  return n & ~3;
}
