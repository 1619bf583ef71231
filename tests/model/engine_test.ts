import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { applyPreprocessing, type Preprocessing } from "../../lib/data/preprocess.ts";
import { bindLoss } from "../../lib/model/engine.ts";
import { assertClose } from "../_helpers/assert_close.ts";

Deno.test("sampled moments are the two-pass mean, variance and covariance of the preprocessed sampled rows", () => {
  // The preconditioner's inputs had no test: a variance divided by scale instead of scale^2, a
  // covariance without its mean product, or a mean without the first-row shift added back all
  // passed (fit converges either way, only slower). Oracle: plain two-pass sums over the rows
  // sampled (every ceil(n / maxRows)-th), on the data preprocessed by applyPreprocessing.
  const n = 50, d = 3, prng = createPrng(9);
  const data = Float64Array.from({ length: n * d }, (_, i) => 10 * (i % d) + randomNormal(prng));
  const x = { data, rows: n, cols: d };
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const preprocessings: Preprocessing[] = [
    { kind: "none" },
    {
      kind: "standardize",
      mean: Float64Array.of(0.5, 9, 21),
      scale: Float64Array.of(2, 0.5, 4),
    },
  ];
  for (const preprocessing of preprocessings) {
    const xt = applyPreprocessing(preprocessing, x).data;
    for (const backend of ["ts", "wasm"] as const) {
      const loss = bindLoss(x, y, { preprocessing, link: "sigmoid", nOutputs: 1, backend });
      try {
        for (const maxRows of [n, 7]) {
          const step = Math.ceil(n / maxRows);
          const rows = [];
          for (let i = 0; i < n && rows.length < maxRows; i += step) rows.push(i);
          const mean = new Float64Array(d), cov = new Float64Array(d * d);
          for (const i of rows) for (let a = 0; a < d; a++) mean[a] += xt[i * d + a] / rows.length;
          for (const i of rows) {
            for (let a = 0; a < d; a++) {
              for (let b = 0; b < d; b++) {
                cov[a * d + b] += (xt[i * d + a] - mean[a]) * (xt[i * d + b] - mean[b]) /
                  rows.length;
              }
            }
          }
          const variance = Float64Array.from({ length: d }, (_, a) => cov[a * d + a]);
          const what = `${preprocessing.kind}, ${backend}, maxRows ${maxRows}`;
          // wasm keeps float32 copies of the features and float32 products: about 2^-24 of 400.
          const tol = { rtol: 1e-6, atol: 1e-4, message: what };
          const plain = loss.sampleMoments(maxRows, false);
          assertClose(plain.mean, mean, tol);
          assertClose(plain.variance, variance, tol);
          const full = loss.sampleMoments(maxRows, true);
          assertClose(full.mean, mean, tol);
          assertClose(full.variance, variance, tol);
          assertClose(full.covariance!, cov, tol);
        }
      } finally {
        loss.close();
      }
    }
  }
});
