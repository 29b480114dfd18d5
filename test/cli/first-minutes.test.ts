/**
 * The first five minutes with the built CLI: the prompt refuses what the flags
 * refuse (an environment twice), "not empty" asks for another folder, the cache
 * patterns say what they do, --overwrite names only files whose bytes change, and
 * the summary fits 80 columns without a terminal, wrapped between words.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, interactiveCli, repoRoot, runCli } from "../support/cli.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-first-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("the first five minutes", () => {
  it("asks for another folder instead of giving up, describes the cache patterns, and refuses an environment twice", async () => {
    const cwd = path.join(root, "interactive");
    await mkdir(path.join(cwd, "taken"), { recursive: true });
    await writeFile(path.join(cwd, "taken", "notes.txt"), "mine");
    const cli = interactiveCli(["taken", "--features", "cache", "--pm", "npm"], { cwd });
    await cli.waitFor("taken is not empty");
    await cli.type("n");
    await cli.waitFor("Where should the project go?");
    await cli.type("fresh\r");
    await cli.waitFor("Which cache pattern");
    await cli.waitFor("serve stale at once, refresh in the background");
    await cli.type("\x1b[B");
    await cli.waitFor("refresh entries shortly before they expire");
    await cli.type("\r");
    await cli.waitFor("Customise the namespaces");
    await cli.type("n");
    await cli.waitFor("Extra wrangler environments");
    await cli.type("staging,staging\r");
    await cli.waitFor("staging is listed twice");
    await cli.type(`${"\x7f".repeat(15)}staging,qa\r`);
    await cli.waitFor("Install dependencies with npm?");
    await cli.type("n");
    await cli.waitFor("Initialize a git repository?");
    await cli.type("n");
    const result = await cli.exit();
    expect(result.code, result.stderr).toBe(0);
    expect(await readdir(path.join(cwd, "taken"))).toEqual(["notes.txt"]);
    const wrangler = await readFile(path.join(cwd, "fresh", "wrangler.jsonc"), "utf8");
    expect(wrangler.match(/"staging": \{/g)).toHaveLength(1);
    expect(wrangler).toContain('"qa": {');
    expect(await readFile(path.join(cwd, "fresh", "src", "config.ts"), "utf8")).toContain("refresh-ahead");
  }, 90_000);

  it("--overwrite lists only the files whose bytes change", async () => {
    const target = path.join(root, "existing");
    await mkdir(target);
    // The same .gitignore the template writes, and a README of the user's own.
    await copyFile(path.join(repoRoot, "templates", "default", "_gitignore"), path.join(target, ".gitignore"));
    await writeFile(path.join(target, "README.md"), "my notes\n");
    const result = await runCli(["existing", "--yes", "--overwrite", "--no-install", "--no-git", "--features", "cache"], {
      cwd: root,
      env: cliEnv({ CI: "true" }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("Replaced existing files: README.md\n");
  });

  it("without a terminal the summary fits 80 columns, wrapped between words", async () => {
    const result = await runCli(["summary-app", "--yes", "--no-install", "--no-git", "--envs", "staging,production"], {
      cwd: root,
      env: cliEnv({ CI: "true" }),
    });
    expect(result.code, result.stderr).toBe(0);
    const summary = result.stdout.slice(result.stdout.indexOf("KV namespaces"));
    for (const line of summary.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
    // The long closing sentence is all there, every word whole.
    const words = summary.replace(/\s+/g, " ");
    expect(words).toContain(
      "The first deploy creates the KV namespaces. To create them now and pin their IDs in wrangler.jsonc: npm run kv:namespaces (after `wrangler login` or with CLOUDFLARE_API_TOKEN set).",
    );
  });
});
