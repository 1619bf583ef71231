import assert from "node:assert/strict";
import { buildKernels, generatedModule } from "../../lib/kernels/build.ts";

Deno.test("the committed wasm module matches a fresh build of the AssemblyScript sources", async () => {
  const fresh = generatedModule(await buildKernels());
  const committed = await Deno.readTextFile(
    new URL("../../lib/kernels/wasm/modules.ts", import.meta.url),
  );
  assert.ok(
    fresh === committed,
    "lib/kernels/wasm/modules.ts is stale: run `deno task build:wasm` and commit the result",
  );
});
