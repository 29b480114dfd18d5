// Bundles src/cli.ts and its dependencies into one file, dist/cli.js, so the
// published package has no runtime dependencies, and collects the licence notices
// of everything bundled into dist/THIRD-PARTY-LICENSES.md.
import { build } from "esbuild";
import { cliBundleOptions } from "./bundle-options.mjs";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const result = await build(cliBundleOptions);

const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.set(match[1], path.join("node_modules", match[1]));
}
const notices = [...packages.entries()].sort().map(([name, dir]) => {
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const licenceFile = ["LICENSE", "LICENSE.md", "license", "LICENSE.txt", "license.md"]
    .map((file) => path.join(dir, file))
    .find((file) => existsSync(file));
  const text = licenceFile ? readFileSync(licenceFile, "utf8").trim() : `Licensed under ${manifest.license}.`;
  return `## ${name}@${manifest.version} (${manifest.license})\n\n${text}\n`;
});
writeFileSync(
  "dist/THIRD-PARTY-LICENSES.md",
  `# Third-party software bundled into dist/cli.js\n\n${notices.join("\n")}`,
);
console.log(`dist/cli.js: ${packages.size} bundled packages (${[...packages.keys()].join(", ")})`);
