import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";

/** 600 rows: "x" and "y" about 48 % each (told apart by a), "rare" 19 rows (about 3 %, by b). */
function threeClassesCsv(): string {
  const lines = ["a,b,n,y"];
  for (let i = 0; i < 600; i++) {
    const c = i % 33 === 5 ? "rare" : i % 2 === 0 ? "x" : "y";
    const a = (c === "y" ? 1 : -1) + ((i * 7919) % 13) / 10 - 0.6;
    const b = c === "rare" ? 3 + (i % 7) / 10 : (i % 11) / 10;
    const n = (i * 104729) % 97;
    lines.push(`${a},${b},${n},${c}`);
  }
  return lines.join("\n") + "\n";
}

Deno.test("compress --metric balanced-accuracy notes a budget below one validation row of every class, in balanced-accuracy points", async () => {
  // The accuracy note ("the budget is less than one validation sample") is left out under
  // balanced accuracy, where a row of class c weighs 1 / (K n_c) points: nothing said instead.
  const dir = await Deno.makeTempDir({ prefix: "lrc-balanced-notes-" });
  try {
    const file = `${dir}/three.csv`;
    await Deno.writeTextFile(file, threeClassesCsv());
    // The command's validation rows: its test split (0.25, seed 0), then the session's
    // validation split of the rest (0.2, seed 0), both stratified.
    const data = await readCsv(file);
    const outer = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
    const inner = trainTestSplit(outer.xTrain, outer.yTrain, { testFraction: 0.2, seed: 0 });
    const counts = new Map<string, number>();
    for (const c of inner.yTest) {
      counts.set(data.classes[c], (counts.get(data.classes[c]) ?? 0) + 1);
    }
    const k = counts.size;
    const most = Math.max(...counts.values()), fewest = Math.min(...counts.values());
    const largest = [...counts].find(([, n]) => n === most)![0];
    const smallest = [...counts].find(([, n]) => n === fewest)![0];
    assert.equal(k, 3);
    assert.ok(fewest < most);
    const lightest = 100 / (k * most); // points of one row of the largest class
    const run = async (budget: number, extra: string[] = []) => {
      const r = await runCli([
        ...["compress", "--data", file, "--quiet", "--method", "uniform", "--bits", "8"],
        ...["--budget", String(budget), ...extra],
      ]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const balanced = ["--metric", "balanced-accuracy"];
    const below = Math.floor(lightest * 100 - 1) / 100; // a hundredth of a point or more below
    const out = await run(below, balanced);
    const note = out.split("\n").filter((l) => l.includes("less than one validation sample"));
    assert.equal(note.length, 1, out);
    assert.equal(
      note[0],
      `note      the budget is less than one validation sample of any class (a row of the ` +
        `largest, "${largest}", is worth 1/(${k} classes x ${most} rows) = ` +
        `${lightest.toFixed(2)} points of balanced accuracy; one of "${smallest}", ` +
        `${(100 / (k * fewest)).toFixed(2)} points): a model that gets a row wrong that dense ` +
        `gets right passes only if it gets rows right that dense gets wrong`,
    );
    // With a margin, the note says the margin applies too.
    assert.match(
      await run(below, [...balanced, "--standard-errors", "1"]),
      /gets rows right that dense gets wrong, and then only if its difference less 1 paired standard errors is still within it\n/,
    );
    // A budget of one such row or more: no note.
    const above = Math.ceil(lightest * 100 + 1) / 100;
    assert.doesNotMatch(await run(above, balanced), /less than one validation sample/);
    // Under plain accuracy, the accuracy note speaks instead, in its own words.
    assert.match(
      await run(below),
      /^note {6}the budget is less than one validation sample \(\d+\.\d\d points\): only models/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
