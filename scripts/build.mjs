// Bundles src/cli.ts and its dependencies into dist/cli.js and the chunks it loads
// lazily (dist/*-<hash>.js), so the published package has no runtime dependencies, and collects the licence notices
// of everything bundled into dist/THIRD-PARTY-LICENSES.md.
import { build } from "esbuild";
import { cliBundleOptions } from "./bundle-options.mjs";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

// Chunk names carry a content hash: last build's chunks would otherwise stay beside these.
rmSync("dist", { recursive: true, force: true });
const result = await build(cliBundleOptions);

const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.set(match[1], path.join("node_modules", match[1]));
}
const licences = [...packages.entries()].sort().map(([name, dir]) => {
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const licenceFile = ["LICENSE", "LICENSE.md", "license", "LICENSE.txt", "license.md"]
    .map((file) => path.join(dir, file))
    .find((file) => existsSync(file));
  const text = licenceFile ? readFileSync(licenceFile, "utf8").trim() : `Licensed under ${manifest.license}.`;
  return { name: `${name}@${manifest.version}`, licence: manifest.license, ...splitNotice(text) };
});
writeFileSync("dist/THIRD-PARTY-LICENSES.md", thirdPartyNotices(licences));
console.log(`dist/cli.js: ${packages.size} bundled packages (${[...packages.keys()].join(", ")})`);

/**
 * A licence text as its opening copyright lines and the terms after them. Most
 * bundled packages carry the same MIT terms under their own copyright line: the file
 * keeps every copyright line and prints each distinct text of terms once.
 */
function splitNotice(text) {
  const lines = text.split("\n");
  const copyright = [];
  let at = 0;
  for (; at < lines.length; at++) {
    const line = lines[at].trim().replace(/^MIT License\s*/i, "");
    if (line === "") continue;
    if (!/^(Copyright|\(c\))/i.test(line)) break;
    copyright.push(line);
  }
  return { copyright, terms: lines.slice(at).join("\n").trim() };
}

function thirdPartyNotices(licences) {
  const groups = new Map();
  for (const entry of licences) {
    const group = groups.get(entry.terms) ?? [];
    group.push(entry);
    groups.set(entry.terms, group);
  }
  const sections = [...groups].map(([terms, entries]) => {
    const users = entries.map((entry) => `- ${entry.name} (${entry.licence})${entry.copyright.length > 0 ? `: ${entry.copyright.join("; ")}` : ""}`);
    return `## ${[...new Set(entries.map((entry) => entry.licence))].join(", ")}: ${entries.map((entry) => entry.name).join(", ")}\n\n${users.join("\n")}\n\n${terms}\n`;
  });
  return `# Third-party software bundled into dist/cli.js\n\nEach section lists packages with their copyright notices, then the licence terms they share.\n\n${sections.join("\n")}`;
}
