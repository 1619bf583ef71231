/**
 * `deno task bench:train [--rounds N] [--json] [--sklearn-trajectory]`: Fashion-MNIST training
 * time to accuracy of lrcompress against scikit-learn 1.2 (`/usr/bin/python3`, LogisticRegression
 * lbfgs, multinomial, C = 0.1, pixels / 255) in the same run. Every configuration runs in a fresh
 * process per round, in rotating order within each round; the table shows medians over rounds,
 * the ratio to scikit-learn's median, and the peak resident memory of each process.
 *
 * Rows (all with scikit-learn's limits: at most 100 iterations, gradient tolerance 1e-4, 10
 * correction pairs; the same objective, lambda = 1/6000; wasm backend):
 * - scikit-learn: its defaults (max_iter 100, tol 1e-4), which stop at the iteration limit.
 * - lrcompress L-BFGS: preconditioned (see `LbfgsOptimizer.precondition`), all cores.
 * - lrcompress L-BFGS, 1 thread: the same on one thread (same model bit for bit).
 * - lrcompress L-BFGS, not preconditioned: what the optimiser change buys.
 *
 * What is timed: "train time" is the whole `fit` call (data copied into kernel memory, workers,
 * preconditioner, iterations until the stopping rule). "time to target" is the time from the
 * start of the `fit` call to the end of the first iteration whose model reaches 84.46 % on the
 * test set: each iteration's weights are copied during training (the copy is inside the timing),
 * and the test set is scored only after training, so it never influences the run. The stopping
 * rule (tolerance 1e-4 or 100 iterations) and every setting were fixed without the test set.
 * scikit-learn's trajectory (`--sklearn-trajectory`: separate fits with max_iter 10, 20, ...,
 * 100, which follow the same deterministic path) shows when it first reaches the target; the
 * times to the target are compared with that time ("/ sklearn"), so without the trajectory that
 * column stays empty.
 *
 * @module
 */

import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { formatTable, percent } from "../../lib/cli/format.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { benchArgs, requireFashionMnist } from "./_args.ts";
import { lowestKnown, median, peakRssBytes, targetRatio } from "./_stats.ts";

const PYTHON = "/usr/bin/python3";
const LAMBDA = 1 / 6000; // C = 0.1 on 60,000 samples

interface Run {
  seconds: number;
  accuracy: number;
  objective: number;
  iterations: number;
  peakRssBytes: number;
  /** Seconds from the start of training to the first iteration at the target (or null). */
  secondsToTarget?: number | null;
  /** That iteration. */
  iterationToTarget?: number | null;
  /** The lowest test accuracy of the iterations after it (null if none). */
  lowestAfterTarget?: number | null;
}

/** The accuracy to reach: scikit-learn's on this problem (issue 2's reference). */
const TARGET = 0.8446;

const CONFIGS: Record<
  string,
  {
    maxIterations: number;
    tolerance: number;
    memory: number;
    precondition: boolean;
    threads?: number;
  }
> = {
  "lrcompress L-BFGS": { maxIterations: 100, tolerance: 1e-4, memory: 10, precondition: true },
  "lrcompress L-BFGS, 1 thread": {
    maxIterations: 100,
    tolerance: 1e-4,
    memory: 10,
    precondition: true,
    threads: 1,
  },
  "lrcompress L-BFGS, not preconditioned": {
    maxIterations: 100,
    tolerance: 1e-4,
    memory: 10,
    precondition: false,
  },
};

