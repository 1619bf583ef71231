// lrc inspect on models written by hand (JSON of coefficients), so that what the report says of
// the model (kind, link, classes, features, preprocessing, format) is known without lrcompress.
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

/** A binary model of two features, no preprocessing: one row of coefficients. */
const BINARY = '{"coef": [[1.5, -2]], "intercept": [0.25], "classes": ["no", "yes"]}';
/** Three classes of three features, standardised: softmax over three rows. */
const THREE = JSON.stringify({
  coef: [[1, 0, -1], [0, 2, 0], [-1, 0, 1]],
  intercept: [0.1, 0, -0.1],
  classes: ["a", "b", "c"],
  featureNames: ["p", "q", "r"],
  preprocessing: { kind: "standardize", mean: [0, 1, 2], scale: [1, 2, 4] },
});

/** The report's line that starts with `key`. */
function line(stdout: string, key: string): string {
  const found = stdout.split("\n").find((l) => l.startsWith(`${key} `));
  assert.ok(found !== undefined, `no '${key}' line in\n${stdout}`);
  return found;
}

Deno.test("lrc inspect describes a JSON model as written: kind, link, classes, features, preprocessing", async () => {
  // Mutations of lib/cli/inspect.ts that passed every inspect test (mutation audit): --json's
  // classes as their count, its link or preprocessing fixed, the ', codes: ...' part printed for
  // a float model, '(entropy-coded)' after version 1, and the note giving the size of the .lrc
  // encoding as the JSON file's. Oracles: the JSON text above and its length in UTF-8 bytes.
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [name, text, expected] of [
        ["binary.json", BINARY, {
          link: "sigmoid",
          classes: ["no", "yes"],
          features: 2,
          weights: 2,
          nonZero: 2,
          biases: 1,
          preprocessing: "none",
          model: "float sigmoid, 2 classes, 2 features, preprocessing none",
        }],
        ["three.json", THREE, {
          link: "softmax",
          classes: ["a", "b", "c"],
          features: 3,
          weights: 9,
          nonZero: 5, // 1, -1; 2; -1, 1
          biases: 3,
          preprocessing: "standardize",
          model: "float softmax, 3 classes, 3 features, preprocessing standardize",
        }],
      ] as const
    ) {
      const path = `${dir}/${name}`;
      await Deno.writeTextFile(path, text);
      const size = new TextEncoder().encode(text).length;
      const json = await runCli(["inspect", path, "--json"]);
      assert.equal(json.code, 0, json.stderr);
      const r = JSON.parse(json.stdout);
      assert.equal(r.format, "json");
      assert.equal(r.sourceBytes, size);
      assert.notEqual(r.fileBytes, size, "the report is of the .lrc encoding, not of the file");
      assert.equal(r.link, expected.link);
      assert.deepEqual(r.classes, expected.classes);
      assert.equal(r.features, expected.features);
      assert.equal(r.preprocessing, expected.preprocessing);
      assert.equal(r.masked, false);
      // A float model has no codes: null, as the text's weights line leaves them out (it said
      // "packed").
      assert.equal(r.quantized, false);
      assert.equal(r.codesEncoding, null);
      assert.equal(r.weights, expected.weights);
      assert.equal(r.nonZeroWeights, expected.nonZero);
      assert.equal(r.formatVersion, 1);
      assert.equal(r.denseFloat32Bytes, 4 * (expected.weights + expected.biases));

      const out = await runCli(["inspect", path]);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(
        line(out.stdout, "file"),
        `file       ${path} (JSON file of ${size} bytes; the report is for its .lrc encoding)`,
      );
      assert.equal(line(out.stdout, "model"), `model      ${expected.model}`);
      // A float model has no codes: the parenthesis names the indices only. (How many weights
      // are stored is the encoder's choice: zeros may be left to the index.)
      assert.match(
        line(out.stdout, "weights"),
        new RegExp(
          `^weights {4}\\S+; \\d+ of ${expected.weights} stored \\(indices: [a-z-]+\\), ` +
            `${expected.nonZero} non-zero$`,
        ),
      );
      assert.equal(line(out.stdout, "format"), "format     version 1");
      assert.equal(
        line(out.stdout, "size"),
        `size       ${r.fileBytes} bytes, gzip ${r.gzipBytes} bytes`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc inspect names a quantized model's codes, and an entropy-coded file's format", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Quantized from the hand-written binary model, saved without --entropy: format version 1.
    await Deno.writeTextFile(`${dir}/c.json`, BINARY);
    await Deno.writeTextFile(`${dir}/x.csv`, "x0,x1,y\n1,0,yes\n0,1,no\n2,0,yes\n0,2,no\n");
    const path = `${dir}/q.lrc`;
    const q = await runCli([
      ...["quantize", "--quiet", "--model", `${dir}/c.json`, "--data", `${dir}/x.csv`],
      ...["--save", path],
    ]);
    assert.equal(q.code, 0, q.stderr);
    const json = JSON.parse((await runCli(["inspect", path, "--json"])).stdout);
    assert.equal(json.format, "lrc");
    assert.equal(json.sourceBytes, (await Deno.stat(path)).size);
    assert.equal(json.formatVersion, 1);
    assert.equal(json.quantized, true);
    assert.equal(json.codesEncoding, "packed");
    assert.equal(json.masked, false);
    const out = await runCli(["inspect", path]);
    assert.equal(out.code, 0, out.stderr);
    // A .lrc file is reported as itself: no note after its name.
    assert.equal(line(out.stdout, "file"), `file       ${path}`);
    assert.equal(
      line(out.stdout, "model"),
      "model      quantized sigmoid, 2 classes, 2 features, preprocessing none",
    );
    assert.match(line(out.stdout, "weights"), /, codes: packed\), 2 non-zero$/);
    assert.equal(line(out.stdout, "format"), "format     version 1");
    // 4-bit digits saved with --entropy is entropy-coded (format version 2, as entropy_test
    // checks), and only that version is called so.
    const coded = `${dir}/coded.lrc`;
    const e = await runCli([
      ...["quantize", "--bits", "4", "--max-iterations", "30", "--quiet"],
      ...["--save", coded, "--entropy"],
    ]);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(JSON.parse((await runCli(["inspect", coded, "--json"])).stdout).formatVersion, 2);
    const text = await runCli(["inspect", coded]);
    assert.equal(line(text.stdout, "format"), "format     version 2 (entropy-coded)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc inspect --json of a pruned float model: masked, not quantized, no codes", async () => {
  // The library's own JSON form, written by hand: the second weight pruned (mask 0, value 0).
  const pruned = JSON.stringify({
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { rows: 1, cols: 2, data: [1.5, 0] },
    bias: [0.25],
    classes: ["no", "yes"],
    featureNames: ["x0", "x1"],
    preprocessing: { kind: "none" },
    mask: [1, 0],
  });
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pruned.json`;
    await Deno.writeTextFile(path, pruned);
    const r = await runCli(["inspect", path, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.masked, true);
    assert.equal(json.quantized, false);
    assert.equal(json.codesEncoding, null);
    assert.equal(json.nonZeroWeights, 1);
    const text = await runCli(["inspect", path]);
    assert.match(line(text.stdout, "model"), /^model {6}float sigmoid, .*, pruning mask$/);
    assert.doesNotMatch(line(text.stdout, "weights"), /codes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc inspect takes exactly one file, and reads a .json that is not JSON as not JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.json`, BINARY);
    // A second file was ignored without a word (mutation audit: the check could be dropped).
    for (const argv of [["inspect"], ["inspect", `${dir}/a.json`, `${dir}/a.json`]]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        "lrc inspect: Cannot inspect: give exactly one model file (.lrc, .json or .onnx)\n",
      );
    }
    // Neither JSON nor a .lrc file (no magic number): its .json name says what it should be, so
    // the JSON reader's message, not the binary reader's 'wrong magic number'.
    await Deno.writeTextFile(`${dir}/g.json`, "hello");
    const g = await runCli(["inspect", `${dir}/g.json`]);
    assert.equal(g.code, 1);
    assert.equal(
      g.stderr,
      `lrc inspect: Cannot read model file '${dir}/g.json': it does not start with '{', so it ` +
        "is not a JSON model\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc inspect counts the weights a quantized file stores apart from those that are non-zero", async () => {
  // Mutation audit: --json's nonZeroWeights given as the stored count passed every test (every
  // model tried stored exactly its non-zero weights). Here 2-bit symmetric codes of [10, 0.01,
  // -10, 0.02] have the grid {-10, 0, 10}: the two small weights round to code 0, yet no mask
  // removes them, so all four are stored and two are non-zero.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/t.json`,
      '{"coef": [[10, 0.01, -10, 0.02]], "intercept": [0.25], "classes": ["no", "yes"]}',
    );
    await Deno.writeTextFile(
      `${dir}/t.csv`,
      "x0,x1,x2,x3,y\n1,0,0,1,yes\n0,1,1,0,no\n2,0,0,1,yes\n0,2,1,1,no\n",
    );
    const path = `${dir}/t2.lrc`;
    const q = await runCli([
      ...["quantize", "--quiet", "--model", `${dir}/t.json`, "--data", `${dir}/t.csv`],
      ...["--bits", "2", "--save", path],
    ]);
    assert.equal(q.code, 0, q.stderr);
    const json = JSON.parse((await runCli(["inspect", path, "--json"])).stdout);
    assert.equal(json.weights, 4);
    assert.equal(json.storedWeights, 4);
    assert.equal(json.nonZeroWeights, 2);
    const text = await runCli(["inspect", path]);
    assert.match(line(text.stdout, "weights"), /; 4 of 4 stored \(.*\), 2 non-zero$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
