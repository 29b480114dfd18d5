// Time to a project whose tests pass: scaffold (which installs) and then the new
// project's own `npm test`, with the same warm npm cache for everyone (the warm-up
// round fills it). Also what the install left on disk: node_modules size and how
// many workerd binaries (about 150 MB each) it holds.

import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { largestPackages, treeStats } from "./disk.mjs";
import { measureRounds } from "./measure.mjs";
import { describeFailure, run } from "./process.mjs";
import { summarize } from "./stats.mjs";
import { runScaffolder } from "./scaffold.mjs";
import { cleanEnv } from "./workdir.mjs";

const SCAFFOLD_AND_INSTALL_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 300_000;

/**
 * `[{ tool, summary, scaffold, test, nodeModules, error }]` for each tool, which
 * must have `toTestsArgs`: `summary` is the whole time, `scaffold` and `test` its
 * two parts, `nodeModules` the `{ files, bytes, workerdBinaries }` of its install
 * and `largestPackages` what takes the most room in it.
 */
export async function measureTimeToTests({ tools, runs, workDir }) {
  const parts = new Map(
    tools.map((tool) => [tool.name, { scaffold: [], test: [], nodeModules: null, largestPackages: [] }]),
  );
  let attempt = 0;
  const measured = await measureRounds(tools, runs, async (tool, { warmup }) => {
    attempt += 1;
    const parent = path.join(workDir, "to-tests", `${tool.name}-${attempt}`);
    await mkdir(parent, { recursive: true });
    try {
      const scaffolded = await runScaffolder(tool, "toTestsArgs", parent, SCAFFOLD_AND_INSTALL_TIMEOUT_MS);
      const { project } = scaffolded;
      // CI=true: vitest runs once instead of watching, for every project alike.
      const tested = await run("npm", ["test"], {
        cwd: project,
        env: cleanEnv({ CI: "true" }),
        timeoutMs: TEST_TIMEOUT_MS,
      });
      if (tested.exitCode !== 0) throw new Error(describeFailure("npm", ["test"], tested));
      const toolParts = parts.get(tool.name);
      const nodeModules = path.join(project, "node_modules");
      toolParts.nodeModules = await treeStats(nodeModules);
      toolParts.largestPackages = await largestPackages(nodeModules, 6);
      if (!warmup) {
        toolParts.scaffold.push(scaffolded.ms);
        toolParts.test.push(tested.ms);
      }
      return scaffolded.ms + tested.ms;
    } finally {
      await rm(parent, { recursive: true, force: true, maxRetries: 3 });
    }
  });
  return tools.map((tool, index) => {
    const toolParts = parts.get(tool.name);
    return {
      tool: tool.name,
      ...measured[index],
      scaffold: summarize(toolParts.scaffold),
      test: summarize(toolParts.test),
      nodeModules: toolParts.nodeModules,
      largestPackages: toolParts.largestPackages,
    };
  });
}
