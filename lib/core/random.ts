/**
 * Seeded pseudo-random numbers. Every random step in lrcompress takes a {@linkcode Prng}, so the
 * same seed gives the same result bit for bit.
 *
 * @module
 */

/** A generator of uniform numbers in `[0, 1)` with 32 random bits each. */
export type Prng = () => number;

/**
 * Creates a seeded generator (sfc32, state seeded through splitmix32).
 *
 * @param seed Any finite number: its integer part (all of it, up to 2^53) and 32 bits of its
 *   fraction are used, so distinct integer seeds give distinct streams.
 * @returns A generator of uniform numbers in `[0, 1)`.
 * @throws {TypeError} If `seed` is not a finite number.
 *
 * @example Same seed, same numbers
 * ```ts
 * import { createPrng } from "./random.ts";
 * import assert from "node:assert/strict";
 *
 * const a = createPrng(42), b = createPrng(42);
 * assert.equal(a(), b());
 * ```
 */
export function createPrng(seed: number): Prng {
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new TypeError(
      `Cannot create random generator: seed must be a finite number, got ${seed}`,
    );
  }
  const whole = Math.trunc(seed);
  let s = (whole ^ Math.trunc((seed % 1) * 2 ** 32)) >>> 0;
  // The bits above the low 32 (zero for seeds in the int32 range, whose streams are unchanged):
  // mixed in, so that seeds such as 0 and 2^32 give different streams.
  const high = (whole - (whole | 0)) / 2 ** 32;
  if (high !== 0) {
    const h = Math.imul((high ^ (high >>> 16)) | 0, 0x45d9f3b);
    s = (s ^ (h ^ (h >>> 16)) ^ 0x9e3779b9) >>> 0;
  }
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next: Prng = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * Draws an integer uniformly from `0..n-1`.
 *
 * @param prng The generator.
 * @param n The number of outcomes, a positive integer.
 * @returns An integer in `[0, n)`.
 */
export function randomInt(prng: Prng, n: number): number {
  return Math.floor(prng() * n);
}

/**
 * Draws from the standard normal distribution (Box-Muller).
 *
 * @param prng The generator.
 * @returns A normal deviate.
 */
export function randomNormal(prng: Prng): number {
  let u = prng();
  while (u === 0) u = prng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * prng());
}

/**
 * Shuffles an array in place (Fisher-Yates).
 *
 * @param array The array to shuffle.
 * @param prng The generator.
 * @returns The same array, shuffled.
 */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(
  array: T,
  prng: Prng,
): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(prng() * (i + 1));
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/**
 * The permutation `0..n-1` shuffled.
 *
 * @param n Its length.
 * @param prng The generator.
 * @returns A new shuffled permutation.
 */
export function permutation(n: number, prng: Prng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, prng);
}
