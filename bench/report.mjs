// Renders one benchmark run as Markdown: the machine, one table per measurement
// with ratios of ours to each peer, the targets, and every failure with the end of
// its output.

import { sizeByTopLevelEntry } from "./footprint.mjs";
import { formatBytes, formatMs, formatRatio, formatSummary } from "./format.mjs";
import { ratio } from "./stats.mjs";

export function renderReport(results) {
  const sections = [
    "# create-kv-edge benchmark results",
    renderMachine(results.machine, results.runs),
    results.footprint && renderFootprint(results.footprint),
    results.startup && renderStartup(results.startup),
    (results.bundles || results.startupLoads) && renderProfile(results.bundles, results.startupLoads),
    results.firstPrompt && renderFirstPrompt(results.firstPrompt),
    results.scaffold && renderScaffold(results.scaffold),
    results.toTests && renderToTests(results.toTests, results.runs.slow),
    results.projectTest && renderProjectTest(results.projectTest, results.toTests),
    results.kvOps && renderKvOps(results.kvOps),
    renderTargets(results.targets),
    renderFailures(results),
  ];
  return `${sections.filter(Boolean).join("\n\n")}\n`;
}

function renderMachine(machine, runs) {
  return [
    `Run on ${machine.date} by \`node bench/run.mjs\`: ${machine.cpuCount} × ${machine.cpuModel},`,
    `${machine.memoryGb} GB memory, ${machine.os}, Node ${machine.node}, npm ${machine.npm}.`,
    `Times are wall-clock medians with (min–max) over ${runs.fast} runs after one warm-up`,
    `(${runs.scaffold ?? runs.fast} for the scaffold, ${runs.slow} for time to passing tests). The machine was shared with other work, so`,
    "single runs are noisy; nothing here is asserted.",
  ].join("\n");
}

function renderFootprint(rows) {
  const ours = rows.find((row) => row.ours);
  const lines = [
    "## 1. Package footprint (`npm pack --dry-run`)",
    "",
    "| package | packed | unpacked | files | runtime deps | ours ÷ this (packed / unpacked) |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    if (row.error) {
      lines.push(`| ${row.label} | failed: ${oneLine(row.error)} | | | | |`);
      continue;
    }
    const ratios = row.ours
      ? "–"
      : `${formatRatio(ratio(ours?.packedBytes, row.packedBytes))} / ${formatRatio(ratio(ours?.unpackedBytes, row.unpackedBytes))}`;
    lines.push(
      `| ${row.label} | ${formatBytes(row.packedBytes)} | ${formatBytes(row.unpackedBytes)} | ${row.fileCount} | ${row.runtimeDependencies} | ${ratios} |`,
    );
  }
  if (ours?.files) {
    const parts = sizeByTopLevelEntry(ours.files)
      .map(({ entry, bytes }) => `\`${entry}\` ${formatBytes(bytes)}`)
      .join(", ");
    lines.push("", `What create-kv-edge's package is made of (unpacked): ${parts}.`);
  }
  return lines.join("\n");
}

function renderStartup(rows) {
  const oursHelp = rows.find((row) => row.command === "create-kv-edge --help")?.summary?.median;
  return renderTimes(
    "## 2. Start-up (`node <bin> <flag>`)",
    "command",
    rows.map((row) => ({ ...row, label: row.command, ours: row.command.startsWith("create-kv-edge") })),
    (row) => (row.ours ? "–" : formatRatio(ratio(oursHelp, row.summary?.median))),
    "ours ÷ this (`--help`)",
  );
}

function renderProfile(bundles, startupLoads) {
  const lines = ["## Profile: what start-up loads, what our bundle holds"];
  if (startupLoads) {
    lines.push(
      "",
      "Files each `--help` loads before it prints (recorded by bench/load-hook.mjs):",
      "",
      "| tool | files loaded | bytes loaded | largest |",
      "|---|---:|---:|---|",
    );
    for (const load of startupLoads) {
      if (load.error) {
        lines.push(`| ${load.tool} | failed: ${oneLine(load.error)} | | |`);
        continue;
      }
      const largest = load.largest.map(({ file, bytes }) => `\`${file}\` ${formatBytes(bytes)}`).join(", ");
      lines.push(`| ${load.tool} | ${load.files} | ${formatBytes(load.bytes)} | ${largest} |`);
    }
  }
  if (bundles) {
    const parts = bundles.parts.slice(0, 10).map(({ owner, bytes }) => `${owner} ${formatBytes(bytes)}`);
    lines.push(
      "",
      `\`dist/cli.js\` and its chunks are ${formatBytes(bundles.shippedBytes)}; an in-memory rebuild with the same settings (${formatBytes(bundles.rebuiltBytes)}) attributes it as: ${parts.join(", ")}.`,
    );
  }
  return lines.join("\n");
}

