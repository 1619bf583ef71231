/**
 * Headless Chromium for tests: Debian's /usr/bin/chromium driven by playwright-core.
 *
 * @module
 */

import { type Browser, chromium, type Page } from "playwright-core";

/** Where Debian installs Chromium. */
export const CHROMIUM = Deno.env.get("LRC_CHROMIUM") ?? "/usr/bin/chromium";

/** The flags every test launches Chromium with. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Why browser tests cannot run here, or `null` if they can. */
export function browserUnavailable(): string | null {
  try {
    if (!Deno.statSync(CHROMIUM).isFile) return `${CHROMIUM} is not a file`;
  } catch {
    return `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;
  }
  return null;
}

/**
 * Launches headless Chromium.
 *
 * @returns The browser; close it when done.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/**
 * How long a page may take to load a local page: the write-ups inline plotly.js (3.5 MB) and
 * their figures, and on a busy 2-core machine one took over Playwright's default 30 s to fire
 * `load` (a test run beside other work). A bound against hangs, not a speed check.
 */
export const PAGE_LOAD_TIMEOUT = 180_000;

/**
 * Lets a page load only `allowed(url)` URLs and records every other request it tried.
 *
 * @param page The page.
 * @param allowed Which URLs may load.
 * @returns The blocked URLs, filled in as the page runs.
 */
export async function restrictNetwork(
  page: Page,
  allowed: (url: string) => boolean,
): Promise<string[]> {
  const blocked: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return blocked;
}

/** Only files and inline data: no network at all. */
export const OFFLINE = (url: string): boolean =>
  url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:");
