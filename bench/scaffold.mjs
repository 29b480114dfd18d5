// Scaffold without install or git: ours with every feature against create-vite's
// vanilla-ts template, each run into a fresh folder that is removed afterwards.

import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { requireWritten, treeStats } from "./disk.mjs";
import { measureRounds } from "./measure.mjs";
import { describeFailure, run } from "./process.mjs";
import { cleanEnv } from "./workdir.mjs";

const SCAFFOLD_TIMEOUT_MS = 60_000;
/** The project folder every scaffolder is asked to create, inside a fresh parent folder. */
export const PROJECT = "app";

/**
 * Our CLI as a user's first run of a version meets it: index.js turns on Node's compile
 * cache (module.enableCompileCache), which keeps V8's code for our chunks across runs
 * (in the OS temp folder); here every run gets a new, empty cache folder.
 */
export function withColdCompileCache(tool) {
  return {
    ...tool,
    name: `${tool.name} (cold compile cache)`,
    label: `${tool.label}, cold compile cache`,
    env: (parent) => ({ NODE_COMPILE_CACHE: path.join(parent, "compile-cache") }),
  };
}

/** `[{ tool, summary, error, filesWritten }]` for each tool, which must have `scaffoldArgs`. */
export async function measureScaffold({ tools, runs, workDir }) {
  const filesWritten = new Map();
  let attempt = 0;
  const measured = await measureRounds(tools, runs, async (tool) => {
    attempt += 1;
    const parent = path.join(workDir, "scaffold", `${tool.name}-${attempt}`);
    await mkdir(parent, { recursive: true });
    try {
      const { ms, project } = await runScaffolder(tool, "scaffoldArgs", parent, SCAFFOLD_TIMEOUT_MS);
      filesWritten.set(tool.name, (await treeStats(project)).files);
      return ms;
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
  return tools.map((tool, index) => ({
    tool: tool.name,
    ...measured[index],
    filesWritten: filesWritten.get(tool.name) ?? null,
  }));
}

/**
 * Runs `node <tool's bin> ...tool[argsKey](PROJECT)` in `parent`, which must create
 * `parent/app` with a package.json in it. Resolves to `{ ms, project }`; throws with
 * the tool's output when it fails or writes no project.
 */
export async function runScaffolder(tool, argsKey, parent, timeoutMs) {
  const command = [tool.bin, ...tool[argsKey](PROJECT)];
  const result = await run(process.execPath, command, { cwd: parent, env: cleanEnv(tool.env?.(parent)), timeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure("node", command, result));
  const project = path.join(parent, PROJECT);
  await requireWritten(path.join(project, "package.json"), command.join(" "));
  return { ms: result.ms, project };
}