function renderFirstPrompt({ cold, warm, error, tarball }) {
  const lines = [
    "## 2b. From `npm create` to the first prompt (packed tarball)",
    "",
    `\`npm exec --yes --cache <dir> --package ${tarball ?? "<tarball>"} -- create-kv-edge --interactive\`, stopped at the first question.`,
    "Cold: a new, empty npm cache; warm: the same cache again.",
    "",
    "| npm cache | median | min | max | runs |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const [label, summary] of [["cold", cold], ["warm", warm]]) {
    lines.push(
      summary
        ? `| ${label} | ${formatMs(summary.median)} | ${formatMs(summary.min)} | ${formatMs(summary.max)} | ${summary.runs} |`
        : `| ${label} | failed: ${oneLine(error ?? "no run")} | | | |`,
    );
  }
  return lines.join("\n");
}

function renderProjectTest({ summary, error, testFiles, tests, split }, toTests) {
  const c3Test = toTests?.find((row) => row.tool === "create-cloudflare")?.test?.median;
  const lines = [
    "## 4b. The generated project's `npm test` (all features)",
    "",
    "One scaffolded and installed project; one warm-up run, then the counted runs.",
    "",
    "| project | median | min | max | runs | test files | tests | ours ÷ create-cloudflare's `npm test` |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  lines.push(
    summary
      ? `| create-kv-edge, all features | ${formatMs(summary.median)} | ${formatMs(summary.min)} | ${formatMs(summary.max)} | ${summary.runs} | ${testFiles ?? "?"} | ${tests ?? "?"} | ${formatRatio(ratio(summary.median, c3Test))} |`
      : `| create-kv-edge, all features | failed: ${oneLine(error ?? "no run")} | | | | | | |`,
  );
  if (split?.startUp) {
    const median = (part) => formatMs(split[part].median);
    lines.push(
      "",
      `Where a run's time goes (medians, from vitest's JSON report): ${median("startUp")} from \`npm test\` to the first test file ` +
        `(npm, vitest and its config with the Workers plugin, reading wrangler.jsonc, starting workerd), ` +
        `${median("testFiles")} running the test files (the tests' own durations add up to ${median("testDurations")}), ` +
        `${median("afterTests")} after the last file until exit.`,
      "",
      `Slowest tests of the last run: ${split.slowest.map((test) => `${test.file} "${test.title}" ${formatMs(test.ms)}`).join("; ")}.`,
    );
  }
  return lines.join("\n");
}

function renderScaffold(rows) {
  const oursMedian = rows.find((row) => row.ours)?.summary?.median;
  const table = renderTimes(
    "## 3. Scaffold without install or git",
    "tool",
    rows.map((row) => ({ ...row, label: `${row.label} (${row.filesWritten ?? "?"} files)` })),
    (row) => (row.ours ? "–" : formatRatio(ratio(oursMedian, row.summary?.median))),
    "ours ÷ this",
  );
  return `${table}\n\n${renderCommands(rows, "")}`;
}

function renderTimes(title, firstColumn, rows, ratioOf, ratioTitle) {
  const lines = [
    title,
    "",
    `| ${firstColumn} | median | min | max | runs | ${ratioTitle} |`,
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    if (!row.summary) {
      lines.push(`| ${row.label} | failed: ${oneLine(row.error)} | | | | |`);
      continue;
    }
    const { median, min, max, runs } = row.summary;
    lines.push(
      `| ${row.label} | ${formatMs(median)} | ${formatMs(min)} | ${formatMs(max)} | ${runsCell(runs, row)} | ${ratioOf(row)} |`,
    );
  }
  return lines.join("\n");
}

