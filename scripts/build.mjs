// Bundles src/cli.ts and its dependencies into one file, dist/cli.js, so the
// published package has no runtime dependencies, and collects the licence notices
// of everything bundled into dist/THIRD-PARTY-LICENSES.md.
import { build } from "esbuild";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const result = await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22.12",
  minify: true,
  legalComments: "none",
  metafile: true,
  plugins: [withoutSourceMap()],
  // Some bundled CommonJS code calls require() for Node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});

/**
 * Handlebars' code generator uses the source-map package when it can load it and
 * falls back to a small built-in shim when it cannot. We never emit source maps of
 * templates, so the 26 KB package is left out.
 */
function withoutSourceMap() {
  return {
    name: "without-source-map",
    setup(build) {
      build.onResolve({ filter: /^source-map$/ }, () => ({ path: "source-map", namespace: "empty" }));
      build.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "module.exports = {};" }));
    },
  };
}

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
