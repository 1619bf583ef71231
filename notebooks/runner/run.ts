/**
 * `deno task notebooks`: executes every notebook under notebooks/ headless through Jupyter's own
 * machinery (nbclient, with the Deno kernel) and writes the executed notebooks and standalone
 * HTML write-ups to notebooks/out/. Fails if any cell fails.
 *
 * ```sh
 * deno task notebooks                       # all notebooks
 * deno task notebooks --only quickstart     # those whose file name contains "quickstart"
 * deno task notebooks --out /tmp/nb --no-html
 * ```
 *
 * @module
 */

import { pathText } from "../../lib/data/csv.ts";
import { hasFashionMnist } from "../../lib/data/fashion_mnist.ts";

/** The Deno release the notebooks are checked with: some releases reported failing cells as
 * successful, so the runner insists on this one unless told otherwise. */
export const PINNED_DENO = "2.9.6";

const ROOT = pathText(new URL("../../", import.meta.url)).replace(/\/$/, "");
/** The folder holding the notebooks. */
export const NOTEBOOK_DIR = `${ROOT}/notebooks`;
const EXECUTE_PY = pathText(new URL("./execute.py", import.meta.url));

/** How to get Jupyter when it is missing. */
export const INSTALL_HINT =
  "install Jupyter's runner and classic Notebook: sudo apt-get install -y jupyter-nbconvert " +
  "python3-nbclient jupyter-notebook";

/** The Python that has nbclient (Debian's), overridable with LRC_PYTHON. */
export function python(): string {
  const fromEnv = Deno.env.get("LRC_PYTHON");
  if (fromEnv) return fromEnv;
  try {
    if (Deno.statSync("/usr/bin/python3").isFile) return "/usr/bin/python3";
  } catch { /* not Debian */ }
  return "python3";
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (error) {
    return { code: 127, stdout: "", stderr: (error as Error).message };
  }
}

/**
 * Why notebooks cannot be executed here, or `null` if they can.
 *
 * @returns A message naming what is missing and how to install it.
 */
export async function jupyterUnavailable(): Promise<string | null> {
  const py = python();
  const r = await run(py, ["-c", "import nbformat, nbclient, nbconvert, jupyter_client"]);
  if (r.code !== 0) {
    return `Jupyter's nbclient/nbconvert are not importable by ${py}; ${INSTALL_HINT}`;
  }
  return null;
}

/** The registered kernel and the Deno version it runs. */
export interface KernelInfo {
  /** The kernel's command line. */
  readonly argv: readonly string[];
  /** The Deno version its executable reports. */
  readonly denoVersion: string;
  /** Whether this call (re)installed it. */
  readonly installed: boolean;
}

async function kernelArgv(name: string): Promise<string[] | null> {
  const r = await run(python(), [
    "-c",
    "import json,sys\nfrom jupyter_client.kernelspec import KernelSpecManager\n" +
    "try:\n  print(json.dumps(KernelSpecManager().get_kernel_spec(sys.argv[1]).argv))\n" +
    "except Exception:\n  print('null')",
    name,
  ]);
  return r.code === 0 ? JSON.parse(r.stdout.trim() || "null") : null;
}

