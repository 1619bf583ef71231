import assert from "node:assert/strict";
import { predict, predictProba } from "../../lib/model/predict.ts";
import { binary, ERROR_CASES, SAVED_FILE } from "./_cases.ts";

/** Runs a case and returns what it threw (or rejected with); fails if it returned. */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new assert.AssertionError({ message: "expected an error, got a result" });
}

for (const c of ERROR_CASES) {
  Deno.test(`${c.area}: ${c.input} gets a ${c.type.name} naming the problem`, async () => {
    const error = await thrown(c.run);
    assert.ok(
      error instanceof c.type,
      `expected ${c.type.name}, got ${(error as Error)?.constructor?.name}: ${error}`,
    );
    assert.match((error as Error).message, c.message);
  });
}

Deno.test("every error of every case is a TypeError, RangeError or SyntaxError reading 'Cannot <action>: <reason>'", async () => {
  const bad: string[] = [];
  for (const c of ERROR_CASES) {
    const error = await thrown(c.run);
    const ok = (error instanceof TypeError || error instanceof RangeError ||
      error instanceof SyntaxError) &&
      /^Cannot [a-z][^:\n]*: \S[^\n]*$/.test((error as Error).message);
    if (!ok) bad.push(`${c.input}: ${String(error)}`);
  }
  assert.deepEqual(bad, []);
  assert.ok(ERROR_CASES.length >= 90, `${ERROR_CASES.length} cases`);
});

Deno.test("the interrupted save left the previous file intact", async () => {
  await thrown(ERROR_CASES.find((c) => c.input.startsWith("a save that fails midway"))!.run);
  assert.deepEqual(await Deno.readFile(SAVED_FILE.path), SAVED_FILE.bytes);
});

Deno.test("an empty data set gets empty predictions, not an error", () => {
  const none = { data: new Float64Array(0), rows: 0, cols: 30 };
  assert.deepEqual(predict(binary, none), new Int32Array(0));
  assert.deepEqual(predictProba(binary, none), { data: new Float64Array(0), rows: 0, cols: 2 });
});
