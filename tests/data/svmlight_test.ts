// The svmlight reader against scikit-learn: files written by dump_svmlight_file (and by hand)
// are read by load_svmlight_file and by readSvmlight, and the two CSR matrices and label vectors
// are compared element by element; then each malformed token is refused at its line and column.
import assert from "node:assert/strict";
import { parseSvmlight, readSvmlight } from "../../lib/data/svmlight.ts";
import { encodeLabels } from "../../lib/data/dataset.ts";
import { csrToDense } from "../../lib/core/sparse.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";

const python = await pythonWithSklearn();
const skip = python === null ? " (skipped: no Python with scikit-learn)" : "";

interface Loaded {
  indptr: number[];
  indices: number[];
  data: number[];
  labels: number[];
  shape: [number, number];
}

/** scikit-learn's load_svmlight_file of each file, with the given keyword arguments. */
function sklearnLoad(files: { path: string; kwargs: Record<string, unknown> }[]) {
  return runPython<Loaded[]>(
    `import json, sys, numpy as np
from sklearn.datasets import load_svmlight_file
out = []
for f in json.load(sys.stdin):
    kw = dict(f["kwargs"])
    if kw.get("dtype") == "float32": kw["dtype"] = np.float32
    X, y = load_svmlight_file(f["path"], **kw)
    out.append({"indptr": X.indptr.tolist(), "indices": X.indices.tolist(),
                "data": [float(v) for v in X.data], "labels": y.tolist(), "shape": list(X.shape)})
print(json.dumps(out))`,
    files,
  );
}

/** Asserts the reader's data set equals scikit-learn's load of the same file. */
function assertSame(d: Awaited<ReturnType<typeof readSvmlight>>, ref: Loaded, what: string) {
  assert.deepEqual([d.x.rows, d.x.cols], ref.shape, `${what}: shape`);
  assert.deepEqual([...d.x.indptr], ref.indptr, `${what}: indptr`);
  assert.deepEqual([...d.x.indices], ref.indices, `${what}: indices`);
  assert.deepEqual([...d.x.values], ref.data, `${what}: values`);
  // Labels: classes[y[i]] is scikit-learn's float label, and the classes are encodeLabels' of
  // the label texts.
  assert.deepEqual(Array.from(d.y, (c) => Number(d.classes[c])), ref.labels, `${what}: labels`);
  assert.deepEqual(d.classes, encodeLabels(ref.labels.map(String)).classes, `${what}: classes`);
}