async function denoVersionOf(executable: string): Promise<string> {
  const r = await run(executable, ["--version"]);
  return /deno (\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? "unknown";
}

/**
 * Makes sure the Deno kernel is registered with Jupyter and runs the pinned Deno: registers it
 * (`deno jupyter --install --force`, with the Deno running this) when missing or when it runs
 * another version and this one is the pinned one.
 *
 * @param options `anyDeno` accepts a kernel of another Deno version.
 * @returns The kernel's command line and Deno version.
 * @throws {RangeError} If the kernel cannot be registered or runs another Deno version.
 */
export async function ensureKernel(options: { anyDeno?: boolean } = {}): Promise<KernelInfo> {
  let argv = await kernelArgv("deno");
  let installed = false;
  const current = Deno.version.deno;
  const needInstall = argv === null ||
    (await denoVersionOf(argv[0]) !== PINNED_DENO && current === PINNED_DENO);
  if (needInstall) {
    const r = await run(Deno.execPath(), ["jupyter", "--install", "--force"]);
    argv = await kernelArgv("deno");
    if (r.code !== 0 || argv === null) {
      throw new RangeError(
        `Cannot register the Deno kernel: 'deno jupyter --install --force' failed: ${r.stderr}`,
      );
    }
    installed = true;
  }
  const denoVersion = await denoVersionOf(argv![0]);
  if (denoVersion !== PINNED_DENO && !options.anyDeno) {
    throw new RangeError(
      `Cannot run notebooks: the Deno kernel runs Deno ${denoVersion} (${argv![0]}), but the ` +
        `notebooks are checked with Deno ${PINNED_DENO} (some releases reported failing cells ` +
        `as successful). Install it (npm install -g deno@${PINNED_DENO}) and run ` +
        "'deno jupyter --install --force' with it, or pass --any-deno.",
    );
  }
  return { argv: argv!, denoVersion, installed };
}

/** What a notebook needs beyond the repository, from its metadata `lrcompress.requires`. */
export function missingRequirements(notebook: { metadata?: Record<string, unknown> }): string[] {
  const meta = notebook.metadata?.lrcompress as { requires?: unknown } | undefined;
  const requires = meta?.requires ?? [];
  // A string would be read letter by letter ("unknown requirement 'f'").
  if (!Array.isArray(requires)) {
    return [`lrcompress.requires must be a list of names, got ${JSON.stringify(requires)}`];
  }
  const missing: string[] = [];
  for (const need of requires) {
    if (need === "fashion-mnist") {
      if (!hasFashionMnist()) {
        missing.push(
          "Fashion-MNIST (sudo apt-get install dataset-fashion-mnist, or LRC_FASHION_MNIST_DIR)",
        );
      }
    } else {
      missing.push(`unknown requirement '${need}'`);
    }
  }
  return missing;
}

/** Options for {@linkcode executeNotebook}. */
export interface ExecuteOptions {
  /** Folder for the executed notebook and the write-up. @default {notebooks/out} */
  outDir?: string;
  /** Also write the HTML write-up. @default {true} */
  html?: boolean;
  /** Seconds per cell before it counts as failed. @default {300} */
  timeout?: number;
  /** Kernel working directory. @default {the notebook's folder} */
  cwd?: string;
  /** Called with each line the executor prints, and the stream it printed it on. @default {none} */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/** The outcome of executing one notebook. */
export interface ExecuteResult {
  /** `"ok"` if every cell ran without error. */
  readonly status: "ok" | "failed";
  /** The executor's exit code: 0 ok, 1 a cell failed, 2 set-up failed. */
  readonly code: number;
  /** The executed notebook. */
  readonly notebookPath: string;
  /** The HTML write-up, if written. */
  readonly htmlPath: string | null;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** Code cells run, of how many. */
  readonly executed: number;
  readonly codeCells: number;
  /** Outputs the kernel sent after a cell's idle status, caught by the barrier. */
  readonly lateOutputsCaught: number;
  /** The error, if any. */
  readonly error: string;
}

/**
 * Executes one notebook with nbclient (notebooks/runner/execute.py) and writes the executed
 * notebook, and the HTML write-up, to the output folder.
 *
 * @param path The notebook.
 * @param options Output folder, HTML, timeout, working directory, progress lines.
 * @returns The outcome.
 */
export async function executeNotebook(
  path: string,
  options: ExecuteOptions = {},
): Promise<ExecuteResult> {
  const outDir = options.outDir ?? `${NOTEBOOK_DIR}/out`;
  await Deno.mkdir(outDir, { recursive: true });
  const base = path.replace(/^.*\//, "").replace(/\.ipynb$/, "");
  const notebookPath = `${outDir}/${base}.ipynb`;
  const htmlPath = options.html === false ? null : `${outDir}/${base}.html`;
  const args = [EXECUTE_PY, path, "--out-notebook", notebookPath];
  if (htmlPath) args.push("--out-html", htmlPath);
  if (options.cwd) args.push("--cwd", options.cwd);
  args.push("--timeout", String(options.timeout ?? 300));
  const child = new Deno.Command(python(), {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let summary: Record<string, number | string> = {};
  const readLines = async (
    stream: ReadableStream<Uint8Array>,
    sink: string[],
    name: "stdout" | "stderr",
  ) => {
    let buffer = "";
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      buffer += decoder.decode(bytes, { stream: true });
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith("RESULT ")) summary = JSON.parse(line.slice(7));
        else if (!/"deno jupyter" is unstable/.test(line)) {
          sink.push(line);
          options.onLine?.(line, name);
        }
      }
    }
    buffer += decoder.decode();
    if (buffer) {
      sink.push(buffer);
      options.onLine?.(buffer, name);
    }
  };
  const out: string[] = [], err: string[] = [];
  const [status] = await Promise.all([
    child.status,
    readLines(child.stdout, out, "stdout"),
    readLines(child.stderr, err, "stderr"),
  ]);
  const error = err.filter((l) => !/^\s*$/.test(l)).join("\n");
  return {
    status: status.code === 0 ? "ok" : "failed",
    code: status.code,
    notebookPath,
    htmlPath,
    seconds: Number(summary.seconds ?? NaN),
    executed: Number(summary.executed ?? 0),
    codeCells: Number(summary.code_cells ?? 0),
    lateOutputsCaught: Number(summary.late_outputs_caught ?? 0),
    error,
  };
}

/**
 * The notebooks to run: `notebooks/*.ipynb` by name.
 *
 * @param only Keep those whose file name contains one of these (all when empty).
 * @param dir The folder to look in.
 * @returns Their paths.
 */
export function listNotebooks(only: readonly string[] = [], dir: string = NOTEBOOK_DIR): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(entry.name);
  }
  return names.sort()
    .filter((n) => only.length === 0 || only.some((o) => n.includes(o)))
    .map((n) => `${dir}/${n}`);
}

