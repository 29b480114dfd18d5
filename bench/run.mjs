// `npm run bench`: measures create-kv-edge against create-vite, create-cloudflare
// and create-hono on this machine and writes the tables to bench/RESULTS.md.
//
//   node bench/run.mjs [--runs 5] [--scaffold-runs 15] [--slow-runs 3] [--only footprint,startup,...] [--out FILE]
//
// Sections: footprint, startup, first-prompt, scaffold, to-tests, project-test, kv-ops. It expects `npm run build`
// to have run (npm run bench does it). Nothing here asserts a time; a section that
// fails is reported in the table, and the exit code is 1 only if the run itself broke.

import { access, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bundleComposition } from "./bundle-composition.mjs";
import { measureFirstPrompt } from "./first-prompt.mjs";
import { localFootprint, publishedFootprint } from "./footprint.mjs";
import { measureKvOperations } from "./kv-ops.mjs";
import { OURS, PEERS } from "./peers.mjs";
import { measureProjectTest } from "./project-test.mjs";
import { run, stopAllChildren } from "./process.mjs";
import { renderReport } from "./report.mjs";
import { measureScaffold, PROJECT, withColdCompileCache } from "./scaffold.mjs";
import { measureStartup } from "./startup.mjs";
import { profileStartup } from "./startup-profile.mjs";
import { checkTargets } from "./targets.mjs";
import { measureTimeToTests } from "./to-tests.mjs";
import { binFile, createWorkDir, installPeers, removeWorkDir } from "./workdir.mjs";

const SECTIONS = ["footprint", "startup", "first-prompt", "scaffold", "to-tests", "project-test", "kv-ops"];
const REPO = fileURLToPath(new URL("..", import.meta.url));
/** Everything after this line in the results file is written by hand and kept across runs. */
const KEPT_MARKER = "<!-- Hand-written notes below this line are kept by bench/run.mjs. -->";

