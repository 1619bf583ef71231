/**
 * The benchmark tasks' options: `--help` lists them and exits 0 before any work; an unknown
 * option or a bad value ends with one line naming it and exit code 2 (a bench can run for
 * minutes, so it must not start on a typo).
 */
import assert from "node:assert/strict";
import { hasFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { browserUnavailable } from "../_helpers/browser.ts";

const benches = [
  "browser",
  "compress",
  "cores",
  "csv",
  "infer",
  "optimizer",
  "prune",
  "quant",
  "service",
  "sparse",
  "train",
];

async function run(bench: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`./${bench}.ts`, import.meta.url).pathname, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("every bench prints its options with --help and refuses unknown ones", async () => {
  for (const bench of benches) {
    const help = await run(bench, ["--help"]);
    assert.equal(help.code, 0, `${bench}: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^deno task bench:${bench} \\[options\\]`));
    assert.match(help.stdout, /--json +one JSON object per measured row/);
    const bad = await run(bench, ["--bogus"]);
    assert.equal(bad.code, 2, bench);
    assert.match(bad.stderr, new RegExp(`^bench:${bench}: Unknown option '--bogus'`));
    assert.equal(bad.stdout, "");
  }
});

Deno.test("bench values are checked before any work", async () => {
  for (
    const [bench, args, message] of [
      ["train", ["--rounds", "x"], /--rounds must be an integer in \[1, 1000\], got 'x'/],
      ["infer", ["--rounds", "0"], /--rounds must be an integer in \[1, 1000\], got '0'/],
      ["browser", ["--calls", "10"], /--calls must be an integer in \[50, 1000000\], got '10'/],
      ["browser", ["--rows", "10001"], /--rows must be an integer in \[1, 10000\]/],
      ["csv", ["--sizes", "100,abc"], /--sizes must be a number in \[1, 100000\], got 'abc'/],
      [
        "csv",
        ["--wide", "2000,2000.5"],
        /--wide must be a list of integers in \[1, 1000000\], got '2000.5'/,
      ],
      ["csv", ["--wide", "0"], /--wide must be a number in \[1, 1000000\], got '0'/],
      [
        "csv",
        ["--wide", "200", "--wide-rows", "99"],
        /--wide-rows must be an integer in \[100, 10000000\], got '99'/,
      ],
      ["prune", ["--sparsities", "0.5,1.5"], /--sparsities must be a number in \[0, 1\]/],
      ["prune", ["--sections", "tabel"], /unknown section 'tabel'/],
      ["optimizer", ["--sections", "l2"], /unknown section 'l2' \(of passes, path, l1, wide\)/],
      ["quant", ["--epochs", "2.5"], /--epochs must be an integer/],
      // A repeated option: the earlier value was dropped without a word.
      [
        "prune",
        ["--sections", "table", "--sections", "kernel"],
        /--sections is given twice/,
      ],
      ["quant", ["--quick", "--quick"], /--quick is given twice/],
      // A rows file is written at the end of a long run: one that cannot be written was only
      // found then, and the rows lost.
      ["compress", ["--rows", "/nonexistent/dir/rows.jsonl"], /cannot write --rows/],
      // The internal child mode checks what it is told to run before any work.
      ["train", ["--child", "foo"], /--child is internal/],
      ["csv", ["--child", "foo", "/nonexistent"], /--child is internal/],
      ["service", ["--child", "foo"], /--child is internal/],
      ["service", ["--requests", "0"], /--requests must be an integer in \[1, 10000000\], got '0'/],
      [
        "service",
        ["--rows", "1,2.5"],
        /--rows must be a list of integers in \[1, 10000\], got '2.5'/,
      ],
      ["service", ["--forms", "dense,sparse"], /unknown form 'sparse' \(of dense, pruned, /],
      ["sparse", ["--densities", "0.1,2"], /--densities must be a number in \[1e-9, 1\], got '2'/],
      ["sparse", ["--rows", "5"], /--rows must be an integer in \[10, 1000000\], got '5'/],
      ["sparse", ["--sections", "memory"], /unknown section 'memory' \(of pass, fit, predict\)/],
      [
        "sparse",
        ["--rows", "100000", "--cols", "100000"],
        /--rows x --cols must be at most 2\^28/,
      ],
    ] as const
  ) {
    const r = await run(bench, [...args]);
    assert.equal(r.code, 2, `${bench} ${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("every bench that reads Fashion-MNIST says how to get it when it is missing", async () => {
  const missing = { LRC_FASHION_MNIST_DIR: "/nonexistent/fashion-mnist" };
  for (const bench of ["compress", "infer", "optimizer", "prune", "quant", "train"]) {
    const r = await run(bench, ["--json"], missing);
    assert.equal(r.code, 1, `${bench}: ${r.stderr}`);
    assert.equal(r.stdout, "", bench);
    // One line (quant, infer and optimizer ended on the loader's uncaught error and its stack),
    // besides Deno's own notices of npm packages it fetches on a first run.
    const lines = r.stderr.trimEnd().split("\n").filter((l) => !/Download\s/.test(l));
    assert.equal(lines.length, 1, `${bench}: ${r.stderr}`);
    assert.match(lines[0], new RegExp(`^bench:${bench} needs Fashion-MNIST: `));
    assert.match(r.stderr, /sudo apt-get install dataset-fashion-mnist/, bench);
    assert.match(r.stderr, /set LRC_FASHION_MNIST_DIR to their folder/, bench);
  }
});

Deno.test("bench:csv and bench:optimizer state the load average of their timings with --json too", async () => {
  // Their JSON rows carried no load average, nor did bench:optimizer's passes table: timings
  // without the machine's other load beside them. As the other benches, they print it on
  // stderr at the start and at the end, and stdout keeps the rows alone.
  const runs: [string, string[]][] = [["csv", ["--sizes", "1", "--rounds", "1", "--json"]]];
  if (hasFashionMnist()) runs.push(["optimizer", ["--sections", "passes", "--json"]]);
  for (const [bench, args] of runs) {
    const r = await run(bench, args);
    assert.equal(r.code, 0, `${bench}: ${r.stderr}`);
    const load = r.stderr.split("\n").filter((l) => l.startsWith(`bench:${bench}: load average`));
    assert.equal(load.length, 2, `${bench}: ${r.stderr}`);
    assert.match(load[0], /^bench:\w+: load average \d+\.\d\d at the start$/);
    assert.match(load[1], /^bench:\w+: load average \d+\.\d\d at the end$/);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(rows.length >= 3 && rows.every((row) => row.bench.startsWith(bench)), r.stdout);
  }
});

Deno.test("bench:csv --wide measures readCsv and lrc train on a seeded wide count file", async () => {
  // A small run: 100 rows of 50 counts. The figures are not checked, only that both modes read
  // the whole file and the ratios are of the figures given.
  const r = await run("csv", ["--wide", "50", "--wide-rows", "100", "--rounds", "1", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const path = new URL("../artifacts/csv/wide_100x50.csv", import.meta.url);
  const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
  // The file, read here without the library: a header of w0..w49 and label, then 100 rows of
  // one-digit counts, mostly 0, and a label of 20 classes.
  assert.deepEqual(lines[0].split(","), [
    ...Array.from({ length: 50 }, (_, j) => `w${j}`),
    "label",
  ]);
  assert.equal(lines.length, 101);
  const cells = lines.slice(1).map((l) => l.split(","));
  assert.ok(cells.every((c) => c.length === 51 && c.slice(0, 50).every((v) => /^[0-9]$/.test(v))));
  const counts = cells.flatMap((c) => c.slice(0, 50));
  const zeros = counts.filter((v) => v === "0").length;
  assert.ok(zeros > 0.8 * counts.length && zeros < counts.length, `${zeros} zeros`);
  const labels = new Set(cells.map((c) => Number(c[50])));
  assert.ok([...labels].every((c) => Number.isInteger(c) && c >= 0 && c < 20), [...labels].join());
  assert.ok(labels.size > 10, [...labels].join());
  // Rows: no numeric files without --sizes, one row per mode.
  const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((row) => [row.bench, row.section, row.name]), [
    ["csv", "wide", "readCsv (float64)"],
    ["csv", "wide", "lrc train (in memory, 5 lbfgs iterations)"],
  ]);
  const bytes = (await Deno.stat(path)).size;
  for (const row of rows) {
    const text = JSON.stringify(row);
    assert.deepEqual([row.rows, row.cols, row.values, row.fileBytes], [100, 50, 5000, bytes], text);
    assert.ok(row.peakRssBytes > 2 ** 20 && row.medianMs > 0, text);
    assert.equal(row.peakRssPerFileByte, row.peakRssBytes / bytes, text);
    assert.equal(row.peakRssBytesPerValue, row.peakRssBytes / 5000, text);
  }
  assert.match(rows[1].rssMethod, /^(\/usr\/bin\/time -f %M|VmHWM of \/proc\/<pid>\/status)/);
});

Deno.test("bench:service runs on the embedded digits without Fashion-MNIST and checks its labels", async () => {
  // A small run: two forms, each loop in a process of its own, the one-shot and prepared labels
  // compared. The figures are not checked, only that they are there and consistent.
  const r = await run(
    "service",
    ["--requests", "40", "--rows", "1,3", "--forms", "int8,kmeans", "--json"],
    { LRC_FASHION_MNIST_DIR: "/nonexistent/fashion-mnist" },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Fashion-MNIST not found .*: running on the embedded digits instead/);
  const load = r.stderr.split("\n").filter((l) => l.startsWith("bench:service: load average"));
  assert.equal(load.length, 2, r.stderr);
  const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((row) => [row.bench, row.data, row.form, row.rowsPerRequest, row.preparedKernel]),
    [
      ["service", "embedded digits", "int8", 1, "integer"],
      ["service", "embedded digits", "int8", 3, "integer"],
      ["service", "embedded digits", "kmeans", 1, "lookup"],
      ["service", "embedded digits", "kmeans", 3, "lookup"],
    ],
  );
  for (const row of rows) {
    const text = JSON.stringify(row);
    // 64 features x 10 classes: 640 multiply-adds a row, 2^13 from 13 rows on.
    assert.equal(row.oneShotPath, "TypeScript reference", text);
    assert.equal(row.labelsCompared, 40 * row.rowsPerRequest, text);
    assert.equal(row.otherDisagreements, 0, text);
    for (const mode of ["oneShot", "prepared"]) {
      assert.ok(row[`${mode}MedianUs`] > 0 && row[`${mode}MedianUs`] <= row[`${mode}P99Us`], text);
      const rss = [`${mode}RssBeforeBytes`, `${mode}RssAfterBytes`].map((k) => row[k]);
      assert.ok(rss.every((b) => b > 2 ** 20 && b <= row[`${mode}RssPeakSampledBytes`]), text);
    }
    assert.equal(row.medianRatioOneShotToPrepared, row.oneShotMedianUs / row.preparedMedianUs);
  }
});

const noBrowser = browserUnavailable();

Deno.test({
  name: `bench:browser runs on the embedded digits without Fashion-MNIST and gives every row${
    noBrowser ? ` (skipped: ${noBrowser})` : ""
  }`,
  ignore: noBrowser !== null,
  async fn() {
    // A small run: both bundles built, their labels checked against Deno's, three
    // implementations timed on four cases and both bundles' prepared predictors on the two one-row
    // cases. The figures are not checked, only that they are there.
    const r = await run(
      "browser",
      ["--rounds", "1", "--calls", "60", "--rows", "300", "--json"],
      { LRC_FASHION_MNIST_DIR: "/nonexistent/fashion-mnist" },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Fashion-MNIST not found .*: running on the embedded digits instead/);
    const load = r.stderr.split("\n").filter((l) => l.startsWith("bench:browser: load average"));
    assert.equal(load.length, 2, r.stderr);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(rows.every((row) => row.bench === "browser"), r.stdout);
    const [full, lite] = rows.filter((row) => row.section === "bundle");
    assert.deepEqual([full.bundle, lite.bundle], ["full", "lite"]);
    assert.ok(lite.bytes < full.bytes && lite.gzipBytes < lite.bytes, r.stdout);
    const models = rows.filter((row) => row.section === "model");
    assert.deepEqual(models.map((m) => [m.model, m.data, m.features]), [
      ["dense", "embedded digits", 64],
      ["int8", "embedded digits", 64],
    ]);
    const timing = rows.filter((row) => row.section === "timing");
    assert.equal(timing.length, 16);
    for (const model of ["dense", "int8"]) {
      for (const [kind, n] of [["one row", 1], ["batch", 300]] as const) {
        const cases = timing.filter((t) => t.model === model && t.case === kind);
        assert.deepEqual(
          cases.map((t) => t.impl),
          kind === "batch"
            ? ["full, auto", "full, ts", "lite"]
            : ["full, auto", "full, ts", "lite", "full, prepared", "lite, prepared"],
        );
        for (const t of cases) {
          assert.equal(t.rows, n);
          // 60 one-row calls are timed as two blocks of 50: the row reports the 100 made.
          assert.equal(t.callsPerRound, kind === "batch" ? 1 : 100, JSON.stringify(t));
          assert.ok(t.medianMs > 0 && Number.isFinite(t.medianMs), JSON.stringify(t));
          assert.ok(Math.abs(t.rowsPerSecond - n / (t.medianMs / 1000)) < 1e-6 * t.rowsPerSecond);
          assert.equal(t.ratioToFullAuto, t.medianMs / cases[0].medianMs);
        }
      }
    }
  },
});

// benchArgs itself, in this process for arguments it takes (it exits on the others).
const ARGS_URL = new URL("./_args.ts", import.meta.url).href;
const OPTIONS = {
  rounds: { type: "string", value: "N", help: "interleaved rounds", default: "11" },
  sizes: { type: "string", value: "LIST", help: "row counts", default: "100,2000" },
  sections: { type: "string", value: "LIST", help: "sections to run", default: "table,kernel" },
  quick: { type: "boolean", help: "a smaller run" },
} as const;

Deno.test("benchArgs gives the flags, numbers and lists it was given, and the defaults otherwise", async () => {
  const { benchArgs } = await import("./_args.ts");
  const given = benchArgs("bench:t", "A test.", OPTIONS, [
    "--json",
    "--rounds",
    "7",
    "--sizes",
    "5, 0.5,1e3",
    "--sections",
    "kernel",
  ]);
  assert.equal(given.flag("json"), true);
  assert.equal(given.flag("quick"), false);
  assert.equal(given.integer("rounds", 1, 1000), 7);
  assert.deepEqual(given.numbers("sizes", 0, 1e5), [5, 0.5, 1000]);
  assert.deepEqual(given.choices("sections", ["table", "kernel"], "section"), new Set(["kernel"]));
  const none = benchArgs("bench:t", "A test.", OPTIONS, []);
  assert.equal(none.flag("json"), false);
  assert.equal(none.integer("rounds", 1, 1000), 11); // the defaults written in OPTIONS
  assert.deepEqual(none.numbers("sizes", 1, 1e5), [100, 2000]);
  assert.deepEqual(
    none.choices("sections", ["table", "kernel"], "s"),
    new Set(["table", "kernel"]),
  );
  assert.equal(none.string("rows"), undefined);
  // Both ends of a range are in it.
  const ends = benchArgs("bench:t", "A test.", OPTIONS, [
    "--rounds",
    "1",
    "--sizes",
    "0,1",
    "--quick",
  ]);
  assert.equal(ends.integer("rounds", 1, 1000), 1);
  assert.deepEqual(ends.numbers("sizes", 0, 1), [0, 1]);
  assert.equal(ends.flag("quick"), true);
  assert.equal(
    benchArgs("bench:t", "A test.", OPTIONS, ["--rounds", "1000"]).integer("rounds", 1, 1000),
    1000,
  );
});

/** Runs benchArgs in a child with `args`, calling `read` on the result; the child's output. */
async function child(args: string[], read: string) {
  const code = `import { benchArgs } from "${ARGS_URL}";\n` +
    `const a = benchArgs("bench:t", "A test.", ${JSON.stringify(OPTIONS)}, ${
      JSON.stringify(args)
    });\n` +
    `console.log(JSON.stringify(${read}));\n`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("benchArgs refuses the numbers just outside a range and lists defaults in its help", async () => {
  for (
    const [args, read, message] of [
      [
        ["--rounds", "1001"],
        'a.integer("rounds", 1, 1000)',
        "--rounds must be an integer in [1, 1000], got '1001'",
      ],
      [
        ["--rounds", "0"],
        'a.integer("rounds", 1, 1000)',
        "--rounds must be an integer in [1, 1000], got '0'",
      ],
      [
        ["--sizes", "0.5,1.5"],
        'a.numbers("sizes", 0, 1)',
        "--sizes must be a number in [0, 1], got '1.5'",
      ],
      // A negative value takes the = form: parseArgs reads a separate '-0.5' as an option.
      [
        ["--sizes=-0.5"],
        'a.numbers("sizes", 0, 1)',
        "--sizes must be a number in [0, 1], got '-0.5'",
      ],
      [
        ["--sections", "table,tabel"],
        'a.choices("sections", ["table"], "section")',
        "unknown section 'tabel' (of table)",
      ],
    ] as const
  ) {
    const r = await child([...args], read);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout} ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `bench:t: ${message} (deno task bench:t --help lists the options)\n`,
      args.join(" "),
    );
  }
  const help = await child(["--help"], "0");
  assert.equal(help.code, 0, help.stderr);
  // One line per option, each with its placeholder, help and default as written in OPTIONS.
  const lines = help.stdout.split("\n");
  assert.equal(lines[0], "deno task bench:t [options]");
  for (const [name, o] of Object.entries(OPTIONS)) {
    const value = "value" in o ? ` ${o.value}` : "";
    const tail = "default" in o ? `${o.help} (default: ${o.default})` : o.help;
    const line = lines.find((l) => l.trimStart().startsWith(`--${name}${value} `));
    assert.ok(line, `--${name}: ${help.stdout}`);
    assert.ok(line.endsWith(`  ${tail}`), line);
  }
});
