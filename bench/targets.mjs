// The targets of issue 13, checked against one run's results. Each row says what
// was asked, what was measured and whether it was met (null: not measured).

import { formatBytes, formatMs, formatRatio } from "./format.mjs";
import { ratio } from "./stats.mjs";

const KB = 1000;

export function checkTargets({ footprint, startup, scaffold, toTests, projectTest }) {
  const ours = footprint?.find((row) => row.ours);
  const help = (tool) => startup?.find((row) => row.command === `${tool} --help`)?.summary?.median;
  const scaffoldMedian = (tool) => scaffold?.find((row) => row.tool === tool)?.summary?.median;
  const oursToTests = toTests?.find((row) => row.ours);
  const c3ToTests = toTests?.find((row) => row.tool === "create-cloudflare");

  return [
    atMost("generated project's `npm test` ≤ 5 s", projectTest?.summary?.median, 5_000, formatMs),
    atMost(
      "time to passing tests ≤ 1.0× create-cloudflare",
      ratio(oursToTests?.summary?.median, c3ToTests?.summary?.median),
      1.0,
      formatRatio,
    ),
    atMost(
      "scaffold without install ≤ 1.5× create-vite",
      ratio(scaffoldMedian("create-kv-edge"), scaffoldMedian("create-vite")),
      1.5,
      formatRatio,
    ),
    atMost("`--help` ≤ 1.2× create-vite", ratio(help("create-kv-edge"), help("create-vite")), 1.2, formatRatio),
    atMost("packed size ≤ 210 kB", ours?.packedBytes, 210 * KB, formatBytes),
    atMost("one workerd binary", oursToTests?.nodeModules?.workerdBinaries, 1, String),
    atMost("runtime dependencies = 0", ours?.runtimeDependencies, 0, String),
  ];
}

function atMost(target, measured, limit, format) {
  if (typeof measured !== "number") return { target, measured: "not measured", met: null };
  return { target, measured: format(measured), met: measured <= limit };
}