try {
  await main(readOptions(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(`bench: ${process.env.DEBUG ? error.stack : error.message}\n`);
  process.exitCode = 1;
}

async function main(options) {
  const workDir = await createWorkDir();
  process.on("SIGINT", () => {
    stopAllChildren();
    removeWorkDir(workDir).finally(() => process.exit(130));
  });
  try {
    const report = renderReport(await measure(options, workDir));
    process.stdout.write(report);
    await writeResults(options.out, report);
    process.stderr.write(`\nWritten to ${path.relative(process.cwd(), options.out)}\n`);
  } finally {
    await removeWorkDir(workDir);
  }
}

async function measure({ runs, scaffoldRuns, slowRuns, only }, workDir) {
  const step = (name) => {
    const enabled = only.includes(name);
    if (enabled) process.stderr.write(`bench: ${name}...\n`);
    return enabled;
  };
  const ours = { ...OURS, ours: true, packageDir: REPO, bin: await binFile(REPO) };
  await access(ours.bin).catch(() => {
    throw new Error(`${ours.bin} is missing: run \`npm run build\` first`);
  });
  process.stderr.write(`bench: installing ${PEERS.map((p) => `${p.name}@${p.version}`).join(", ")}...\n`);
  const peers = await installPeers(workDir, PEERS);
  const tools = [ours, ...peers].map((tool) => ({ ...tool, label: label(tool) }));
  const byName = (name) => tools.find((tool) => tool.name === name);
  const results = { machine: await describeMachine(), runs: { fast: runs, scaffold: scaffoldRuns, slow: slowRuns } };

  if (step("footprint")) {
    results.footprint = await footprintRows(tools, workDir);
    results.bundles = await bundleComposition(REPO);
  }
  if (step("startup")) {
    results.startup = await measureStartup({ ours, peers, runs, cwd: workDir });
    results.startupLoads = await profileStartup({ tools, workDir });
  }
  if (step("first-prompt")) {
    results.firstPrompt = await measureFirstPrompt({ packageDir: REPO, runs: slowRuns, workDir });
  }
  if (step("scaffold")) {
    const warm = byName(OURS.name);
    const compared = [warm, withColdCompileCache(warm), byName("create-vite")];
    results.scaffold = withCommands(await measureScaffold({ tools: compared, runs: scaffoldRuns, workDir }), compared, "scaffoldArgs");
  }
  if (step("to-tests")) {
    const pair = [byName(OURS.name), byName("create-cloudflare")];
    const rows = await measureTimeToTests({ tools: pair, runs: slowRuns, workDir });
    results.toTests = withCommands(rows, pair, "toTestsArgs");
  }
  if (step("project-test")) {
    results.projectTest = await measureProjectTest({ ours, runs: slowRuns, workDir }).catch((error) => ({
      summary: null,
      error: error.message,
    }));
  }
  if (step("kv-ops")) results.kvOps = await measureKvOperations({ repo: REPO });
  results.targets = checkTargets(results);
  return results;
}

async function footprintRows(tools, workDir) {
  const rows = [];
  for (const tool of tools) {
    try {
      const footprint = tool.ours
        ? await localFootprint(tool.packageDir)
        : await publishedFootprint(`${tool.name}@${tool.version}`, tool.packageDir, workDir);
      rows.push({ ...footprint, label: tool.label, ours: Boolean(tool.ours) });
    } catch (error) {
      rows.push({ label: tool.label, ours: Boolean(tool.ours), error: error.message });
    }
  }
  return rows;
}

/** Adds each row's tool label, ours flag and the exact command line it ran. */
function withCommands(rows, tools, argsKey) {
  return rows.map((row) => {
    const tool = tools.find((candidate) => candidate.name === row.tool);
    const env = tool.env ? `${Object.keys(tool.env("")).map((name) => `${name}=<new empty folder> `).join("")}` : "";
    const commandLine = `${env}node ${path.relative(tool.packageDir, tool.bin)} ${tool[argsKey](PROJECT).join(" ")}`;
    return { ...row, label: tool.label, ours: Boolean(tool.ours), commandLine };
  });
}

function label(tool) {
  return tool.ours ? `**${tool.name}** (this checkout)` : `${tool.name}@${tool.version}`;
}

async function describeMachine() {
  const cpus = os.cpus();
  const npm = await run("npm", ["--version"], { timeoutMs: 30_000 });
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown CPU",
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    npm: npm.stdout.trim() || "unknown",
  };
}

async function writeResults(file, report) {
  const previous = await readFile(file, "utf8").catch(() => "");
  const markerAt = previous.indexOf(KEPT_MARKER);
  const kept = markerAt === -1 ? `${KEPT_MARKER}\n` : previous.slice(markerAt);
  await writeFile(file, `${report}\n${kept}`);
}

function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string", default: "5" },
      // A scaffold takes about 0.15 s and single runs spread by ±20 %: a 5-run median moved the
      // ratio to create-vite by 0.3× from one run to the next, 15 runs keep it within about 0.1×.
      "scaffold-runs": { type: "string", default: "15" },
      "slow-runs": { type: "string", default: "3" },
      only: { type: "string", default: SECTIONS.join(",") },
      out: { type: "string", default: path.join(REPO, "bench", "RESULTS.md") },
    },
  });
  const only = values.only.split(",").map((name) => name.trim());
  const unknown = only.filter((name) => !SECTIONS.includes(name));
  if (unknown.length > 0) {
    throw new Error(`--only: unknown section ${unknown.join(", ")}; choose from ${SECTIONS.join(", ")}`);
  }
  return {
    runs: positiveInteger("--runs", values.runs),
    scaffoldRuns: positiveInteger("--scaffold-runs", values["scaffold-runs"]),
    slowRuns: positiveInteger("--slow-runs", values["slow-runs"]),
    only,
    out: path.resolve(values.out),
  };
}

function positiveInteger(flag, text) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a whole number ≥ 1, got "${text}"`);
  return value;
}
