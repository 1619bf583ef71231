/**
 * Seeded pseudo-random numbers. Every random step in lrcompress takes a {@linkcode Prng}, so the
 * same seed gives the same result bit for bit.
 *
 * @module
 */

import { describe } from "./validate.ts";

/** A generator of uniform numbers in `[0, 1)` with 32 random bits each. */
export type Prng = () => number;

/**
 * Creates a seeded generator (sfc32, state seeded through splitmix32).
 *
 * @param seed Any finite number: its integer part (all of it, up to 2^53), its sign and 32 bits of
 *   its fraction are used, so distinct seeds give distinct streams (seeds whose fractions differ
 *   only beyond 2^-32 share one).
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
      `Cannot create random generator: seed must be a finite number, got ${describe(seed)}`,
    );
  }
  const whole = Math.trunc(seed);
  const fraction = seed % 1;
  let s = whole >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    return fmix32(s);
  };
  // The low 32 bits of the integer part fix `a` (splitmix is a bijection), the bits above them
  // `c`, the fraction's sign `b` and 32 bits of its magnitude `d`: distinct seeds (to that
  // precision) give distinct states. Integer seeds in the int32 range keep their streams.
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  b = (b ^ (fraction < 0 ? 0x9e3779b9 : 0)) >>> 0;
  c = (c ^ fmix32((whole - (whole | 0)) / 2 ** 32)) >>> 0;
  d = (d ^ fmix32(Math.trunc(Math.abs(fraction) * 2 ** 32))) >>> 0;
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

/** murmur3's 32-bit finaliser: a bijection of 32-bit words that maps 0 to 0. */
function fmix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Checks a seed option before any work, so that a bad seed is refused in the caller's words (not
 * the random generator's) and even where nothing random is drawn (L-BFGS in `fit`).
 *
 * @param action What the caller was doing, for messages.
 * @param seed The option, or `undefined`.
 * @param name The option's name in messages (`"rounding.seed"` for a nested one).
 * @throws {TypeError} If it is given and not a finite number.
 */
export function checkSeed(action: string, seed: unknown, name = "seed"): void {
  if (seed !== undefined && !Number.isFinite(seed)) {
    throw new TypeError(`Cannot ${action}: ${name} must be a finite number, got ${describe(seed)}`);
  }
}

/**
 * The generator behind a `prng` option, or a seeded one: a caller's generator is checked as it
 * runs, each value a number in `[0, 1)` (a NaN, a 1 or a negative value gave NaN weights or
 * scores without a word).
 *
 * @param action What the caller was doing, for messages.
 * @param prng The option as given, or `undefined`.
 * @param seed The seed for the default generator.
 * @returns The generator.
 * @throws {TypeError} If `prng` is given and not a function, or `seed` is not a finite number.
 */
export function prngOption(action: string, prng: unknown, seed: number | undefined): Prng {
  if (prng === undefined) {
    checkSeed(action, seed);
    return createPrng(seed ?? 0);
  }
  if (typeof prng !== "function") {
    throw new TypeError(
      `Cannot ${action}: prng must be a function () => number, got ${describe(prng)}`,
    );
  }
  return () => {
    const u = prng();
    if (typeof u !== "number" || !(u >= 0 && u < 1)) {
      throw new RangeError(
        `Cannot ${action}: prng returned ${describe(u)}, not a number in [0, 1)`,
      );
    }
    return u;
  };
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

/** Zeros in a row after which {@linkcode randomNormal} gives up on its generator. */
const ZERO_DRAWS_LIMIT = 64;

/**
 * Draws from the standard normal distribution (Box-Muller).
 *
 * @param prng The generator.
 * @returns A normal deviate.
 * @throws {RangeError} If the generator returns 0 64 times in a row.
 */
export function randomNormal(prng: Prng): number {
  let u = prng();
  for (let zeros = 1; u === 0; zeros++) {
    // sfc32 gives 0 once in 2^32 draws; a generator that gives nothing else would loop forever.
    if (zeros === ZERO_DRAWS_LIMIT) {
      throw new RangeError(
        `Cannot draw a normal deviate: the generator returned 0 ${ZERO_DRAWS_LIMIT} times in a row`,
      );
    }
    u = prng();
  }
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