async function child(name: string): Promise<void> {
  if (!Object.hasOwn(CONFIGS, name)) {
    console.error(`bench:train: --child is internal: --child ${Object.keys(CONFIGS).join("|")}`);
    Deno.exit(2);
  }
  const { threads, ...cfg } = CONFIGS[name];
  const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
  const snapshots: { seconds: number; iteration: number; w: Float64Array; b: Float64Array }[] = [];
  const t0 = performance.now();
  const result = fit(train.x, train.y, {
    penalty: { kind: "l2", lambda: LAMBDA },
    preprocessing: "none",
    optimizer: { kind: "lbfgs", ...cfg },
    threads,
    onProgress: (p) =>
      snapshots.push({
        seconds: (performance.now() - t0) / 1000,
        iteration: p.epoch,
        w: p.weights!.slice(),
        b: p.bias!.slice(),
      }),
  });
  const seconds = (performance.now() - t0) / 1000;
  // Only now is the test set read: the accuracy of the final model and of each snapshot.
  const accuracyOf = (model: typeof result.model) => accuracy(test.y, predict(model, test.x));
  const path = snapshots.map((s) =>
    accuracyOf({ ...result.model, weights: { ...result.model.weights, data: s.w }, bias: s.b })
  );
  const first = path.findIndex((a) => a >= TARGET);
  const reached = first >= 0 ? snapshots[first] : undefined;
  const after = first >= 0 ? path.slice(first + 1) : [];
  const run: Run = {
    seconds,
    accuracy: accuracyOf(result.model),
    objective: result.history.at(-1)?.objective ?? NaN,
    iterations: result.history.length,
    peakRssBytes: peakRssBytes(),
    secondsToTarget: reached?.seconds ?? null,
    iterationToTarget: reached?.iteration ?? null,
    lowestAfterTarget: after.length > 0 ? Math.min(...after) : null,
  };
  console.log(JSON.stringify(run));
}

