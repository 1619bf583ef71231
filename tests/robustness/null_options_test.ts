// An option given as null is refused with the same message everywhere, unless its interface
// takes null. Before, `??` read null as "the default" for some options (compressModel's seed
// became 0, fit's penalty the default L2) while others failed later as a wrong type (the
// session's validation: "must be an object"), so the same mistake had two outcomes.
import assert from "node:assert/strict";
import { compressModel } from "../../lib/compress/mod.ts";
import { checkOptionKeys, type OptionKeys } from "../../lib/core/validate.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import { readCsvBatches } from "../../lib/data/csv_stream.ts";
import { fit } from "../../lib/model/fit.ts";

const x = fromRows([[0, 1], [1, 0], [2, 1], [3, 0], [0, 2], [1, 3], [2, 2], [3, 3]]);
const y = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);

const isNull = (action: string, key: string) => (e: Error) =>
  e instanceof TypeError &&
  e.message === `Cannot ${action}: ${key} is null: give a value, or leave it out for its default`;

Deno.test("checkOptionKeys refuses null unless the key is nullable, and lets undefined through", () => {
  interface Options {
    seed?: number;
    label?: string | null;
  }
  const known: OptionKeys<Options> = { seed: true, label: "nullable" };
  assert.throws(() => checkOptionKeys("train", { seed: null }, known), isNull("train", "seed"));
  checkOptionKeys("train", { label: null, seed: undefined }, known);
  // In a named option object the message says whose key it is.
  assert.throws(
    () => checkOptionKeys("train", { seed: null }, known, "optimizer"),
    /^TypeError: Cannot train: seed of optimizer is null: give a value/,
  );
  // An unknown key is unknown whatever its value.
  assert.throws(() => checkOptionKeys("train", { sede: null }, known), /unknown option 'sede'/);
});

Deno.test("fit and compressModel refuse null options that used to mean the default", () => {
  // fit's seed and penalty were read with ??, so null trained with the defaults.
  for (const key of ["seed", "penalty", "optimizer"]) {
    assert.throws(() => fit(x, y, { [key]: null }), isNull("fit model", key));
  }
  // The session's seed and validationFraction were defaults under null, its validation a type
  // error: now all three say the same.
  for (const key of ["seed", "validationFraction", "validation"]) {
    assert.throws(
      () => compressModel({ x, y }, { [key]: null }),
      isNull("compress model", key),
    );
  }
  // A nested option object is checked too.
  assert.throws(
    () => fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: null as unknown as number } }),
    isNull("fit model", "maxIterations of optimizer"),
  );
});

Deno.test("readCsvBatches takes label: null (no label column), as its interface says", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "a,b\n1,2\n3,4\n");
    const rows: number[][] = [];
    for await (const batch of readCsvBatches(file, { label: null })) {
      for (let i = 0; i < batch.x.rows; i++) {
        rows.push([...batch.x.data.subarray(i * 2, i * 2 + 2)]);
      }
    }
    // Both columns are features: nothing was taken as the label.
    assert.deepEqual(rows, [[1, 2], [3, 4]]);
  } finally {
    await Deno.remove(file);
  }
});
