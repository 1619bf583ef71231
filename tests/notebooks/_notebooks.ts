/**
 * Helpers for the notebook tests: availability, reading executed notebooks.
 *
 * @module
 */

import { ensureKernel, jupyterUnavailable } from "../../notebooks/runner/run.ts";

/** An output of a notebook cell, as nbformat stores it. */
export interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  name?: string;
  ename?: string;
  evalue?: string;
}

/** A cell, as nbformat stores it. */
export interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: Output[];
}

/** A notebook, as nbformat stores it. */
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
}

/** nbformat joins multi-line strings as arrays of lines. */
export function joined(v: unknown): string {
  return Array.isArray(v) ? v.join("") : String(v ?? "");
}

/** Reads a notebook file. */
export async function readNotebook(path: string): Promise<Notebook> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** Whether a cell is tagged as drawing a figure. */
export function isFigureCell(cell: Cell): boolean {
  return cell.cell_type === "code" && (cell.metadata.tags ?? []).includes("figure");
}

/**
 * Why notebooks cannot run here (Jupyter missing, kernel not registrable), or `null`.
 * Registers the Deno kernel when it is missing, as `deno task notebooks` does.
 */
export async function notebooksUnavailable(): Promise<string | null> {
  const missing = await jupyterUnavailable();
  if (missing) return missing;
  try {
    await ensureKernel();
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

const ROOT = new URL("../../", import.meta.url);

async function copyTree(from: URL, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(new URL(`${entry.name}/`, from), `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(new URL(entry.name, from), `${to}/${entry.name}`);
  }
}

/**
 * Copies what the notebook runner and formatter need (the configuration, `lib/` and
 * `notebooks/runner/`) into a new folder whose path holds a space, with an empty `notebooks/`.
 *
 * @returns The copy's root folder; the caller removes its parent folder (a failed copy is removed
 *   here).
 */
export async function runnerCheckoutWithSpace(): Promise<string> {
  const parent = await Deno.makeTempDir({ prefix: "lrc-" });
  const root = `${parent}/a checkout`;
  try {
    for (const file of ["deno.json", "deno.lock"]) {
      await Deno.mkdir(root, { recursive: true });
      await Deno.copyFile(new URL(file, ROOT), `${root}/${file}`);
    }
    await copyTree(new URL("lib/", ROOT), `${root}/lib`);
    await copyTree(new URL("notebooks/runner/", ROOT), `${root}/notebooks/runner`);
  } catch (error) {
    await Deno.remove(parent, { recursive: true });
    throw error;
  }
  return root;
}