async function runProcess(cmd: string, args: string[]): Promise<Run> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  if (!out.success) {
    throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr).slice(-400)}`);
  }
  return JSON.parse(text) as Run;
}

function ours(name: string): Promise<Run> {
  return runProcess(Deno.execPath(), [
    "run",
    "--allow-all", // reading /proc/self/status for the peak RSS needs it
    "--v8-flags=--max-old-space-size=1024",
    new URL(import.meta.url).pathname,
    "--child",
    name,
  ]);
}

async function sklearnAvailable(): Promise<string | null> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import sklearn, numpy; print(sklearn.__version__)"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const args = Deno.args;
  if (args[0] === "--child") return await child(args[1]);
  const options = benchArgs(
    "bench:train",
    "Training time to scikit-learn's accuracy on Fashion-MNIST, against scikit-learn's lbfgs, " +
      "in interleaved rounds.",
    {
      rounds: { type: "string", value: "N", help: "interleaved rounds", default: "3" },
      "sklearn-trajectory": {
        type: "boolean",
        help: "also time scikit-learn stopped after 10, 20, ..., 100 iterations",
      },
    },
    args,
  );
  const json = options.flag("json");
  const rounds = options.integer("rounds", 1, 1000);
  requireFashionMnist("bench:train");
  const sk = await sklearnAvailable();
  if (sk === null && !json) {
    console.log(`scikit-learn is not available at ${PYTHON}: showing lrcompress only`);
  }
  const names = [...(sk ? ["scikit-learn"] : []), ...Object.keys(CONFIGS)];
  const runs = new Map<string, Run[]>(names.map((n) => [n, []]));
  const load = Deno.loadavg()[0];
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const name of order) {
      const run = name === "scikit-learn"
        ? await runProcess(PYTHON, [new URL("./sklearn_train.py", import.meta.url).pathname])
        : await ours(name);
      runs.get(name)!.push(run);
      if (!json) {
        console.error(
          `round ${r + 1}/${rounds}  ${name}: ${run.seconds.toFixed(2)} s, ${
            percent(run.accuracy)
          }`,
        );
      }
    }
  }
  const skMedian = sk ? median(runs.get("scikit-learn")!.map((r) => r.seconds)) : NaN;
  const loadEnd = Deno.loadavg()[0];
  const rows = names.map((name) => {
    const rs = runs.get(name)!;
    const seconds = median(rs.map((r) => r.seconds));
    const toTarget = rs.map((r) => r.secondsToTarget ?? null);
    const reachedAll = name !== "scikit-learn" && toTarget.every((t) => t !== null);
    const secondsToTarget = reachedAll ? median(toTarget as number[]) : null;
    return {
      bench: "train",
      name,
      rounds: rs.length,
      trainMs: seconds * 1000,
      trainMsAll: rs.map((r) => r.seconds * 1000),
      accuracy: median(rs.map((r) => r.accuracy)),
      objective: median(rs.map((r) => r.objective)),
      iterations: median(rs.map((r) => r.iterations)),
      peakRssBytes: Math.max(...rs.map((r) => r.peakRssBytes)),
      ratioToSklearn: sk ? seconds / skMedian : null,
      msToTarget: secondsToTarget === null ? null : secondsToTarget * 1000,
      msToTargetAll: toTarget.map((t) => (t === null ? null : t * 1000)),
      iterationToTarget: reachedAll ? median(rs.map((r) => r.iterationToTarget!)) : null,
      // Null when every run reached the target at its last iteration: none came after it.
      lowestAfterTarget: reachedAll
        ? lowestKnown(rs.map((r) => r.lowestAfterTarget ?? null))
        : null,
      // Set below, once scikit-learn's own time to the target is known.
      targetToSklearn: null as number | null,
      loadAverage: load,
      loadAverageEnd: loadEnd,
    };
  });
  let trajectory: { maxIter: number; seconds: number; accuracy: number }[] = [];
  if (sk && options.flag("sklearn-trajectory")) {
    const out = await new Deno.Command(PYTHON, {
      args: [new URL("./sklearn_train.py", import.meta.url).pathname, "--trajectory"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    trajectory = new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) => l)
      .map((l) => JSON.parse(l));
  }
  // scikit-learn's time to the target comes from its path: the first max_iter that reaches it.
  // At the run's own iteration count the iterates are the run's, so the time is the run's;
  // earlier, the separate fit's. Without the path the cells stay empty.
  const skRow = rows.find((r) => r.name === "scikit-learn");
  const reached = trajectory.find((t) => t.accuracy >= TARGET);
  if (skRow && reached) {
    skRow.iterationToTarget = reached.maxIter;
    skRow.msToTarget = reached.maxIter >= skRow.iterations ? skRow.trainMs : reached.seconds * 1000;
  }
  // Times to the target against scikit-learn's own (its whole train time would flatter the
  // others if it reached the target earlier): without its path, the cells stay empty.
  for (const r of rows) r.targetToSklearn = targetRatio(r.msToTarget, skRow?.msToTarget ?? null);
  if (json) {
    for (const row of rows) console.log(JSON.stringify(row));
    for (const t of trajectory) {
      console.log(JSON.stringify({
        bench: "train-sklearn-trajectory",
        maxIter: t.maxIter,
        trainMs: t.seconds * 1000,
        accuracy: t.accuracy,
      }));
    }
    return;
  }
  console.log(
    `\nFashion-MNIST 60000 x 784, 10 classes, C = 0.1 (lambda = 1/6000), pixels / 255; ` +
      `medians of ${rounds} rounds; load average ${load.toFixed(2)} at start, ` +
      `${loadEnd.toFixed(2)} at the end` + (sk ? `; scikit-learn ${sk}` : ""),
  );
  console.log(formatTable(
    [
      "",
      "train time",
      "runs (s)",
      "test accuracy",
      "objective",
      "iterations",
      "peak RSS",
      "time / sklearn",
      `to ${percent(TARGET)}`,
      "runs (s)",
      "at iteration",
      "lowest after",
      "/ sklearn",
    ],
    rows.map((r) => [
      r.name,
      `${(r.trainMs / 1000).toFixed(2)} s`,
      r.trainMsAll.map((t) => (t / 1000).toFixed(1)).join(" "),
      percent(r.accuracy),
      r.objective.toFixed(5),
      String(r.iterations),
      `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
      r.ratioToSklearn === null ? "-" : `${r.ratioToSklearn.toFixed(3)} x`,
      r.msToTarget === null ? "-" : `${(r.msToTarget / 1000).toFixed(2)} s`,
      r.name === "scikit-learn"
        ? "-"
        : r.msToTargetAll.map((t) => (t === null ? "never" : (t / 1000).toFixed(1))).join(" "),
      r.iterationToTarget === null ? "-" : String(r.iterationToTarget),
      r.lowestAfterTarget === null ? "-" : percent(r.lowestAfterTarget),
      r.targetToSklearn === null ? "-" : `${r.targetToSklearn.toFixed(3)} x`,
    ]),
  ));
  if (trajectory.length > 0) {
    console.log("\nscikit-learn along its path (separate fits, max_iter = the iteration):");
    console.log(formatTable(
      ["iterations", "seconds", "test accuracy"],
      trajectory.map((t) => [String(t.maxIter), t.seconds.toFixed(2), percent(t.accuracy)]),
    ));
  }
}

await main();
