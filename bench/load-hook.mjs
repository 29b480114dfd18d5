// Preloaded with `node --import` by startup-profile.mjs: records every file that
// start-up loads (ESM imports and CommonJS requires alike) and, at exit, writes
// the list of their paths as JSON to the file named by BENCH_LOAD_LOG.

import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith("file:")) loaded.add(fileURLToPath(url));
    return nextLoad(url, context);
  },
});
process.on("exit", () => {
  writeFileSync(process.env.BENCH_LOAD_LOG, JSON.stringify([...loaded]));
});
