/**
 * Limited-memory BFGS with a strong-Wolfe line search, and its orthant-wise variant (OWL-QN,
 * Andrew and Gao 2007) for objectives with an L1 term, which lands weights exactly on zero.
 *
 * @module
 */

import { assertFinite, assertInRange, assertOptions, describe } from "../core/validate.ts";

/** Options for {@linkcode minimizeLbfgs}. */
export interface LbfgsOptions {
  /**
   * Number of correction pairs kept.
   * @default {10}
   */
  memory?: number;
  /**
   * Maximum number of iterations.
   * @default {1000}
   */
  maxIterations?: number;
  /**
   * Stop when the largest (pseudo-)gradient component is at most this.
   * @default {1e-6}
   */
  gradientTolerance?: number;
  /**
   * Stop when an iteration lowers the objective by at most this, relative to its size (0: only
   * when it no longer decreases at all).
   * @default {0}
   */
  functionTolerance?: number;
  /**
   * Per-coordinate L1 strengths: the objective becomes `f(x) + sum(l1[i] * |x[i]|)` and the
   * method switches to OWL-QN.
   * @default {none}
   */
  l1?: Float64Array;
  /**
   * The initial inverse-Hessian approximation `P` (a symmetric positive definite
   * preconditioner): writes `P v` into `out`. The method scales it by `s'y / y'Py` each
   * iteration. Without it the identity is used.
   * @default {none}
   */
  preconditioner?: (v: Float64Array, out: Float64Array) => void;
  /**
   * Called after every iteration; returning `false` stops the run.
   * @default {none}
   */
  onIteration?: (state: LbfgsState) => boolean | void;
}

/** The state reported after each iteration. */
export interface LbfgsState {
  /** Iterations done so far. */
  readonly iteration: number;
  /** Objective value (including the L1 term). */
  readonly value: number;
  /** Largest absolute (pseudo-)gradient component. */
  readonly gradientNorm: number;
  /** Objective evaluations so far. */
  readonly evaluations: number;
  /** The current point (do not modify). */
  readonly x: Float64Array;
}

/** The outcome of {@linkcode minimizeLbfgs}. */
export interface LbfgsResult {
  /** The final point. */
  readonly x: Float64Array;
  /** Objective value there (including the L1 term). */
  readonly value: number;
  /** Largest absolute (pseudo-)gradient component there. */
  readonly gradientNorm: number;
  /** Iterations done. */
  readonly iterations: number;
  /** Objective evaluations done. */
  readonly evaluations: number;
  /**
   * Whether a tolerance was met or no step along the search direction decreased the objective
   * ("no further decrease possible", the point is optimal to rounding), rather than the iteration
   * limit, a stop request, or a start where the objective or its gradient is not finite.
   */
  readonly converged: boolean;
  /** Why the run stopped. */
  readonly reason: string;
}

/**
 * Minimises a smooth function (plus an optional weighted L1 term) by L-BFGS.
 *
 * @param fn Writes the gradient of the smooth part at `x` into `g` and returns its value.
 * @param x0 The starting point (not modified).
 * @param options Memory, limits, tolerances, L1 strengths, per-iteration callback.
 * @returns The final point and how the run went.
 * @throws {TypeError} If `x0` is not a Float64Array or `l1` not a Float64Array of its length.
 * @throws {RangeError} If an option is out of range, or `x0` or `l1` holds NaN or Infinity (or
 *   `l1` a negative strength).
 *
 * @example Minimise a quadratic
 * ```ts
 * import { minimizeLbfgs } from "./lbfgs.ts";
 * import assert from "node:assert/strict";
 *
 * const r = minimizeLbfgs((x, g) => {
 *   g[0] = 2 * (x[0] - 3);
 *   g[1] = 20 * (x[1] + 1);
 *   return (x[0] - 3) ** 2 + 10 * (x[1] + 1) ** 2;
 * }, new Float64Array(2));
 * assert.ok(Math.abs(r.x[0] - 3) < 1e-6 && Math.abs(r.x[1] + 1) < 1e-6);
 * ```
 */
