/**
 * `deno task bench:cores`: how much CPU this process really gets from two threads. One worker,
 * then two, each count loop iterations for one second; if two workers each count about half
 * of what one counts alone, the scheduler is giving the process one core (other sessions are
 * busy), and no multi-threaded timing taken at that moment can show a speed-up.
 *
 * @module
 */

import { benchArgs } from "./_args.ts";

const json = benchArgs(
  "bench:cores",
  "How much CPU this process gets from two threads (one worker, then two, one second each).",
  {},
).flag("json");

const code = "self.onmessage = () => { const t = performance.now(); let x = 0; " +
  "while (performance.now() - t < 1000) x++; self.postMessage(x); };";
const url = "data:text/javascript," + encodeURIComponent(code);

async function spin(n: number): Promise<number[]> {
  const workers = Array.from({ length: n }, () => new Worker(url, { type: "module" }));
  const counts = await Promise.all(
    workers.map((w) =>
      new Promise<number>((resolve) => {
        w.onmessage = (e) => resolve(e.data);
        w.postMessage(0);
      })
    ),
  );
  workers.forEach((w) => w.terminate());
  return counts;
}

const one = await spin(1), two = await spin(2);
const row = {
  bench: "cores",
  oneThreadIterations: one[0],
  twoThreadIterations: two,
  effectiveCores: (two[0] + two[1]) / one[0],
  loadAverage: Deno.loadavg()[0],
};
if (json) console.log(JSON.stringify(row));
else {
  console.log(
    `one worker: ${(one[0] / 1e6).toFixed(1)} M iterations/s; two workers: ${
      two.map((c) => (c / 1e6).toFixed(1)).join(" + ")
    } M; effective cores ${row.effectiveCores.toFixed(2)} (load average ${
      row.loadAverage.toFixed(2)
    })`,
  );
}
