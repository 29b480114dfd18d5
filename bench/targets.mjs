// The targets of issue 6, checked against one run's results. Each row says what
// was asked, what was measured and whether it was met (null: not measured).

import { formatBytes, formatRatio } from "./format.mjs";
import { ratio } from "./stats.mjs";

const KB = 1000;

export function checkTargets({ footprint, startup, scaffold, toTests }) {
  const ours = footprint?.find((row) => row.ours);
  const help = (tool) => startup?.find((row) => row.command === `${tool} --help`)?.summary?.median;
  const scaffoldMedian = (tool) => scaffold?.find((row) => row.tool === tool)?.summary?.median;
  const oursToTests = toTests?.find((row) => row.ours);
  const c3ToTests = toTests?.find((row) => row.tool === "create-cloudflare");

  return [
    atMost("packed size ≤ 150 kB", ours?.packedBytes, 150 * KB, formatBytes),
    atMost("unpacked size ≤ 600 kB", ours?.unpackedBytes, 600 * KB, formatBytes),
    atMost("runtime dependencies = 0", ours?.runtimeDependencies, 0, String),
    atMost("`--help` ≤ 1.5× create-vite", ratio(help("create-kv-edge"), help("create-vite")), 1.5, formatRatio),
    atMost(
      "scaffold without install ≤ 1.5× create-vite",
      ratio(scaffoldMedian("create-kv-edge"), scaffoldMedian("create-vite")),
      1.5,
      formatRatio,
    ),
    atMost(
      "time to passing tests ≤ 0.8× create-cloudflare",
      ratio(oursToTests?.summary?.median, c3ToTests?.summary?.median),
      0.8,
      formatRatio,
    ),
    atMost(
      "node_modules ≤ 0.6× create-cloudflare",
      ratio(oursToTests?.nodeModules?.bytes, c3ToTests?.nodeModules?.bytes),
      0.6,
      formatRatio,
    ),
    atMost("one workerd binary", oursToTests?.nodeModules?.workerdBinaries, 1, String),
  ];
}

function atMost(target, measured, limit, format) {
  if (typeof measured !== "number") return { target, measured: "not measured", met: null };
  return { target, measured: format(measured), met: measured <= limit };
}