export function minimizeLbfgs(
  fn: (x: Float64Array, g: Float64Array) => number,
  x0: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const action = "minimize";
  assertOptions(action, options);
  if (!(x0 instanceof Float64Array)) {
    throw new TypeError(`Cannot ${action}: x0 must be a Float64Array, got ${describe(x0)}`);
  }
  assertFinite(action, "x0", x0);
  const n = x0.length;
  const m = options.memory ?? 10;
  const maxIterations = options.maxIterations ?? 1000;
  const gtol = options.gradientTolerance ?? 1e-6;
  const ftol = options.functionTolerance ?? 0;
  const l1 = options.l1 ?? null;
  const pre = options.preconditioner ?? null;
  assertInRange(action, "memory", m, 1, 2 ** 16, true);
  assertInRange(action, "maxIterations", maxIterations, 0, Infinity, true);
  assertInRange(action, "gradientTolerance", gtol, 0, Infinity);
  assertInRange(action, "functionTolerance", ftol, 0, Infinity);
  if (l1 !== null) {
    if (!(l1 instanceof Float64Array) || l1.length !== n) {
      throw new TypeError(
        `Cannot ${action}: l1 must be a Float64Array of ${n} strengths, got ${describe(l1)}`,
      );
    }
    for (let i = 0; i < n; i++) assertInRange(action, `l1[${i}]`, l1[i], 0, Number.MAX_VALUE);
  }

  let x = x0.slice();
  let g = new Float64Array(n);
  let evaluations = 1;
  let f = fn(x, g) + l1Term(x, l1);
  const pg = new Float64Array(n);
  pseudoGradient(x, g, l1, pg);

  const s: Float64Array[] = [];
  const yv: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const work = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);

  let gnorm = maxAbs(pg);
  if (!Number.isFinite(f) || !Number.isFinite(gnorm)) {
    // No step can be judged from there: not a minimum, whatever the gradient reads.
    const reason = "objective or gradient not finite at the start";
    return done(x, f, gnorm, 0, evaluations, false, reason);
  }
  if (gnorm <= gtol) {
    return done(x, f, gnorm, 0, evaluations, true, "gradient tolerance met at the start");
  }
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Two-loop recursion: d = -H * pg.
    for (let i = 0; i < n; i++) d[i] = -pg[i];
    const k = s.length;
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(s[j], d);
      axpy(-alpha[j], yv[j], d);
    }
    if (pre !== null) {
      pre(d, work);
      d.set(work);
    }
    if (k > 0) {
      const yk = yv[k - 1];
      let yPy: number;
      if (pre === null) yPy = dot(yk, yk);
      else {
        pre(yk, work);
        yPy = dot(yk, work);
      }
      const gamma = dot(s[k - 1], yk) / yPy;
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < k; j++) {
      const beta = rho[j] * dot(yv[j], d);
      axpy(alpha[j] - beta, s[j], d);
    }
    if (l1 !== null) {
      for (let i = 0; i < n; i++) if (d[i] * pg[i] >= 0) d[i] = 0;
    }
    let slope = dot(pg, d);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      s.length = yv.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -pg[i];
      if (pre !== null) {
        pre(d, work);
        d.set(work);
      }
      slope = dot(pg, d);
    }
    const step0 = s.length === 0 ? Math.min(1, 1 / Math.sqrt(dot(d, d))) : 1;
    const ls = l1 === null
      ? wolfeSearch(fn, x, d, f, slope, step0, xNew, gNew)
      : orthantSearch(fn, x, d, f, pg, l1, step0, xNew, gNew);
    evaluations += ls.evaluations;
    if (ls.step === 0) {
      return done(x, f, gnorm, iteration - 1, evaluations, true, "no further decrease possible");
    }
    const fNew = ls.value;
    // Correction pair from the smooth gradient.
    const sv = new Float64Array(n);
    const yy = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sv[i] = xNew[i] - x[i];
      yy[i] = gNew[i] - g[i];
    }
    const sy = dot(sv, yy);
    if (sy > 1e-12 * dot(yy, yy)) {
      if (s.length === m) {
        s.shift();
        yv.shift();
        rho.shift();
      }
      s.push(sv);
      yv.push(yy);
      rho.push(1 / sy);
    }
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    const fOld = f;
    f = fNew;
    pseudoGradient(x, g, l1, pg);
    gnorm = maxAbs(pg);
    const stop =
      options.onIteration?.({ iteration, value: f, gradientNorm: gnorm, evaluations, x }) ===
        false;
    if (gnorm <= gtol) {
      return done(x, f, gnorm, iteration, evaluations, true, "gradient tolerance met");
    }
    if ((fOld - f) <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) {
      return done(x, f, gnorm, iteration, evaluations, true, "function tolerance met");
    }
    if (stop) return done(x, f, gnorm, iteration, evaluations, false, "stopped by the caller");
  }
  return done(x, f, gnorm, maxIterations, evaluations, false, "iteration limit reached");
}

function done(
  x: Float64Array,
  value: number,
  gradientNorm: number,
  iterations: number,
  evaluations: number,
  converged: boolean,
  reason: string,
): LbfgsResult {
  return { x, value, gradientNorm, iterations, evaluations, converged, reason };
}

interface SearchResult {
  step: number;
  value: number;
  evaluations: number;
}

/**
 * Line search for the strong Wolfe conditions (Nocedal and Wright, algorithms 3.5 and 3.6, with
 * safeguarded cubic interpolation). On return `xNew`/`gNew` hold the accepted point.
 */
