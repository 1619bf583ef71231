/// <reference lib="dom" />
/**
 * The quick-start notebook in the classic Jupyter Notebook, as a user opens it: a notebook server
 * on loopback, headless Chromium, "run all cells", and the plotly charts drawn (their SVG
 * exists), with no cell in error. A screenshot is kept in tests/artifacts/.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { browserUnavailable, launchChromium, restrictNetwork } from "../_helpers/browser.ts";
import { isFigureCell, notebooksUnavailable, readNotebook } from "./_notebooks.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const NOTEBOOK = "01_quickstart.ipynb";
const ARTIFACTS = `${ROOT}/tests/artifacts`;

function serverUnavailable(): string | null {
  try {
    new Deno.Command("jupyter-notebook", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return null;
  } catch {
    return "jupyter-notebook not found (apt-get install -y jupyter-notebook)";
  }
}

const reason = (await notebooksUnavailable()) ?? serverUnavailable() ?? browserUnavailable();

/** A TCP port nothing listens on right now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Waits until the server answers its status API, or the process exits. */
async function waitForServer(url: string, token: string, server: Deno.ChildProcess) {
  let exited = false;
  server.status.then(() => (exited = true));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && !exited) {
    try {
      const r = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      await r.body?.cancel();
      if (r.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(exited ? "the notebook server exited" : "the notebook server did not start");
}

/**
 * A copy of the project's notebook in a temporary folder, with the library, data and deno.json
 * linked in, so that the server cannot save outputs into the committed notebook.
 */
async function workspace(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lrc-classic-" });
  try {
    await Deno.mkdir(`${dir}/notebooks`);
    await Deno.copyFile(`${ROOT}/notebooks/${NOTEBOOK}`, `${dir}/notebooks/${NOTEBOOK}`);
    await Deno.symlink(`${ROOT}/notebooks/data`, `${dir}/notebooks/data`);
    await Deno.symlink(`${ROOT}/lib`, `${dir}/lib`);
    await Deno.symlink(`${ROOT}/deno.json`, `${dir}/deno.json`);
    await Deno.copyFile(`${ROOT}/deno.lock`, `${dir}/deno.lock`);
    await Deno.mkdir(`${dir}/jupyter-config`);
    await Deno.mkdir(`${dir}/jupyter-runtime`);
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  return dir;
}

/** The notebook server's log had the Deno kernel's corrupted-message error. */
const INVALID_SIGNATURE = "Invalid Signature";

/**
 * One run: a fresh server, kernel and browser. Throws on any failed check; the error says
 * whether the server dropped a kernel message for an invalid signature.
 */
async function runInClassicNotebook(): Promise<void> {
  const dir = await workspace();
  const port = freePort();
  const token = crypto.randomUUID().replaceAll("-", "");
  const url = `http://127.0.0.1:${port}`;
  const server = new Deno.Command("jupyter-notebook", {
    args: [
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=0",
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${dir}`,
      // CI and these machines run as root, which the server refuses without this.
      ...(Deno.uid() === 0 ? ["--allow-root"] : []),
    ],
    env: {
      JUPYTER_CONFIG_DIR: `${dir}/jupyter-config`,
      JUPYTER_RUNTIME_DIR: `${dir}/jupyter-runtime`,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log: string[] = [];
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) log.push(dec.decode(chunk));
  };
  const logs = Promise.all([collect(server.stdout), collect(server.stderr)]);
  // Launched inside the try: a launch that fails still stops the server and removes the folder.
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    await waitForServer(url, token, server);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // Only the notebook server itself: no CDN, no network.
    const blocked = await restrictNetwork(
      page,
      (u) => u.startsWith(`${url}/`) || u.startsWith("data:") || u.startsWith("blob:"),
    );
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.goto(`${url}/notebooks/notebooks/${NOTEBOOK}?token=${token}`);
    await page.waitForFunction(
      () => {
        // deno-lint-ignore no-explicit-any
        const j = (globalThis as any).Jupyter;
        return j?.notebook?.kernel?.is_connected() &&
          j.notebook.kernel.info_reply?.status === "ok";
      },
      null,
      { timeout: 90_000 },
    );
    await page.evaluate(() => {
      // deno-lint-ignore no-explicit-any
      const nb = (globalThis as any).Jupyter.notebook;
      nb.set_autosave_interval(0);
      nb.execute_all_cells();
    });
    // Done when no code cell is queued or running and every one has a prompt number, or when
    // a cell shows an error (the rest are then not run).
    await page.waitForFunction(
      () => {
        // deno-lint-ignore no-explicit-any
        const cells = (globalThis as any).Jupyter.notebook.get_cells()
          // deno-lint-ignore no-explicit-any
          .filter((c: any) => c.cell_type === "code" && c.get_text().trim() !== "");
        // deno-lint-ignore no-explicit-any
        const failed = cells.some((c: any) =>
          // deno-lint-ignore no-explicit-any
          c.output_area.outputs.some((o: any) => o.output_type === "error")
        );
        // deno-lint-ignore no-explicit-any
        const done = cells.every((c: any) => typeof c.input_prompt_number === "number");
        return failed || done;
      },
      null,
      { timeout: 120_000, polling: 250 },
    );
    const source = await readNotebook(`${ROOT}/notebooks/${NOTEBOOK}`);
    const figureCells = source.cells.map((c, i) => (isFigureCell(c) ? i : -1))
      .filter((i) => i >= 0);
    // Charts are drawn by plotly.js shortly after their output arrives.
    await page.waitForFunction(
      (n) => document.querySelectorAll(".lrc-plotly .main-svg").length >= n,
      figureCells.length,
      { timeout: 60_000 },
    ).catch(() => {/* reported below */});
    const state = await page.evaluate((figures: number[]) => {
      // deno-lint-ignore no-explicit-any
      const cells = (globalThis as any).Jupyter.notebook.get_cells();
      return {
        // deno-lint-ignore no-explicit-any
        errors: cells.flatMap((c: any, i: number) =>
          c.cell_type === "code"
            ? c.output_area.outputs
              // deno-lint-ignore no-explicit-any
              .filter((o: any) => o.output_type === "error")
              // deno-lint-ignore no-explicit-any
              .map((o: any) => `cell ${i}: ${o.ename}: ${o.evalue}`)
            : []
        ),
        drawn: figures.map((i) =>
          cells[i].element[0].querySelectorAll(".lrc-plotly .main-svg").length > 0
        ),
        unexpected: document.querySelectorAll(".lrc-plotly").length,
      };
    }, figureCells);
    // The classic Notebook scrolls inside #site: let the page grow to the notebook's height
    // so that the screenshot shows every cell.
    await page.evaluate(() => {
      const site = document.getElementById("site");
      for (const el of [document.documentElement, document.body, site]) {
        if (!el) continue;
        el.style.height = "auto";
        el.style.overflow = "visible";
      }
    });
    await page.waitForTimeout(500);
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({
      path: `${ARTIFACTS}/classic_notebook_01_quickstart.png`,
      fullPage: true,
    });
    assert.deepEqual(state.errors, [], "cells errored");
    assert.deepEqual(state.drawn, figureCells.map(() => true), "a figure cell has no chart");
    assert.equal(state.unexpected, figureCells.length, "charts outside the figure cells");
    assert.deepEqual(blocked, [], "the page tried to reach the network");
    assert.deepEqual(pageErrors, []);
  } catch (error) {
    console.error(log.join("").slice(-4000));
    throw Object.assign(error as Error, {
      invalidSignature: log.join("").includes(INVALID_SIGNATURE),
    });
  } finally {
    await browser?.close();
    // Stop the kernels and the server through the API; then make sure the process is gone.
    try {
      const headers = { Authorization: `token ${token}` };
      const kernels = await (await fetch(`${url}/api/kernels`, { headers })).json();
      for (const k of kernels as { id: string }[]) {
        await (await fetch(`${url}/api/kernels/${k.id}`, { method: "DELETE", headers })).body
          ?.cancel();
      }
      await (await fetch(`${url}/api/shutdown`, { method: "POST", headers })).body?.cancel();
    } catch { /* already down */ }
    const stopped = await Promise.race([
      server.status.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 15_000)),
    ]);
    if (!stopped) {
      server.kill("SIGTERM");
      await server.status;
    }
    await logs;
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "the quick start runs in the classic Jupyter Notebook and draws its plotly charts" +
    (reason ? ` (skipped: ${reason})` : ""),
  ignore: reason !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      await runInClassicNotebook();
    } catch (error) {
      // The Deno kernel now and then sends a message whose HMAC signature does not verify; the
      // notebook server then logs "Invalid Signature" and drops it (one run of eight on 2026-11-28:
      // every figure output of a run lost, tables kept). That is the kernel's fault, not the
      // figures': one more run in a fresh server and kernel, which must pass on its own.
      if (!(error as { invalidSignature?: boolean }).invalidSignature) throw error;
      console.error(
        `retrying once: the notebook server dropped a kernel message (${INVALID_SIGNATURE})`,
      );
      await runInClassicNotebook();
    }
  },
});
