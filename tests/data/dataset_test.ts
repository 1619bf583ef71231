import assert from "node:assert/strict";
import { classIndexOf, encodeLabels } from "../../lib/data/dataset.ts";

Deno.test("classIndexOf finds raw labels among classes as encodeLabels named them", () => {
  // Numeric classes compare by number, whichever way either side writes it.
  const { classes } = encodeLabels(["10", "9.0", "9"]);
  const numeric = classIndexOf(classes);
  assert.deepEqual(["9", "9.0", "10", "1e1", " 10 "].map(numeric), [0, 0, 1, 1, 1]);
  assert.equal(numeric("11"), undefined);
  assert.equal(numeric("ten"), undefined);
  assert.deepEqual(["1", "2"].map(classIndexOf(["1.0", "2.0"])), [0, 1]);
  // Classes that are not all numbers, or two classes with one number, compare exactly.
  const mixed = classIndexOf(["1", "cat"]);
  assert.deepEqual([mixed("1"), mixed("1.0"), mixed("cat")], [0, undefined, 1]);
  const twins = classIndexOf(["1", "1.0"]);
  assert.deepEqual([twins("1"), twins("1.0"), twins("1.00")], [0, 1, undefined]);
});
