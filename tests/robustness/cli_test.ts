/**
 * The bad inputs of issue 8 through the command line: each ends in one line on stderr, naming
 * the problem, with exit code 1 (2 for a usage error), nothing on stdout and no stack trace.
 */
import assert from "node:assert/strict";
import { encodeModel } from "../../lib/io/model_file.ts";
import { modelToJson } from "../../lib/model/serialize.ts";
import { runCli } from "../_helpers/assert_close.ts";
import { binary, mlpOnnx, withVersion } from "./_cases.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc-cli-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const file = (name: string) => `${dir}/${name}`;

async function write(name: string, content: string | Uint8Array): Promise<string> {
  if (typeof content === "string") await Deno.writeTextFile(file(name), content);
  else await Deno.writeFile(file(name), content);
  return file(name);
}

const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
const good = "a,b,y\n" +
  rows(40, (i) => `${i % 7},${(i * 3) % 5},${i % 2 ? "yes" : "no"}`).join("\n");
const cancerLrc = encodeModel(binary);
const flipped = cancerLrc.slice();
flipped[50] ^= 1;
const newer = withVersion(cancerLrc, 3);
const magic = cancerLrc.slice();
magic[2] = 0;
const json = modelToJson(binary);
await Deno.mkdir(file("folder.lrc"));

const F = {
  empty: await write("empty.csv", ""),
  header: await write("header.csv", "a,b,y\n"),
  ragged: await write("ragged.csv", "a,b,y\n1,2,no\n3,yes\n"),
  text: await write("text.csv", "a,b,y\n1,2,no\n3,abc,yes\n"),
  blank: await write("blank.csv", "a,b,y\n1,2,no\n3,,yes\n"),
  nan: await write("nan.csv", "a,b,y\n1,NaN,no\n"),
  inf: await write("inf.csv", "a,b,y\n1,inf,no\n"),
  huge: await write("huge.csv", "a,b,y\n1,1e400,no\n"),
  hex: await write("hex.csv", "a,b,y\n1,0x1F,no\n"),
  dup: await write("dup.csv", "a,a,y\n1,2,no\n"),
  one: await write("one.csv", "a,b,y\n" + rows(8, (i) => `${i},${i * 2},same`).join("\n")),
  good: await write("good.csv", good),
  messy: await write(
    "messy.csv",
    '\uFEFF"a","b, quoted",y\r\n' +
      rows(40, (i) => `${i % 7},"${(i * 3) % 5}",${i % 2 ? '"yes,\r\nreally"' : "no"}`).join("\n") +
      "\r\n",
  ),
  constant: await write(
    "constant.csv",
    "a,k,y\n" + rows(40, (i) => `${i % 7},5,${i % 3 ? "p" : "q"}`).join("\n"),
  ),
  imbalanced: await write(
    "imbalanced.csv",
    "a,b,y\n" +
      rows(400, (i) => `${i % 11},${(i * 7) % 13},${i === 5 ? "rare" : i % 2 ? "u" : "v"}`)
        .join("\n"),
  ),
  wide: await write(
    "wide.csv",
    rows(100_000, (j) => `f${j}`).join(",") + ",y\n" +
      rows(4, (i) => rows(100_000, (j) => String((i * j) % 5)).join(",") + (i % 2 ? ",b" : ",a"))
        .join("\n"),
  ),
  truncated: await write("truncated.lrc", cancerLrc.subarray(0, 60)),
  flipped: await write("flipped.lrc", flipped),
  newer: await write("newer.lrc", newer),
  magic: await write("magic.lrc", magic),
  cancer: await write("cancer.lrc", cancerLrc),
  halfJson: await write("half.json", json.slice(0, json.length / 2)),
  notModel: await write("other.json", '{"weights": [1, 2]}'),
  mlp: await write("mlp.onnx", mlpOnnx()),
  garbage: await write("garbage.onnx", "not protobuf"),
};

