#!/usr/bin/env node
// The bin shim: check Node first (plain syntax only, so old Node can run it), then load the bundle.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `create-kv-edge needs Node.js 22.12 or newer (wrangler, miniflare and vitest do too); this is Node.js ${process.versions.node}. Install a current Node.js from https://nodejs.org and run it again.`,
  );
  process.exit(1);
}
// Node keeps the compiled bundle on disk, so later runs skip parsing it (about 10 ms).
// Only when the temporary folder exists: Node 22 never returns from making its cache
// folder under some paths that do not (TMPDIR=/proc/nope).
const { enableCompileCache } = process.getBuiltinModule("node:module");
const { statSync } = process.getBuiltinModule("node:fs");
const { tmpdir } = process.getBuiltinModule("node:os");
if (statSync(tmpdir(), { throwIfNoEntry: false })?.isDirectory()) enableCompileCache();
const { main } = await import("./dist/cli.js");
// Exit explicitly: a prompt may leave stdin open, which would keep the process alive.
process.exit(await main(process.argv.slice(2)));
