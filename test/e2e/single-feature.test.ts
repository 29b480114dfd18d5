/**
 * Each feature on its own must make a complete project: only kv-store, keys and
 * that feature's files, and the project's tests, type check and deploy dry run pass.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chosenFiles, type ChoiceSettings } from "../../src/features/choices.js";
import { FEATURES } from "../../src/features/index.js";
import { cliEnv, runCli } from "../support/cli.js";
import { runIn } from "../support/project.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-single-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each(FEATURES.map((unit) => ({ feature: unit.id, unit })))("a project with only $feature", ({ feature, unit }) => {
  const project = () => path.join(root, `only-${feature}`);

  it("is scaffolded and installed", async () => {
    const result = await runCli([`only-${feature}`, "--features", feature, "--no-git", "--pm", "npm"], {
      cwd: root,
      env: cliEnv({ CI: "true" }),
      timeoutMs: 600_000,
    });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const lib = await readdir(path.join(project(), "src", "lib"));
    // Of a feature's backends, only the one the project records (ratelimit: durable-object by default).
    const { answers } = JSON.parse(await readFile(path.join(project(), ".kv-edge.json"), "utf8")) as { answers: ChoiceSettings };
    const libFiles = chosenFiles(unit, unit.files.lib, answers).map((file) => path.posix.basename(file));
    expect(lib.sort()).toEqual(["keys.ts", "kv-store.ts", ...libFiles].sort());
  });

  it("passes npm test, the type check and wrangler deploy --dry-run", async () => {
    for (const [command, args] of [
      ["npm", ["test"]],
      ["npm", ["run", "typecheck"]],
      ["npx", ["wrangler", "deploy", "--dry-run", "--outdir", path.join(project(), ".dry-run")]],
    ] as const) {
      const result = await runIn(project(), command, [...args]);
      expect(result.code, `${command} ${args.join(" ")}\n${result.output}`).toBe(0);
    }
  });
});