/** [what, argv, exit code, stderr]. */
const FAILURES: [string, string[], number, RegExp][] = [
  [
    "an empty CSV file",
    ["train", "--data", F.empty],
    1,
    /^lrc train: Cannot read CSV '.*empty.csv': the file is empty$/,
  ],
  [
    "a CSV with a header only",
    ["train", "--data", F.header],
    1,
    /it has a header but no data rows$/,
  ],
  [
    "a ragged CSV row",
    ["train", "--data", F.ragged],
    1,
    /'.*ragged.csv': line 3 has 2 fields, the header has 3: column 3 \("y"\) is missing$/,
  ],
  [
    "a non-numeric CSV cell",
    ["train", "--data", F.text],
    1,
    /'.*text.csv': line 3, column 2 \("b"\) holds 'abc', which is not a finite decimal number$/,
  ],
  [
    "an empty CSV cell",
    ["train", "--data", F.blank],
    1,
    /line 3, column 2 \("b"\) is empty; missing values are not read: drop the rows that hold them or fill them in$/,
  ],
  ["NaN in a CSV", ["train", "--data", F.nan], 1, /line 2, column 2 \("b"\) holds 'NaN'/],
  ["inf in a CSV", ["train", "--data", F.inf], 1, /line 2, column 2 \("b"\) holds 'inf'/],
  ["1e400 in a CSV", ["train", "--data", F.huge], 1, /holds '1e400', which overflows to Infinity$/],
  [
    "a hexadecimal CSV cell",
    ["train", "--data", F.hex],
    1,
    /holds '0x1F', which is not a finite decimal number$/,
  ],
  [
    "duplicate CSV header names",
    ["train", "--data", F.dup],
    1,
    /line 1, columns 1 and 2 are both named "a"$/,
  ],
  [
    "an unknown label column",
    ["train", "--data", F.good, "--label", "z"],
    1,
    /no column named "z" \(columns: \["a","b","y"\]\)$/,
  ],
  [
    "a label column with one class",
    ["train", "--data", F.one],
    1,
    /^lrc train: Cannot use '.*one.csv' as training data: its label column \(the last column\) holds a single class \("same"\); at least two are needed/,
  ],
  [
    "a missing CSV file",
    ["train", "--data", file("nope.csv")],
    1,
    /^lrc train: Cannot read CSV '.*nope.csv': No such file or directory/,
  ],
  [
    "a folder as CSV",
    ["quantize", "--data", dir],
    1,
    /^lrc quantize: Cannot read CSV '.*': it is a folder$/m,
  ],
  [
    "a CSV over --max-data-bytes (lrc train would stream it instead)",
    ["quantize", "--data", F.good, "--max-data-bytes", "100"],
    1,
    /it is \d+ bytes, more than the limit of 100 bytes/,
  ],
  [
    "0 bits",
    ["quantize", "--bits", "0"],
    2,
    /^lrc quantize: Cannot parse arguments of 'quantize': --bits must be an integer in \[1, 16\], got '0'$/,
  ],
  ["17 bits", ["quantize", "--bits", "17"], 2, /--bits must be an integer in \[1, 16\], got '17'$/],
  [
    "9-bit log2",
    ["quantize", "--method", "log2", "--bits", "9"],
    2,
    /bits must be an integer in \[1, 8\], got 9$/,
  ],
  [
    "k larger than the number of distinct weights",
    ["quantize", "--dataset", "breast-cancer", "--method", "kmeans", "--levels", "40", "--quiet"],
    2, // more levels than the model will have weights: refused before training
    /k-means with 40 levels needs at least 40 weights per group, and the model will have 30/,
  ],
  [
    "a test fraction of 1",
    ["train", "--test-fraction", "1"],
    2,
    /--test-fraction must be a number in/,
  ],
  [
    "a negative lambda",
    ["train", "--lambda=-1"],
    2,
    /--lambda must be a finite number >= 0, got '-1'$/,
  ],
  [
    "a lambda that overflows to Infinity",
    ["train", "--lambda", "1e400"],
    2,
    /--lambda must be a finite number >= 0, got '1e400'$/,
  ],
  [
    "a value starting with '-' without '='",
    ["train", "--lambda", "-1"],
    2,
    /^lrc train: Cannot parse arguments of 'train': the value of --lambda starts with '-': write it as --lambda=VALUE$/,
  ],
  [
    "zero epochs",
    ["train", "--optimizer", "sgd", "--epochs", "0"],
    2,
    /--epochs must be an integer in \[1, 1000000\], got '0'$/,
  ],
  [
    "a model applied to data with another number of features",
    ["quantize", "--model", F.cancer],
    1,
    /^lrc quantize: Cannot apply '.*cancer.lrc' to digits \(embedded\): the model takes 30 features, the data have 64$/,
  ],
  [
    "a model applied to data with other classes",
    [
      "quantize",
      "--model",
      F.cancer,
      "--data",
      await write(
        "cancer_like.csv",
        rows(31, (j) => `c${j}`).join(",") + "\n" +
          rows(8, (i) => rows(30, () => String(i)).join(",") + (i % 2 ? ",x" : ",z")).join("\n"),
      ),
    ],
    1,
    /the data hold classes \["x","z"\], which the model lacks, and they lack the model's classes \[("benign","malignant"|"malignant","benign")\]; the data must hold the model's classes, all of them and no other \(in any order\)$/,
  ],
  [
    "a truncated model file (inspect)",
    ["inspect", F.truncated],
    1,
    /^lrc inspect: Cannot read model file '.*truncated.lrc': truncated: the header announces \d+ bytes, the file has 60$/,
  ],
  [
    "a model file with a flipped bit (inspect)",
    ["inspect", F.flipped],
    1,
    /checksum mismatch \(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\): the file is corrupt$/,
  ],
  [
    "a model file with a wrong magic number (export)",
    ["export", "--model", F.magic, "--out", file("x.onnx")],
    1,
    /^lrc export: Cannot read model file '.*magic.lrc': not an lrcompress model file: wrong magic number/,
  ],
  [
    "a model file of a newer version (export)",
    ["export", "--model", F.newer, "--out", file("x.onnx")],
    1,
    /format version 3 is newer than this lrcompress reads \(2\); update lrcompress$/,
  ],
  [
    "a damaged JSON model file (inspect)",
    ["inspect", F.halfJson],
    1,
    /^lrc inspect: Cannot read model file '.*half.json': not JSON/,
  ],
  [
    "a JSON file that is not a model (export)",
    ["export", "--model", F.notModel, "--out", file("x.onnx")],
    1,
    /Cannot read model file '.*other.json': it is not a logistic-regression model \(kind\)$/,
  ],
  [
    "an ONNX file that is not a linear classifier (inspect)",
    ["inspect", F.mlp],
    1,
    /^lrc inspect: Cannot import ONNX model '.*mlp.onnx': not a linear classifier: .* feeds Relu node/,
  ],
  [
    "an ONNX file that is not protobuf (export)",
    ["export", "--model", F.garbage, "--out", file("x.onnx")],
    1,
    /^lrc export: Cannot read ONNX model '.*garbage.onnx': not an ONNX protobuf/,
  ],
  [
    "a missing model file",
    ["inspect", file("nope.lrc")],
    1,
    /^lrc inspect: Cannot read model file '.*nope.lrc': No such file or directory/,
  ],
  [
    "a model file of unknown type",
    ["inspect", file("model.txt")],
    2,
    /its extension must be .lrc \(binary\), .json or .onnx$/,
  ],
  [
    "--save into a missing folder (before training)",
    ["train", "--save", file("no/such/m.lrc")],
    2,
    /^lrc train: Cannot write '.*no\/such\/m.lrc': the folder '.*no\/such' does not exist$/,
  ],
  [
    "--save onto a folder",
    ["train", "--save", file("folder.lrc")],
    2,
    /Cannot write '.*folder.lrc': it is a folder$/,
  ],
  [
    "--out into a missing folder",
    ["export", "--out", file("none/m.onnx")],
    2,
    /^lrc export: Cannot write '.*none\/m.onnx': the folder/,
  ],
  [
    "quantize --save into a missing folder",
    ["quantize", "--save", file("none/q.json")],
    2,
    /^lrc quantize: Cannot write '.*none\/q.json': the folder/,
  ],
];

