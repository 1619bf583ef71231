import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { crossValidationFigure } from "../../lib/plot/cross_validation.ts";
import { crossValidateLambda } from "../../lib/select/cross_validate.ts";

type Axis = { title: { text: string }; type?: string; tickformat?: string };

const wine = await loadEmbedded("wine");
// Given out of order: the figure sorts them.
const LAMBDAS = [0.01, 1, 0.0001, 0.1, 0.001];
const cv = crossValidateLambda(wine.x, wine.y, { lambdas: LAMBDAS, k: 4, refit: false });

/** Mean and standard error of a point's fold scores, by their definition. */
function meanAndSe(scores: readonly number[]) {
  const k = scores.length;
  const mean = scores.reduce((a, b) => a + b, 0) / k;
  const se = Math.sqrt(scores.reduce((a, v) => a + (v - mean) ** 2, 0) / (k - 1) / k);
  return { mean, se };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

Deno.test("the mean line and the band are each strength's mean fold score and one standard error either side, by lambda", () => {
  const fig = crossValidationFigure(cv);
  const [band, mean] = fig.data;
  const order = [...LAMBDAS].sort((a, b) => a - b);
  assert.deepEqual(mean.x, order);
  assert.equal(mean.name, "mean validation log loss");
  const byLambda = new Map(cv.points.map((p) => [p.lambda, meanAndSe(p.foldScores)]));
  (mean.y as number[]).forEach((v, i) => assert.ok(close(v, byLambda.get(order[i])!.mean)));
  // The band's outline: along the upper edge left to right, back along the lower one.
  assert.equal(band.name, "±1 standard error");
  assert.equal(band.fill, "toself");
  assert.deepEqual(band.x, [...order, ...[...order].reverse()]);
  const y = band.y as number[];
  order.forEach((l, i) => {
    const { mean, se } = byLambda.get(l)!;
    assert.ok(close(y[i], mean + se), `upper at ${l}`);
    assert.ok(close(y[2 * order.length - 1 - i], mean - se), `lower at ${l}`);
  });
  // Each point's standard error is in its hover.
  assert.deepEqual(
    mean.customdata,
    order.map((l) => cv.points.find((p) => p.lambda === l)!.standardError),
  );
});

Deno.test("the chosen lambda is a dashed vertical line across the band, named with its rule", () => {
  const fig = crossValidationFigure(cv);
  assert.equal(fig.data.length, 3);
  const mark = fig.data[2];
  assert.deepEqual(mark.x, [cv.lambda, cv.lambda]);
  assert.equal(mark.name, `chosen lambda ${cv.lambda.toExponential(2)} (best mean)`);
  assert.equal((mark.line as { dash: string }).dash, "dash");
  const band = fig.data[0].y as number[];
  assert.deepEqual(mark.y, [Math.min(...band), Math.max(...band)]);
  // The best mean is the lowest of the line.
  const means = fig.data[1].y as number[];
  assert.equal(Math.min(...means), cv.points[cv.chosen].mean);
});

Deno.test("with the one-standard-error rule, the limit is a dotted line at the best mean plus (or minus) its standard error", () => {
  const loss = crossValidationFigure({ ...cv, rule: "one-standard-error" });
  const limit = loss.data[3];
  const best = cv.points[cv.best];
  assert.equal(limit.name, "best mean + 1 standard error");
  assert.deepEqual(limit.y, [best.mean + best.standardError, best.mean + best.standardError]);
  assert.deepEqual(limit.x, [0.0001, 1]);
  assert.equal((limit.line as { dash: string }).dash, "dot");
  assert.match(String(loss.data[2].name), /\(one standard error\)$/);
  const accuracy = crossValidateLambda(wine.x, wine.y, {
    lambdas: LAMBDAS,
    k: 4,
    scoring: "accuracy",
    rule: "one-standard-error",
    refit: false,
  });
  const fig = crossValidationFigure(accuracy);
  const b = accuracy.points[accuracy.best];
  assert.equal(fig.data[3].name, "best mean - 1 standard error");
  assert.deepEqual(fig.data[3].y, [b.mean - b.standardError, b.mean - b.standardError]);
  assert.equal((fig.layout.yaxis as Axis).tickformat, "~%");
  assert.equal((fig.layout.yaxis as Axis).title.text, "mean validation accuracy (%)");
});

Deno.test("the axes are lambda on a log scale and the score with its unit", () => {
  const fig = crossValidationFigure(cv, { title: "Wine", height: 300 });
  const x = fig.layout.xaxis as Axis, y = fig.layout.yaxis as Axis;
  assert.equal(x.type, "log");
  // A tick a decade, in exponent form (the grid spans decades).
  assert.equal((x as { dtick?: number }).dtick, 1);
  assert.equal(x.tickformat, ".0e");
  assert.equal(x.title.text, "penalty strength lambda (log scale)");
  assert.equal(y.title.text, "mean validation log loss (nats)");
  assert.equal(y.tickformat, undefined);
  assert.equal(fig.layout.height, 300);
  assert.equal((fig.layout.title as { text: string }).text, "Wine");
  // Plain data: it survives JSON unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(fig)), fig);
});

Deno.test("bad cross-validations and options are refused with what is wrong", () => {
  const refuse = (f: () => unknown, name: string, message: string) =>
    assert.throws(f, { name, message: `Cannot plot cross-validation: ${message}` });
  refuse(() => crossValidationFigure({ ...cv, points: [] }), "RangeError", "cv.points is empty");
  refuse(
    () =>
      crossValidationFigure({
        ...cv,
        points: cv.points.map((p, i) => i === 2 ? { ...p, lambda: 0 } : p),
      }),
    "RangeError",
    "cv.points[2].lambda must be > 0, got 0",
  );
  refuse(
    () =>
      crossValidationFigure({
        ...cv,
        points: cv.points.map((p, i) => i === 1 ? { ...p, mean: NaN } : p),
      }),
    "RangeError",
    "cv.points[1].mean must be a number, got NaN",
  );
  refuse(
    () =>
      crossValidationFigure({
        ...cv,
        points: cv.points.map((p, i) => i === 0 ? { ...p, standardError: -1 } : p),
      }),
    "RangeError",
    "cv.points[0].standardError must be >= 0, got -1",
  );
  refuse(
    () =>
      crossValidationFigure({
        ...cv,
        points: cv.points.map((p, i) => i === 3 ? { ...p, standardError: Infinity } : p),
      }),
    "RangeError",
    "cv.points[3].standardError must be finite, got Infinity",
  );
  refuse(
    () => crossValidationFigure({ ...cv, chosen: 5 }),
    "RangeError",
    "cv.chosen must be an index of cv.points (0..4), got number 5",
  );
  refuse(
    () => crossValidationFigure({ ...cv, scoring: "f1" as never }),
    "RangeError",
    'cv.scoring must be one of log-loss, accuracy, balanced-accuracy, roc-auc, got string "f1"',
  );
  refuse(
    () => crossValidationFigure({ ...cv, rule: "1se" as never }),
    "RangeError",
    'cv.rule must be best or one-standard-error, got string "1se"',
  );
  refuse(
    () => crossValidationFigure({ ...cv, points: [null] as never }),
    "TypeError",
    "cv.points[0] must be an object, got null",
  );
  assert.throws(
    () => crossValidationFigure(cv, { tilte: "x" } as never),
    { name: "TypeError", message: /^Cannot draw cross-validation figure: unknown option 'tilte'/ },
  );
});

Deno.test("every scoring but the log loss is better higher: its limit lies below, and the accuracies are percentages", () => {
  // A hand-made table: the best mean at lambda 0.01, the one-standard-error choice at 1, and
  // the widest band at the smallest lambda.
  const rest = { c: 1, foldScores: [], converged: true, foldWarnings: [] };
  const points = [
    { ...rest, lambda: 1, mean: 0.9, standardError: 0.01 },
    { ...rest, lambda: 0.01, mean: 0.92, standardError: 0.03 },
    { ...rest, lambda: 0.0001, mean: 0.5, standardError: 0.6 },
  ];
  const base = { points, best: 1, chosen: 0, rule: "one-standard-error" } as const;
  const want = {
    "accuracy": { percent: true, axis: "mean validation accuracy (%)" },
    "balanced-accuracy": { percent: true, axis: "mean validation balanced accuracy (%)" },
    "roc-auc": { percent: false, axis: "mean validation ROC AUC (area, 0 to 1)" },
  } as const;
  for (const [scoring, { percent, axis }] of Object.entries(want)) {
    const fig = crossValidationFigure({ ...base, scoring: scoring as keyof typeof want });
    const limit = fig.data[3];
    assert.equal(limit.name, "best mean - 1 standard error", scoring);
    assert.deepEqual(limit.y, [0.92 - 0.03, 0.92 - 0.03]);
    const y = fig.layout.yaxis as Axis;
    assert.equal(y.title.text, axis);
    assert.equal(y.tickformat, percent ? "~%" : undefined, scoring);
    assert.match(
      String(fig.data[1].hovertemplate),
      percent ? /%\{y:\.2%\} ± %\{customdata:\.2%\}/ : /%\{y:\.4f\} ± %\{customdata:\.4f\}/,
    );
    // The chosen lambda's line, not the best's, spans the band from its lowest to its highest.
    assert.deepEqual(fig.data[2].x, [1, 1]);
    assert.deepEqual(fig.data[2].y, [0.5 - 0.6, 0.5 + 0.6]);
  }
});

Deno.test("a cross-validation that is not one, or whose chosen index is not an index, is refused", () => {
  assert.throws(() => crossValidationFigure(5 as never), {
    name: "TypeError",
    message: "Cannot plot cross-validation: cv must be crossValidateLambda's result, got number 5",
  });
  assert.throws(() => crossValidationFigure({ ...cv, chosen: 1.5 }), {
    name: "RangeError",
    message: "Cannot plot cross-validation: cv.chosen must be an index of cv.points (0..4), got " +
      "number 1.5",
  });
});
