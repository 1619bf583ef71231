/**
 * The plotly.js bundle, read from the npm package pinned in deno.json (`plotly.js-dist-min`).
 * The only module that touches that package.
 *
 * @module
 */

/** The plotly.js source and its version. */
export interface PlotlyJs {
  /** The minified bundle, as JavaScript source. */
  readonly source: string;
  /** The version in the bundle's header, e.g. `"4.1.2"`. */
  readonly version: string;
}

let cached: Promise<PlotlyJs> | undefined;

/**
 * Loads the plotly.js bundle (about 4.8 MB of JavaScript) once per process.
 *
 * @returns The source and its version.
 * @throws {TypeError} If the package cannot be read (not installed and no registry).
 *
 * @example Read the version
 * ```ts
 * import { loadPlotlyJs } from "./plotly_js.ts";
 * import assert from "node:assert/strict";
 *
 * const { version } = await loadPlotlyJs();
 * assert.match(version, /^\d+\.\d+\.\d+$/);
 * ```
 */
export function loadPlotlyJs(): Promise<PlotlyJs> {
  cached ??= import("plotly.js-dist-min/plotly.min.js", { with: { type: "text" } }).then(
    (module) => {
      const source: string = module.default;
      const version = /plotly\.js v(\d+\.\d+\.\d+)/.exec(source.slice(0, 300))?.[1] ?? "unknown";
      return { source, version };
    },
    (error) => {
      cached = undefined;
      throw new TypeError(
        `Cannot load plotly.js: the npm package plotly.js-dist-min could not be read (${
          (error as Error).message
        })`,
        { cause: error },
      );
    },
  );
  return cached;
}
