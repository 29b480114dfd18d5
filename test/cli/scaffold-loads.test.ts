/**
 * What the built CLI loads for a scaffold. A scaffold from the built-in template runs
 * only precompiled templates on Handlebars' runtime: it must not load the compiler, nor
 * the code of prompts, installs, downloads, add or update. A fork's templates must
 * still be compiled at run time (template-fork.test.ts proves they render the same).
 * Nor does it hash anything with node:crypto: the build hashed the built-in template.
 * A module hook, preloaded with --import, prints every dist/ file Node loads and every
 * sha256 or random bytes node:crypto makes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliEnv, runCli } from "../support/cli.js";
import { manifestJson, writeFolder } from "../support/template-fixture.js";

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-loads-"));
  await writeFile(
    join(scratch, "print-loads.mjs"),
    `import { registerHooks } from "node:module";
registerHooks({
  load(url, context, next) {
    const file = /\\/dist\\/([^/]+\\.js)$/.exec(url)?.[1];
    if (file) process.stderr.write(\`loads \${file}\\n\`);
    return next(url, context);
  },
});
const crypto = process.getBuiltinModule("node:crypto");
for (const name of ["createHash", "randomBytes"]) {
  const original = crypto[name];
  crypto[name] = function (...args) {
    process.stderr.write(\`crypto \${name}\\n\`);
    return original.apply(this, args);
  };
}
`,
  );
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** The dist/ files a run loaded, without their content hash ("create", "chunk", "compile"), and its node:crypto calls. */
async function loadedBy(args: string[]): Promise<{ files: string[]; crypto: string[] }> {
  const env = cliEnv({ NODE_OPTIONS: `--import=${join(scratch, "print-loads.mjs")}`, CI: "1" });
  const result = await runCli(args, { cwd: scratch, env, timeoutMs: 30_000 });
  expect(result.code, result.stderr).toBe(0);
  const files = [...result.stderr.matchAll(/^loads (.+)\.js$/gm)].map((match) => (match[1] ?? "").replace(/-[A-Z0-9]{8}$/, ""));
  expect(files).toContain("create");
  return { files, crypto: [...result.stderr.matchAll(/^crypto (\w+)$/gm)].map((match) => match[1] ?? "") };
}

describe("a scaffold loads only what it runs", () => {
  it("from the built-in template: neither the compiler nor prompts, execa, giget, add or update, and no hashing", async () => {
    const { files, crypto } = await loadedBy(["app", "--yes", "--no-install", "--no-git"]);
    for (const lazy of ["compile", "prompts", "execa", "dist", "tar", "add", "update"]) expect(files).not.toContain(lazy);
    expect(crypto).toEqual([]);
  });

  it("from a fork: the compiler, for the fork's .hbs files", async () => {
    await writeFolder(join(scratch, "fork"), { "template.json": manifestJson(), "package.json.hbs": '{ "name": {{json projectName}} }\n' });
    const { files, crypto } = await loadedBy(["app", "--yes", "--no-install", "--no-git", "--template", "./fork", "--var", "team=edge"]);
    expect(files).toContain("compile");
    // The record's digest of a fork is a sha256 of its files.
    expect(crypto).toContain("createHash");
  });
});