Deno.test({
  name:
    "files written by scikit-learn's dump_svmlight_file read as its load_svmlight_file reads them" +
    skip,
  ignore: python === null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "svmlight_" });
    try {
      // Random sparse data, values of all magnitudes; zero- and one-based, with a comment header,
      // with query ids, a first column that is all zero (the "auto" rule then reads a zero-based
      // file as one-based, as scikit-learn does), and an empty row.
      await runPython<null>(
        `import json, sys, numpy as np, scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file
d = json.load(sys.stdin)["dir"]
rng = np.random.default_rng(7)
X = sp.random(60, 40, density=0.15, format="csr", random_state=rng,
              data_rvs=lambda n: rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, n))
X = X.toarray(); X[5, :] = 0
y = rng.choice([-1.0, 1.0, 2.5, 10.0], 60)
dump_svmlight_file(X, y, d + "/zero.svm", zero_based=True)
dump_svmlight_file(X, y, d + "/one.svm", zero_based=False, comment="made by numpy\\nline 2")
dump_svmlight_file(X, y, d + "/qid.svm", zero_based=False, query_id=rng.integers(0, 5, 60))
X[:, 0] = 0
dump_svmlight_file(X, y, d + "/zero_no_first.svm", zero_based=True)
dump_svmlight_file(X, (y > 0).astype(float), d + "/binary.svm", zero_based=False)
print("null")`,
        { dir },
      );
      const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
        ["zero.svm", {}, {}],
        ["zero.svm", { zeroBased: true }, { zero_based: true }],
        ["one.svm", {}, {}],
        ["one.svm", { zeroBased: false }, { zero_based: false }],
        ["one.svm", { nFeatures: 50 }, { n_features: 50 }],
        ["one.svm", { dtype: "float32" }, { dtype: "float32" }],
        ["qid.svm", {}, {}],
        ["zero_no_first.svm", {}, {}],
        ["zero_no_first.svm", { zeroBased: true }, { zero_based: true }],
        ["binary.svm", {}, {}],
      ];
      const refs = await sklearnLoad(
        cases.map(([file, , kwargs]) => ({ path: `${dir}/${file}`, kwargs })),
      );
      for (let c = 0; c < cases.length; c++) {
        const [file, options] = cases[c];
        const d = await readSvmlight(`${dir}/${file}`, options);
        assertSame(d, refs[c], `${file} ${JSON.stringify(options)}`);
        if (options.dtype === "float32") assert.ok(d.x.values instanceof Float32Array);
      }
      assert.ok(refs[0].data.length > 200, "the data hold many values");
      // The "auto" rule read the zero-based file without its first column as one-based, as
      // scikit-learn does; told zeroBased: true, it keeps the first column.
      assert.equal(refs[7].shape[1], 39);
      assert.equal(refs[8].shape[1], 40);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a hand-written file with explicit zeros, comments, blank lines and CRLF reads as " +
    "scikit-learn reads it" + skip,
  ignore: python === null,
  fn: async () => {
    const text = "# header comment\r\n+1 1:0 3:2.5e-3 # trailing 4:9\r\n\r\n-1 2:+1.5\r\n" +
      "   \t\n1 qid:4 1:-7 2:0 10:1e300\r\n2\n";
    const path = await Deno.makeTempFile({ suffix: ".svm" });
    try {
      await Deno.writeTextFile(path, text);
      const [ref] = await sklearnLoad([{ path, kwargs: {} }]);
      const d = await readSvmlight(path);
      assertSame(d, ref, "hand-written");
      // The explicit zeros are stored, as scikit-learn stores them.
      assert.deepEqual(ref.data.filter((v) => v === 0).length, 2);
      assert.deepEqual(d.classes, ["-1", "1", "2"]);
      assert.deepEqual(d.featureNames.slice(0, 3), ["1", "2", "3"]);
      assert.deepEqual(parseSvmlight(text), d);
    } finally {
      await Deno.remove(path);
    }
  },
});

Deno.test("parseSvmlight's matrix holds each line's pairs at their columns", () => {
  const d = parseSvmlight("a 0:1 2:3\nb\nc 1:-4\n");
  assert.deepEqual(d.featureNames, ["0", "1", "2"]);
  assert.deepEqual([...csrToDense(d.x).data], [1, 0, 3, 0, 0, 0, 0, -4, 0]);
  assert.deepEqual(d.classes, ["a", "b", "c"]);
  // A file without any feature has no columns, unless told its width.
  assert.equal(parseSvmlight("1\n0\n").x.cols, 0);
  assert.equal(parseSvmlight("1\n0\n", { nFeatures: 4 }).x.cols, 4);
});

Deno.test("a byte-order mark, lone CR line ends, a file without features and the largest index read as documented", () => {
  // The mark is not part of the first label, and columns still count it.
  const plain = parseSvmlight("1 1:2\n0 2:1\n");
  assert.deepEqual(parseSvmlight("\ufeff1 1:2\n0 2:1\n"), plain);
  assert.throws(() => parseSvmlight("\ufeff1 x\n"), {
    name: "SyntaxError",
    message: "Cannot read svmlight '<svmlight>': line 1, column 4: 'x' is not index:value",
  });
  // Old Mac line ends, as CRLF and LF.
  assert.deepEqual(parseSvmlight("1 1:2\r0 2:1\r"), plain);
  assert.throws(() => parseSvmlight("1 1:2\r0 2:x\r"), {
    message: "Cannot read svmlight '<svmlight>': line 2, column 3: the value 'x' of feature 2 " +
      "is not a finite decimal number",
  });
  // No feature at all: zero-based under "auto" (scikit-learn's rule), so nFeatures names 0, 1.
  assert.deepEqual(parseSvmlight("1\n0\n", { nFeatures: 2 }).featureNames, ["0", "1"]);
  // 2^31 - 2 is the largest index read (here beyond nFeatures); 2^31 - 1 is refused as such.
  assert.throws(() => parseSvmlight("1 0:1 2147483646:1\n", { nFeatures: 5 }), {
    name: "RangeError",
    message: "Cannot read svmlight '<svmlight>': line 1, column 7: feature index 2147483646 " +
      "needs 2147483647 features (indices zero-based), more than nFeatures 5",
  });
  assert.throws(() => parseSvmlight("1 0:1 2147483647:1\n", { nFeatures: 5 }), {
    name: "SyntaxError",
    message: "Cannot read svmlight '<svmlight>': line 1, column 7: feature index 2147483647 is " +
      "beyond 2147483646",
  });
  assert.throws(() => parseSvmlight("1 1:1\n", { nFeatures: 2.5 }), {
    name: "RangeError",
    message: "Cannot read svmlight '<svmlight>': nFeatures must be an integer in " +
      "[0, 2147483647], got 2.5",
  });
});

