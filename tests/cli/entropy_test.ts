import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { decodeModel, encodeModel, inspectModelFile, loadModel } from "../../lib/io/model_file.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc-entropy-test-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const common = ["--max-iterations", "30", "--quiet"];
const versionOf = (bytes: Uint8Array) => new DataView(bytes.buffer).getUint16(8, true);

Deno.test("--entropy writes the same model in an entropy-coded .lrc file, never larger", async () => {
  const cases: [string, string[]][] = [
    ["train", ["--penalty", "l1", "--lambda", "0.01"]],
    ["prune", ["--sparsity", "0.9"]],
    ["quantize", ["--bits", "4"]],
  ];
  let coded = 0;
  for (const [command, extra] of cases) {
    const plainPath = `${dir}/${command}.lrc`, codedPath = `${dir}/${command}-rans.lrc`;
    for (const [path, flag] of [[plainPath, []], [codedPath, ["--entropy"]]] as const) {
      const r = await runCli([command, ...extra, ...common, "--save", path, ...flag, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      // The report gives the bytes written.
      const report = JSON.parse(r.stdout);
      const savedBytes = command === "train" ? report.model.savedBytes : report.savedBytes;
      assert.equal(savedBytes, (await Deno.stat(path)).size, command);
    }
    const plain = await Deno.readFile(plainPath), rans = await Deno.readFile(codedPath);
    assert.deepEqual(await loadModel(codedPath), await loadModel(plainPath), command);
    assert.ok(rans.length <= plain.length, `${command}: ${rans.length} > ${plain.length}`);
    // The file is what encodeModel writes with entropy coding.
    assert.deepEqual(rans, encodeModel(decodeModel(plain), { entropy: true }), command);
    if (versionOf(rans) === 2) coded++;
    else assert.deepEqual(rans, plain, `${command}: version 1 is the plain file`);
  }
  assert.ok(coded >= 2, `only ${coded} of 3 files were entropy-coded`);
});

Deno.test("--entropy needs a .lrc output", async () => {
  for (
    const [argv, message] of [
      [
        ["quantize", "--entropy"],
        /--entropy: it applies to a \.lrc file written by --save, and none/,
      ],
      [["train", "--entropy", "--save", `${dir}/m.json`], /not to '.*m\.json'/],
    ] as const
  ) {
    const r = await runCli([...argv, ...common]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});

Deno.test("lrc compress --entropy reports and writes the entropy-coded bytes", async () => {
  const out = `${dir}/c.lrc`;
  const run = async (extra: string[]) => {
    const r = await runCli([
      ...["compress", "--sparsity", "0.9", "--method", "uniform", "--bits", "4"],
      ...["--training", "ptq", "--json", ...extra, ...common],
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const plain = await run([]), rans = await run(["--entropy", "--out", out]);
  const file = await Deno.readFile(out);
  assert.equal(rans.bytes, file.length);
  assert.equal(versionOf(file), 2);
  assert.ok(rans.bytes < plain.bytes, `${rans.bytes} >= ${plain.bytes}`);
  // Same models, other bytes: the accuracies of every stage agree.
  assert.deepEqual(
    rans.stages.map((s: { test: unknown }) => s.test),
    plain.stages.map((s: { test: unknown }) => s.test),
  );
});

Deno.test("lrc inspect reports the format version and how codes and indices are stored", async () => {
  const path = `${dir}/inspect.lrc`;
  const saved = await runCli(["quantize", "--bits", "4", "--save", path, "--entropy", ...common]);
  assert.equal(saved.code, 0, saved.stderr);
  const r = await runCli(["inspect", path, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const { info } = inspectModelFile(await Deno.readFile(path));
  assert.equal(report.formatVersion, 2);
  assert.equal(report.codesEncoding, info.codes);
  assert.equal(report.indexEncoding, info.support);
  assert.ok(report.codesEncoding === "rans" || report.indexEncoding === "rans");
  // The same model saved without --entropy is a version 1 file with nothing entropy-coded: the
  // lines above compare the command with the reader it calls, which agree whatever it reports.
  const plainPath = `${dir}/inspect-plain.lrc`;
  const plain = await runCli(["quantize", "--bits", "4", "--save", plainPath, ...common]);
  assert.equal(plain.code, 0, plain.stderr);
  const p = await runCli(["inspect", plainPath, "--json"]);
  assert.equal(p.code, 0, p.stderr);
  const plainReport = JSON.parse(p.stdout);
  assert.equal(plainReport.formatVersion, 1);
  assert.equal(plainReport.codesEncoding, "packed");
  assert.notEqual(plainReport.indexEncoding, "rans");
});

Deno.test("lrc compress --entropy --report says the sizes are of entropy-coded files", async () => {
  for (const entropy of [true, false]) {
    const report = `${dir}/report-${entropy}.html`;
    const r = await runCli([
      ...["compress", "--sparsity", "0.9", "--bits", "4", "--training", "ptq", "--quiet"],
      ...["--max-iterations", "30", "--report", report, ...(entropy ? ["--entropy"] : [])],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const html = await Deno.readTextFile(report);
    assert.equal(html.includes("entropy-coded, format version 2"), entropy);
  }
});

Deno.test("lrc inspect --json counts the weights stored and, apart, those that are not zero", async () => {
  // A pruned model's file stores its kept weights (the mask), and at 2 bits some of them have
  // the code for 0.
  const path = `${dir}/two-bit.lrc`;
  const saved = await runCli([
    ...["compress", "--sparsity", "0.5", "--bits", "2", "--training", "ptq", "--out", path],
    ...common,
  ]);
  assert.equal(saved.code, 0, saved.stderr);
  const r = await runCli(["inspect", path, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const model = await loadModel(path);
  const weights = asFloatModel(model).weights.data;
  assert.equal(report.nonZeroWeights, weights.filter((w) => w !== 0).length);
  assert.equal(report.storedWeights, inspectModelFile(await Deno.readFile(path)).info.stored);
  // The file stores the weights the mask keeps: 640 - round(0.5 * 640), counted from the loaded
  // mask, not from the reader's own count (which the line above compares with itself).
  assert.equal(model.mask?.filter((m) => m === 1).length, 320);
  assert.equal(report.storedWeights, 320);
  assert.equal(report.weights, 640);
  assert.ok(report.nonZeroWeights < report.storedWeights);
  assert.equal(report.denseFloat32Bytes, 4 * (weights.length + model.bias.values.length));
  assert.equal(report.masked, true);
  // The text says the same: stored weights of all of them, and the non-zero ones apart.
  const text = await runCli(["inspect", path]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^model .*, pruning mask$/m);
  const nonZero = weights.filter((w) => w !== 0).length;
  assert.match(
    text.stdout,
    new RegExp(`^weights +.*; 320 of 640 stored \\(indices: .*\\), ${nonZero} non-zero$`, "m"),
  );
});