for (const [what, argv, code, message] of FAILURES) {
  Deno.test(`lrc: ${what} ends in one line and exit code ${code}`, async () => {
    const r = await runCli(argv);
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.split("\n").length, 2, r.stderr); // one line and its newline
    assert.match(r.stderr.trimEnd(), message);
    assert.match(r.stderr, /^lrc [a-z]+: Cannot [a-z]/);
    assert.doesNotMatch(r.stderr, /^training:/m); // refused before any training
  });
}

Deno.test("lrc: awkward but valid CSV trains (BOM, CRLF, quotes, constant column, 10^5 features)", async () => {
  for (const path of [F.messy, F.constant, F.wide]) {
    const r = await runCli(["train", "--data", path, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(Number.isFinite(report.test.accuracy) && Number.isFinite(report.test.logLoss));
  }
  const messy = JSON.parse((await runCli(["train", "--data", F.messy, "--json"])).stdout);
  assert.deepEqual(messy.data.classes, ["no", "yes,\r\nreally"]);
  assert.equal(messy.data.features, 2);
});

Deno.test("lrc: very imbalanced classes train, with a warning about the rare class", async () => {
  const r = await runCli(["train", "--data", F.imbalanced, "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /warning {3}class "rare" has only 1 of 300 training samples \(0.33 %\): its predictions/,
  );
  // finite accuracy, balanced accuracy and log loss
  assert.match(r.stdout, /test\s+\d+\.\d\d %\s+\d+\.\d\d %\s+\d\.\d{4}/);
  // quantize and export train too, and pass the warning on
  const q = await runCli(["quantize", "--data", F.imbalanced, "--json"]);
  assert.equal(q.code, 0, q.stderr);
  assert.ok(JSON.parse(q.stdout).warnings.some((w: string) => /class "rare" has only 1/.test(w)));
  const e = await runCli(["export", "--data", F.imbalanced, "--quiet", "--out", file("i.onnx")]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /^warning: class "rare" has only 1 of 300 training samples/m);
});

Deno.test("lrc: a failing process prints one line and no stack trace", async () => {
  for (
    const argv of [["inspect", F.flipped], ["train", "--data", F.ragged], [
      "quantize",
      "--model",
      F.cancer,
    ]]
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", "--allow-env", "lib/cli/main.ts", ...argv],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
    assert.match(stderr, /^lrc [a-z]+: Cannot /);
    assert.doesNotMatch(stderr, /\bat \S+:\d+:\d+|Error:/);
  }
});

Deno.test("lrc under its task's permissions names /dev/stdin as a device, not Deno's --allow-all", async () => {
  // deno.json's lrc task grants no --allow-all, which Deno asks for before touching a device.
  const task = JSON.parse(await Deno.readTextFile("deno.json")).tasks.lrc as string;
  const flags = task.split(" ").filter((a) => a.startsWith("--allow-"));
  assert.ok(!flags.includes("--allow-all") && flags.includes("--allow-read"), task);
  const model = await Deno.makeTempFile({ suffix: ".json" });
  try {
    assert.equal(
      (await runCli(["train", "--quiet", "--save", model, "--max-iterations", "5"])).code,
      0,
    );
    for (
      const argv of [["train"], ["train", "--stream"], ["compress"], ["predict", "--model", model]]
    ) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", ...flags, "lib/cli/main.ts", ...argv, "--data", "/dev/stdin"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("a,b,y\n1,2,x\n3,4,z\n"));
      await writer.close();
      const out = await child.output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 1, stderr);
      // lrc predict reads a pipe as --data - (standard input, once), and says so.
      assert.equal(
        stderr.trimEnd(),
        `lrc ${argv[0]}: Cannot read CSV '/dev/stdin': it is a device, not a data file; ` +
          (argv[0] === "predict"
            ? "pipe the data to --data - (standard input, read once), or save them to a file " +
              "and name that"
            : "save the data to a file and name that"),
      );
    }
  } finally {
    await Deno.remove(model);
  }
});