Deno.test("maxFeatures bounds the columns before any is allocated", async () => {
  // 20 bytes naming index 2e9: refused as read, not two billion feature names.
  const huge = "1 1:1\n0 2000000000:1";
  const message = "line 2, column 3: feature index 2000000000 needs more than maxFeatures " +
    "1048576 columns; raise maxFeatures to read it";
  assert.throws(() => parseSvmlight(huge), {
    name: "RangeError",
    message: `Cannot read svmlight '<svmlight>': ${message}`,
  });
  const path = await Deno.makeTempFile({ suffix: ".svm" });
  try {
    await Deno.writeTextFile(path, huge);
    await assert.rejects(readSvmlight(path), {
      name: "RangeError",
      message: `Cannot read svmlight '${path}': ${message}`,
    });
  } finally {
    await Deno.remove(path);
  }
  // An index needing exactly maxFeatures columns is read, in either base; one more is not.
  assert.equal(parseSvmlight("1 1:1 10:2\n", { maxFeatures: 10 }).x.cols, 10);
  assert.equal(parseSvmlight("1 0:1 9:2\n", { maxFeatures: 10 }).featureNames.length, 10);
  assert.throws(() => parseSvmlight("1 0:1 10:2\n", { maxFeatures: 10 }), {
    name: "RangeError",
    message: "Cannot read svmlight '<svmlight>': line 1, column 7: feature index 10 needs more " +
      "than maxFeatures 10 columns; raise maxFeatures to read it",
  });
  assert.throws(() => parseSvmlight("1 1:1 11:2\n", { maxFeatures: 10 }), {
    message: /column 7: feature index 11 needs more than maxFeatures 10 columns/,
  });
  // nFeatures is the width asked for, within maxFeatures; raising maxFeatures reads wider.
  assert.equal(parseSvmlight("1 1:1\n", { nFeatures: 10, maxFeatures: 10 }).x.cols, 10);
  assert.throws(() => parseSvmlight("1 1:1\n", { nFeatures: 11, maxFeatures: 10 }), {
    name: "RangeError",
    message: "Cannot read svmlight '<svmlight>': nFeatures 11 is more than maxFeatures 10; " +
      "raise maxFeatures to read so many",
  });
  assert.equal(parseSvmlight("1 1:1 11:2\n", { maxFeatures: 11 }).x.cols, 11);
  assert.throws(() => parseSvmlight("1 1:1\n", { maxFeatures: -1 }), {
    message: /maxFeatures must be an integer in \[0, 2147483647\], got -1/,
  });
});

