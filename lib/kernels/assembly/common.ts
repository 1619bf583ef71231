// AssemblyScript (not Deno TypeScript): shared helpers of the lrcompress kernels.
// Built by `deno task build:wasm` (lib/kernels/build.ts) twice: with RELAXED=1 (fused
// multiply-add from the relaxed-SIMD proposal) and RELAXED=0 (plain SIMD, for engines without
// relaxed SIMD).

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four lanes, in float64. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f64 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  const s = f64x2.add(lo, hi);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** Adds the four float32 lanes of `v` to the float64 values at `p`. */
// @ts-ignore: decorator
@inline export function addToF64(p: usize, v: v128): void {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  v128.store(p, f64x2.add(v128.load(p), lo));
  v128.store(p, f64x2.add(v128.load(p, 16), hi), 16);
}
