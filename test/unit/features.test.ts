/**
 * The feature units are the one place a feature is described; the built-in
 * template (a fork like any other) must agree with them.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FEATURE_IDS, FEATURES } from "../../src/features/index.js";
import { parseFlags } from "../../src/options/parse.js";
import { resolveOptions } from "../../src/options/resolve.js";
import { buildRenderContext } from "../../src/template/context.js";
import { parseManifest } from "../../src/template/manifest.js";
import { loadCompiler } from "../../src/template/render.js";

// Unit tests run src/, where nothing is precompiled: every source compiles at run time, as a fork's does.
await loadCompiler();

const templateDir = fileURLToPath(new URL("../../templates/default/", import.meta.url));
const manifest = parseManifest(await readFile(`${templateDir}template.json`, "utf8"), "template.json");

describe.each(FEATURES.map((unit) => ({ id: unit.id, unit })))("the $id unit", ({ id, unit }) => {
  const { lib, libTests, routes, routeTests, seed, byChoice = {} } = unit.files;
  const files = [...lib, ...libTests, ...routes, ...routeTests, ...seed];

  it("lists exactly the files template.json gives the feature, and they exist", () => {
    expect([...new Set(files)].sort()).toEqual([...(manifest.files[id] ?? [])].sort());
    for (const file of files) expect(existsSync(`${templateDir}${file}`), file).toBe(true);
  });

  it("ties its files to a choice's values exactly as template.json's filesByChoice does", () => {
    const inTemplate = Object.fromEntries(
      Object.entries(manifest.filesByChoice).flatMap(([choice, byValue]) => {
        const mine = Object.entries(byValue ?? {}).flatMap(([value, paths]) => {
          const own = paths.filter((path) => files.includes(path));
          return own.length > 0 ? [[value, own]] : [];
        });
        return mine.length > 0 ? [[choice, Object.fromEntries(mine)]] : [];
      }),
    );
    expect(byChoice).toEqual(inTemplate);
  });

  it("names a route module that exists and exports its routes", async () => {
    const module = `src/routes/${unit.router.module}.ts`;
    expect(unit.files.routes).toContain(module);
    const source = await readFile(`${templateDir}${module}`, "utf8");
    expect(source).toMatch(new RegExp(`export const ${unit.router.routes}\\b`));
    if (unit.router.currentUser) expect(source).toMatch(new RegExp(`export (const|async function) ${unit.router.currentUser}\\b`));
  });

  it("gets its config block, routes and docs into the generated project when chosen, and nothing when not", () => {
    const chosen = buildRenderContext(resolveOptions(parseFlags(["app", "--yes", "--features", id]), {}, { cwd: "/tmp" }));
    expect(chosen.units.map((rendered) => rendered.id)).toEqual([id]);
    const [rendered] = chosen.units;
    // The block reaches the feature's binding: its KV namespace, else its Durable Object or Rate Limiting binding.
    const reaches = rendered?.namespace
      ? [`env[${JSON.stringify(unit.binding)}]`]
      : [...chosen.durableObjects.map((object) => `env.${object.binding}`), ...(chosen.rateLimitBinding ? [`env.${chosen.rateLimitBinding.name}`] : [])];
    expect(reaches.length).toBeGreaterThan(0);
    expect(reaches.some((reach) => rendered?.config.includes(reach)), reaches.join(", ")).toBe(true);
    expect(rendered?.docs.ttl).toMatch(new RegExp(`^\\*\\*${id}\\*\\*`));
    const others = FEATURE_IDS.filter((other) => other !== id);
    const without = buildRenderContext(resolveOptions(parseFlags(["app", "--yes", "--features", others.join(",")]), {}, { cwd: "/tmp" }));
    expect(without.units.map((rendered) => rendered.id)).not.toContain(id);
  });
});

it("the built-in template offers every unit", () => {
  expect(manifest.features).toEqual(FEATURE_IDS);
});