Deno.test("each malformed token is refused naming its line and column", () => {
  const cases: [string, string, object?][] = [
    [
      "1 1:2\n0 3:1 x:2\n",
      "line 2, column 7: 'x' (in 'x:2') is not a feature index (a whole number)",
    ],
    ["1 1:2 3\n", "line 1, column 7: '3' is not index:value"],
    [
      "1 2:1 2:3\n",
      "line 1, column 7: feature index 2 repeats; the indices of a line must be " +
      "strictly increasing",
    ],
    ["1 -1:1\n", "line 1, column 3: feature index -1 is negative"],
    ["1 1.5:1\n", "line 1, column 3: '1.5' (in '1.5:1') is not a feature index (a whole number)"],
    ["1 1:abc\n", "line 1, column 3: the value 'abc' of feature 1 is not a finite decimal number"],
    ["1 1:nan\n", "line 1, column 3: the value 'nan' of feature 1 is not a finite decimal number"],
    [
      "1 1:1e400\n",
      "line 1, column 3: the value '1e400' of feature 1 is not a finite decimal " +
      "number",
    ],
    [
      "1 1:0x10\n",
      "line 1, column 3: the value '0x10' of feature 1 is not a finite decimal number",
    ],
    ["1  4:\n", "line 1, column 4: feature 4 has no value"],
    [
      "1,2 1:1\n",
      "line 1, column 1: the label '1,2' lists several classes (multi-label); each " +
      "sample takes one label",
    ],
    ["NA 1:1\n", "line 1, column 1: the label 'NA' marks a missing label"],
    ["1:1 2:1\n", "line 1, column 1: the line starts with '1:1', not a label"],
    ["1 1:1 qid:3\n", "line 1, column 7: qid: is read only right after the label"],
    ["1 qid:x 1:1\n", "line 1, column 3: 'qid:x' is not qid:<integer>"],
    [
      "1 0:1\n",
      "line 1, column 3: feature index 0 in a file read as one-based (zeroBased: false)",
      { zeroBased: false },
    ],
    [
      "1 1:1e39\n",
      "line 1, column 3: the value '1e39' of feature 1 is beyond float32's largest " +
      'magnitude 3.4028235e38 (dtype: "float32")',
      { dtype: "float32" },
    ],
  ];
  for (const [text, reason, options] of cases) {
    assert.throws(() => parseSvmlight(text, { fileName: "f.svm", ...options }), {
      name: "SyntaxError",
      message: `Cannot read svmlight 'f.svm': ${reason}`,
    }, text);
  }
  assert.throws(() => parseSvmlight("# nothing\n\n"), {
    name: "SyntaxError",
    message: "Cannot read svmlight '<svmlight>': it holds no samples (only blank or comment lines)",
  });
});

Deno.test("an index beyond nFeatures is refused at its line and column, in the file's own base", () => {
  assert.throws(() => parseSvmlight("1 1:1\n0 2:1 7:1\n", { nFeatures: 6 }), {
    name: "RangeError",
    message: "Cannot read svmlight '<svmlight>': line 2, column 7: feature index 7 needs 7 " +
      "features (indices one-based), more than nFeatures 6",
  });
  assert.equal(parseSvmlight("1 1:1\n0 2:1 7:1\n", { nFeatures: 7 }).x.cols, 7);
  assert.throws(() => parseSvmlight("1 0:1 6:1\n", { nFeatures: 6 }), {
    name: "RangeError",
    message: "Cannot read svmlight '<svmlight>': line 1, column 7: feature index 6 needs 7 " +
      "features (indices zero-based), more than nFeatures 6",
  });
});

Deno.test("options are checked before reading", async () => {
  assert.throws(() => parseSvmlight("1 1:1\n", { zeroBased: "yes" as never }), {
    name: "TypeError",
    message: `Cannot read svmlight '<svmlight>': zeroBased must be true, false or "auto", got ` +
      'string "yes"',
  });
  assert.throws(() => parseSvmlight("1 1:1\n", { nFeatures: -1 }), RangeError);
  assert.throws(() => parseSvmlight("1 1:1\n", { dtype: "int8" as never }), RangeError);
  assert.throws(() => parseSvmlight("1 1:1\n", { zerobased: true } as never), TypeError);
  await assert.rejects(() => readSvmlight("/nonexistent/file.svm"), TypeError);
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, Uint8Array.of(0x1f, 0x8b, 8, 0));
    await assert.rejects(() => readSvmlight(path), {
      name: "SyntaxError",
      message: new RegExp(`^Cannot read svmlight '${path}': it is gzip-compressed`),
    });
    await Deno.writeFile(path, Uint8Array.of(0x31, 0x20, 0xff, 0x0a));
    await assert.rejects(() => readSvmlight(path), {
      name: "SyntaxError",
      message: `Cannot read svmlight '${path}': it is not UTF-8 text`,
    });
    await Deno.writeTextFile(path, "1 1:1\n");
    await assert.rejects(() => readSvmlight(path, { maxBytes: 3 }), RangeError);
  } finally {
    await Deno.remove(path);
  }
});