function renderToTests(rows, runs) {
  const ours = rows.find((row) => row.ours);
  const lines = [
    "## 4. Time to a project whose tests pass (scaffold + install + `npm test`)",
    "",
    `${runs} run(s) each after one warm-up that fills the npm cache for both.`,
    "",
    "| tool | total | scaffold + install | `npm test` | node_modules | workerd binaries | ours ÷ this (time / node_modules) |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    if (!row.summary) {
      lines.push(`| ${row.label} | failed: ${oneLine(row.error)} | | | | | |`);
      continue;
    }
    const ratios = row.ours
      ? "–"
      : `${formatRatio(ratio(ours?.summary?.median, row.summary.median))} / ${formatRatio(ratio(ours?.nodeModules?.bytes, row.nodeModules.bytes))}`;
    lines.push(
      `| ${row.label} | ${formatSummary(row.summary)} over ${runsCell(row.summary.runs, row)} | ${formatSummary(row.scaffold)} | ${formatSummary(row.test)} | ${formatBytes(row.nodeModules.bytes)} | ${row.nodeModules.workerdBinaries} | ${ratios} |`,
    );
  }
  lines.push("", renderCommands(rows, " then `npm test`"), "", "Largest packages in each node_modules:");
  for (const row of rows.filter((candidate) => candidate.largestPackages.length > 0)) {
    const packages = row.largestPackages.map(({ name, bytes }) => `${name} ${formatBytes(bytes)}`);
    lines.push(`- ${row.label}: ${packages.join(", ")}`);
  }
  return lines.join("\n");
}

function renderKvOps(kvOps) {
  const lines = ["## 5. KV operations per toolkit operation (counting wrapper, in workerd)", ""];
  if (kvOps.error) return [...lines, `Not measured: ${kvOps.error}`].join("\n");
  lines.push(
    "| operation | reads | writes | deletes | lists | total | budget (issue 3) | within |",
    "|---|---:|---:|---:|---:|---:|---|---|",
  );
  for (const row of kvOps.rows) {
    const { reads, writes, deletes, lists } = row.counts;
    const total = reads + writes + deletes + lists;
    lines.push(
      `| ${row.operation} | ${reads} | ${writes} | ${deletes} | ${lists} | ${total} | ${row.budget} | ${row.withinBudget ? "yes" : "**no**"} |`,
    );
  }
  if (kvOps.missing.length > 0) {
    lines.push("", `Not measured, module not on this branch: ${kvOps.missing.map((file) => `\`${file}\``).join(", ")}.`);
  }
  return lines.join("\n");
}

function renderTargets(targets) {
  const lines = ["## Targets (issue 13)", "", "| target | measured | met |", "|---|---:|---|"];
  for (const { target, measured, met } of targets) {
    lines.push(`| ${target} | ${measured} | ${met === null ? "–" : met ? "yes" : "**no**"} |`);
  }
  return lines.join("\n");
}

/** Which command each row ran, in its own folder. */
function renderCommands(rows, suffix) {
  return rows.map((row) => `- ${row.label}: \`${row.commandLine}\`${suffix}`).join("\n");
}

/** Every failure of the run, with the end of the failing command's output. */
function renderFailures(results) {
  const failures = [
    ...(results.footprint ?? []).map((row) => ({ where: "footprint", label: row.label, error: row.error })),
    ...(results.startup ?? []).map((row) => ({ where: "start-up", label: row.command, error: row.error })),
    ...(results.startupLoads ?? []).map((row) => ({ where: "start-up profile", label: row.tool, error: row.error })),
    ...(results.scaffold ?? []).map((row) => ({ where: "scaffold", label: row.label, error: row.error })),
    ...(results.toTests ?? []).map((row) => ({ where: "time to tests", label: row.label, error: row.error })),
    { where: "first prompt", label: "npm exec of the tarball", error: results.firstPrompt?.error },
    { where: "generated npm test", label: "all features", error: results.projectTest?.error },
    { where: "KV operations", label: "probes", error: results.kvOps?.error },
  ].filter(({ error }) => error);
  if (failures.length === 0) return null;
  const lines = ["## Failures", "", "The first failure of each row (flaky rows list how many runs failed in their runs column)."];
  for (const { where, label, error } of failures) {
    lines.push("", `### ${where}: ${label}`, "", "~~~", error, "~~~");
  }
  return lines.join("\n");
}

/** Counted successful runs, and how many runs failed when some did. */
function runsCell(runs, row) {
  return row.failures > 0 ? `${runs} (+${row.failures} failed)` : String(runs);
}

/** The first line of a failure, fit for one table cell. */
function oneLine(text) {
  return `${text.split("\n")[0].replaceAll("|", "\\|").slice(0, 200)} (see Failures)`;
}