const USAGE = `Usage: deno task notebooks [options]

Executes every notebook under notebooks/ through Jupyter (nbclient, Deno kernel) and writes the
executed notebooks and HTML write-ups to notebooks/out/. Exits 1 if any cell fails.

Options:
  --only TEXT     run only notebooks whose file name contains TEXT (repeatable)
  --dir DIR       run the notebooks in DIR instead of notebooks/ (kernel working directory: DIR)
  --out DIR       output folder (default notebooks/out, or DIR/out with --dir)
  --no-html       skip the HTML write-ups
  --timeout SEC   seconds per cell (default 300)
  --any-deno      accept a kernel that runs another Deno version than ${PINNED_DENO}
  --help          this text
`;

async function main(argv: string[]): Promise<number> {
  const only: string[] = [];
  let dir = NOTEBOOK_DIR, outDir: string | undefined, html = true, timeout = 300, anyDeno = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new RangeError(`Cannot parse options: ${a} needs a value`);
      return argv[++i];
    };
    if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else if (a === "--only") only.push(value());
    else if (a === "--out") outDir = value();
    else if (a === "--dir") dir = value().replace(/\/$/, "");
    else if (a === "--no-html") html = false;
    else if (a === "--any-deno") anyDeno = true;
    else if (a === "--timeout") {
      timeout = Number(value());
      if (!Number.isInteger(timeout) || timeout < 1) {
        throw new RangeError(`Cannot parse options: --timeout must be a positive integer`);
      }
    } else throw new RangeError(`Cannot parse options: unknown option '${a}'\n\n${USAGE}`);
  }
  const missing = await jupyterUnavailable();
  if (missing) {
    console.error(`Cannot run notebooks: ${missing}`);
    return 1;
  }
  const kernel = await ensureKernel({ anyDeno });
  if (kernel.installed) console.log(`Registered the Deno kernel: ${kernel.argv.join(" ")}`);
  outDir ??= `${dir}/out`;
  const notebooks = listNotebooks(only, dir);
  if (notebooks.length === 0) {
    console.error(`Cannot run notebooks: none under ${dir} match ${only.join(", ") || "*.ipynb"}`);
    return 1;
  }
  console.log(
    `Running ${notebooks.length} notebook(s) with Deno ${kernel.denoVersion}; output in ${outDir}`,
  );
  const rows: string[][] = [];
  let failed = 0;
  for (const path of notebooks) {
    const name = path.replace(/^.*\//, "");
    // A notebook that is not JSON is the executor's to refuse, naming it, like any other failure.
    let nb = {};
    try {
      nb = JSON.parse(await Deno.readTextFile(path));
    } catch { /* execute.py reports it */ }
    const needs = missingRequirements(nb);
    if (needs.length) {
      console.log(`\n${name}: skipped, needs ${needs.join(", ")}`);
      rows.push([name, "skipped", "", "", `needs ${needs.join(", ")}`]);
      continue;
    }
    console.log(`\n${name}`);
    const r = await executeNotebook(path, {
      outDir,
      html,
      timeout,
      // Each line once, as it comes, on the stream the executor used: the error of a failed
      // notebook was shown twice, streamed to stdout and then repeated on stderr.
      onLine: (line, stream) => stream === "stderr" ? console.error(line) : console.log(line),
    });
    if (r.status !== "ok") failed++;
    rows.push([
      name,
      r.status,
      `${r.executed}/${r.codeCells}`,
      Number.isFinite(r.seconds) ? r.seconds.toFixed(1) : "",
      r.status === "ok" ? r.htmlPath ?? r.notebookPath : r.notebookPath,
    ]);
  }
  const header = ["notebook", "status", "cells", "seconds", "output"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c])).join("  ").trimEnd();
  console.log(
    "\n" + [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)]
      .join("\n"),
  );
  if (failed) console.error(`\n${failed} notebook(s) failed`);
  return failed ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(
      error instanceof RangeError && /parse options/.test((error as Error).message) ? 2 : 1,
    );
  }
}