function wolfeSearch(
  fn: (x: Float64Array, g: Float64Array) => number,
  x: Float64Array,
  d: Float64Array,
  f0: number,
  slope0: number,
  step0: number,
  xNew: Float64Array,
  gNew: Float64Array,
): SearchResult {
  const c1 = 1e-4, c2 = 0.9;
  const n = x.length;
  let evaluations = 0;
  let lastStep = NaN;
  const phi = (a: number): [number, number] => {
    for (let i = 0; i < n; i++) xNew[i] = x[i] + a * d[i];
    const v = fn(xNew, gNew);
    evaluations++;
    lastStep = a;
    return [v, dot(gNew, d)];
  };
  const finish = (a: number, v: number): SearchResult => {
    if (a !== lastStep && a > 0) v = phi(a)[0];
    return { step: a, value: v, evaluations };
  };
  const zoom = (
    lo: number,
    hi: number,
    fLo: number,
    fHi: number,
    dLo: number,
    dHi: number,
  ): SearchResult => {
    for (let i = 0; i < 30; i++) {
      let a = cubicMin(lo, fLo, dLo, hi, fHi, dHi);
      const left = Math.min(lo, hi), width = Math.abs(hi - lo);
      if (!(a > left + 0.1 * width && a < left + 0.9 * width)) a = 0.5 * (lo + hi);
      const [fa, da] = phi(a);
      if (fa > f0 + c1 * a * slope0 || fa >= fLo) {
        hi = a;
        fHi = fa;
        dHi = da;
      } else {
        if (Math.abs(da) <= -c2 * slope0) return { step: a, value: fa, evaluations };
        if (da * (hi - lo) >= 0) {
          hi = lo;
          fHi = fLo;
          dHi = dLo;
        }
        lo = a;
        fLo = fa;
        dLo = da;
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // Best point with sufficient decrease (0 if none).
    return lo > 0 ? finish(lo, fLo) : { step: 0, value: f0, evaluations };
  };
  let prev = 0, fPrev = f0, dPrev = slope0;
  let a = step0;
  for (let i = 0; i < 40; i++) {
    const [fa, da] = phi(a);
    if (!Number.isFinite(fa)) {
      // Overshot into overflow: shrink.
      a = 0.5 * (prev + a);
      continue;
    }
    if (fa > f0 + c1 * a * slope0 || (i > 0 && fa >= fPrev)) {
      return zoom(prev, a, fPrev, fa, dPrev, da);
    }
    if (Math.abs(da) <= -c2 * slope0) return { step: a, value: fa, evaluations };
    if (da >= 0) return zoom(a, prev, fa, fPrev, da, dPrev);
    prev = a;
    fPrev = fa;
    dPrev = da;
    a *= 2;
  }
  return prev > 0 ? finish(prev, fPrev) : { step: 0, value: f0, evaluations };
}

/** Minimiser of the cubic interpolating (a, fa, da) and (b, fb, db); NaN if none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - 3 * (fa - fb) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
}

/**
 * Backtracking search of OWL-QN: each trial point is projected onto the orthant of the current
 * point (or of the negative pseudo-gradient where the current coordinate is zero).
 */
function orthantSearch(
  fn: (x: Float64Array, g: Float64Array) => number,
  x: Float64Array,
  d: Float64Array,
  f0: number,
  pg: Float64Array,
  l1: Float64Array,
  step0: number,
  xNew: Float64Array,
  gNew: Float64Array,
): SearchResult {
  const n = x.length;
  let a = step0;
  let evaluations = 0;
  for (let t = 0; t < 60; t++) {
    let decrease = 0;
    for (let i = 0; i < n; i++) {
      const orthant = x[i] !== 0 ? Math.sign(x[i]) : -Math.sign(pg[i]);
      const v = x[i] + a * d[i];
      xNew[i] = Math.sign(v) === orthant ? v : 0;
      decrease += pg[i] * (xNew[i] - x[i]);
    }
    const fa = fn(xNew, gNew) + l1Term(xNew, l1);
    evaluations++;
    if (Number.isFinite(fa) && fa <= f0 + 1e-4 * decrease) {
      return { step: a, value: fa, evaluations };
    }
    a *= 0.5;
  }
  return { step: 0, value: f0, evaluations };
}

/** Pseudo-gradient of f + sum(l1 |x|) (equals g when there is no L1 term). */
function pseudoGradient(
  x: Float64Array,
  g: Float64Array,
  l1: Float64Array | null,
  out: Float64Array,
): void {
  if (l1 === null) {
    out.set(g);
    return;
  }
  for (let i = 0; i < x.length; i++) {
    const c = l1[i];
    if (x[i] > 0) out[i] = g[i] + c;
    else if (x[i] < 0) out[i] = g[i] - c;
    else if (g[i] + c < 0) out[i] = g[i] + c;
    else if (g[i] - c > 0) out[i] = g[i] - c;
    else out[i] = 0;
  }
}

function l1Term(x: Float64Array, l1: Float64Array | null): number {
  if (l1 === null) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += l1[i] * Math.abs(x[i]);
  return s;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || v !== v) m = v;
  }
  return m;
}
