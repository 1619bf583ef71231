import { accuracy, fit, loadFashionMnist, predict } from "./lib/mod.ts";
const tr = await loadFashionMnist("train");
const te = await loadFashionMnist("test");
const t0 = performance.now();
const r = fit(tr.x, tr.y, {
  preprocessing: "none",
  penalty: { kind: "l2", lambda: 1 / 6000 },
  optimizer: { kind: "lbfgs", maxIterations: 60 },
  onProgress: (p) => {
    if (p.epoch % 10 === 0) console.log(p.epoch, p.trainLoss.toFixed(5), p.seconds.toFixed(1));
  },
});
console.log(accuracy(te.y, predict(r.model, te.x)), (performance.now() - t0) / 1000, r.stopReason);
