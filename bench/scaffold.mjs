// Scaffold without install or git: ours with every feature against create-vite's
// vanilla-ts template, each run into a fresh folder that is removed afterwards.

import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { requireWritten, treeStats } from "./disk.mjs";
import { measureRounds } from "./measure.mjs";
import { describeFailure, run } from "./process.mjs";
import { cleanEnv } from "./workdir.mjs";

const SCAFFOLD_TIMEOUT_MS = 60_000;

/** `[{ tool, summary, error, filesWritten }]` for each tool, which must have `scaffoldArgs`. */
export async function measureScaffold({ tools, runs, workDir }) {
  const filesWritten = new Map();
  let attempt = 0;
  const measured = await measureRounds(tools, runs, async (tool) => {
    attempt += 1;
    const parent = path.join(workDir, "scaffold", `${tool.name}-${attempt}`);
    await mkdir(parent, { recursive: true });
    try {
      const args = [tool.bin, ...tool.scaffoldArgs("app")];
      const result = await run(process.execPath, args, {
        cwd: parent,
        env: cleanEnv(),
        timeoutMs: SCAFFOLD_TIMEOUT_MS,
      });
      if (result.exitCode !== 0) throw new Error(describeFailure("node", args, result));
      const project = path.join(parent, "app");
      await requireWritten(path.join(project, "package.json"), args.join(" "));
      filesWritten.set(tool.name, (await treeStats(project)).files);
      return result.ms;
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
