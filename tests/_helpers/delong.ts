/**
 * DeLong et al. (1988)'s paired standard error by brute force in numpy, the oracle of the ROC AUC
 * difference tests.
 *
 * @module
 */

import { runPython } from "./python.ts";

// DeLong et al. (1988) by brute force: psi over every (positive, negative) pair (ties 1/2), the
// structural components V10 (mean over negatives) and V01 (mean over positives) of each model,
// their 2 x 2 sample covariances S10 and S01 (np.cov, ddof 1), and
// var(A2 - A1) = (S10_11 + S10_22 - 2 S10_12) / m + (S01_11 + S01_22 - 2 S01_12) / n.
const DELONG = `
import json, sys
import numpy as np
out = []
for case in json.load(sys.stdin):
    y = np.array(case["y"]); pos = y == 1; neg = y == 0
    aucs, v10, v01 = [], [], []
    for s in (np.array(case["b"], float), np.array(case["c"], float)):
        x, z = s[pos][:, None], s[neg][None, :]
        psi = (x > z) + 0.5 * (x == z)
        aucs.append(psi.mean()); v10.append(psi.mean(axis=1)); v01.append(psi.mean(axis=0))
    s10, s01 = np.cov(np.array(v10)), np.cov(np.array(v01))
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / pos.sum() + \\
        (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / neg.sum()
    out.append({"base": aucs[0], "cand": aucs[1], "se": float(np.sqrt(var))})
print(json.dumps(out))
`;

/** Two models' scores on labelled rows (classes 0 and 1). */
export interface DelongCase {
  readonly y: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly c: ArrayLike<number>;
}

/**
 * Each case's AUCs and the standard error of their difference, computed by numpy.
 *
 * @param cases Labels and the baseline's and candidate's scores.
 * @returns The baseline's and candidate's AUCs and DeLong's standard error of the difference.
 */
export function delongByNumpy(
  cases: readonly DelongCase[],
): Promise<{ base: number; cand: number; se: number }[]> {
  return runPython(
    DELONG,
    cases.map((k) => ({ y: Array.from(k.y), b: Array.from(k.b), c: Array.from(k.c) })),
  );
}
