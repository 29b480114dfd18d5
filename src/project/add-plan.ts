/**
 * What `add` would change in a project, worked out in memory: no disk, no prompts.
 * Two kinds of project:
 * - one this tool made (it has .kv-edge.json): the template is rendered with the old
 *   answers and with the new ones; new files are added, and a generated file that
 *   changes (config module, routes list, README, AGENTS.md) is replaced only where
 *   the user has not edited it since it was generated;
 * - any other Worker: the features' library files go into a folder of their own
 *   (src/kv/ by default), the entry module is never touched, and the lines to paste
 *   are part of the plan.
 * Either way the wrangler config gets the new bindings (KV, Durable Objects with their
 * migration, Rate Limiting) through wrangler-config.ts.
 */
import path from "node:path";
import { applyEdits, modify, parse as parseJsonc } from "jsonc-parser";
import { chosenFiles } from "../features/choices.js";
import { FEATURES, type FeatureId, type FeatureUnit } from "../features/index.js";
import type { Namespace, ProjectSettings } from "../template/context.js";
import { buildRenderContext } from "../template/context.js";
import { buildPlan } from "../template/plan.js";
import { render } from "../template/render.js";
import type { LoadedTemplate } from "../template/types.js";
import { addBindings, type SectionAdditions, type WranglerConfig } from "./wrangler-config.js";

/** One file `add` wants on disk, and what the project has there now. */
export interface WantedFile {
  path: string;
  bytes: Uint8Array;
  /** A generated file: what the template made of it before (undefined: a new file). */
  generated?: Uint8Array;
}

export type FileAction = "create" | "update" | "unchanged" | "conflict";

export interface FileChange {
  path: string;
  action: FileAction;
  bytes: Uint8Array;
  /** For a conflict: why. */
  reason?: string;
}

/** A new file, or a generated one the user left alone, is safe; anything else that differs is a conflict. */
export function classify(wanted: WantedFile, existing: Uint8Array | undefined): FileChange {
  const { path, bytes } = wanted;
  if (existing === undefined) return { path, bytes, action: "create" };
  if (sameBytes(existing, bytes)) return { path, bytes, action: "unchanged" };
  if (wanted.generated && sameBytes(existing, wanted.generated)) return { path, bytes, action: "update" };
  const reason = wanted.generated ? "changed since it was generated" : "exists with other content";
  return { path, bytes, action: "conflict", reason };
}

/**
 * The settings after adding `features`: the old answers, the new features in unit
 * order, each new feature's namespace (its binding from --binding or its default).
 */
export function settingsAfterAdd(before: ProjectSettings, features: readonly FeatureId[], newNamespaces: readonly Namespace[]): ProjectSettings {
  const all = FEATURES.map((unit) => unit.id).filter((id) => before.features.includes(id) || features.includes(id));
  const featureNamespaces = all.flatMap((id) => {
    const namespace = before.namespaces.find((entry) => entry.feature === id) ?? newNamespaces.find((entry) => entry.feature === id);
    return namespace ? [namespace] : [];
  });
  const extras = before.namespaces.filter((namespace) => namespace.feature === null);
  return { ...before, features: all, namespaces: [...featureNamespaces, ...extras] };
}

/** Files for a project this tool made: every file the new answers add or change, except the wrangler config and package.json. */
export function filesForKvEdgeProject(
  template: LoadedTemplate,
  before: ProjectSettings,
  after: ProjectSettings,
  skip: readonly string[],
): WantedFile[] {
  const old = new Map(buildPlan(template, buildRenderContext(before)).map((file) => [file.path, file.bytes]));
  return buildPlan(template, buildRenderContext(after)).flatMap((file): WantedFile[] => {
    if (skip.includes(file.path)) return [];
    const generated = old.get(file.path);
    if (generated && sameBytes(generated, file.bytes)) return [];
    return [{ path: file.path, bytes: file.bytes, generated }];
  });
}

/**
 * package.json of a project this tool made: the scripts the new answers add or
 * change (kv:seed when flags or config arrive), set one by one in the user's file,
 * which otherwise stays as it is. Undefined when nothing changes; a script the user
 * changed by hand makes it a conflict.
 */
export function packageJsonEdit(
  template: LoadedTemplate,
  before: ProjectSettings,
  after: ProjectSettings,
  current: string | undefined,
): FileChange | undefined {
  const scriptsOf = (settings: ProjectSettings) => {
    const file = buildPlan(template, buildRenderContext(settings)).find((planned) => planned.path === "package.json");
    return file ? (scriptsIn(new TextDecoder().decode(file.bytes)) ?? {}) : {};
  };
  const [old, next] = [scriptsOf(before), scriptsOf(after)];
  const changed = Object.entries(next).filter(([name, command]) => old[name] !== command);
  if (changed.length === 0 || current === undefined) return undefined;
  const mine = scriptsIn(current) ?? {};
  const edited = changed.filter(([name, command]) => mine[name] !== undefined && mine[name] !== old[name] && mine[name] !== command);
  let text = current;
  for (const [name, command] of changed) {
    text = applyEdits(text, modify(text, ["scripts", name], command, { formattingOptions: indentation(current) }));
  }
  const bytes = new TextEncoder().encode(text);
  if (edited.length > 0) {
    const reason = `its script${edited.length > 1 ? "s" : ""} ${edited.map(([name]) => name).join(", ")} changed since it was generated`;
    return { path: "package.json", bytes, action: "conflict", reason };
  }
  return { path: "package.json", bytes, action: "update" };
}

/**
 * Files for a Worker this tool did not make: the shared toolkit and each feature's
 * library files, under `dir`; of a feature's backends, only the one `settings` chose.
 */
export function filesForForeignProject(
  template: LoadedTemplate,
  units: readonly FeatureUnit<FeatureId>[],
  settings: ProjectSettings,
  dir: string,
): WantedFile[] {
  const wanted = ["src/lib/kv-store.ts", "src/lib/keys.ts", ...units.flatMap((unit) => chosenFiles(unit, unit.files.lib, settings))];
  return [...new Set(wanted)].map((file) => {
    const source = template.files.find((candidate) => candidate.path === file);
    if (!source) throw new Error(`the built-in template has no ${file}`);
    return { path: path.posix.join(dir, path.posix.basename(file)), bytes: source.bytes };
  });
}

/**
 * The features' library tests for a Worker this tool did not make, under test/kv/:
 * they import the library from `dir` and run on the feature's own binding (a project
 * made by create-kv-edge gives them a test-only TEST_KV namespace instead), with the
 * template's test helpers beside them in test/kv/support/. Like the library, only the
 * backend `settings` chose.
 */
export function testsForForeignProject(
  template: LoadedTemplate,
  units: readonly FeatureUnit<FeatureId>[],
  settings: ProjectSettings,
  namespaces: readonly Namespace[],
  dir: string,
): WantedFile[] {
  const testDir = "test/kv";
  const library = path.posix.relative(testDir, dir);
  const text = (file: { bytes: Uint8Array }) => new TextDecoder().decode(file.bytes);
  const helpers = template.files
    .filter((file) => file.path.startsWith("test/support/"))
    .map((file) => ({ path: `${testDir}/support/${file.path.slice("test/support/".length)}`, bytes: file.bytes }));
  const tests = units.flatMap((unit) => {
    const binding = namespaces.find((namespace) => namespace.feature === unit.id)?.binding ?? unit.binding;
    return chosenFiles(unit, unit.files.libTests, settings).map((testFile) => {
      const source = template.files.find((file) => file.path === testFile);
      if (!source) throw new Error(`the built-in template has no ${testFile}`);
      const rewritten = text(source)
        .replaceAll('from "../../src/lib/', `from "${library}/`)
        .replaceAll('from "../support/', 'from "./support/')
        .replaceAll("env.TEST_KV", `env.${binding}`);
      return { path: `${testDir}/${path.posix.basename(testFile)}`, bytes: new TextEncoder().encode(rewritten) };
    });
  });
  return [...tests, ...helpers];
}

/** Whether a package.json lists @cloudflare/vitest-plugin (the Workers test runner). */
export function usesVitestPlugin(packageJson: string | undefined): boolean {
  if (packageJson === undefined) return false;
  const data = parseJsonc(packageJson) as { dependencies?: object; devDependencies?: object } | undefined;
  return [data?.dependencies, data?.devDependencies].some((deps) => deps !== undefined && "@cloudflare/vitest-plugin" in deps);
}

/** The lines to paste into the entry module of a Worker this tool did not make. */
export function pasteLines(
  units: readonly FeatureUnit<FeatureId>[],
  namespaces: readonly Namespace[],
  settings: Pick<ProjectSettings, "session" | "rateLimit" | "rateLimitBackend" | "documentWrites" | "cachePattern">,
  importPath: string,
): { feature: FeatureId; lines: string }[] {
  return units.map((unit) => {
    const namespace = namespaces.find((entry) => entry.feature === unit.id);
    const context = { ...settings, importPath, binding: namespace?.binding ?? unit.binding, ttl: namespace?.ttl ?? unit.ttl };
    // The class's module is one of the unit's lib files, copied into the library folder.
    const moduleName = (module: string) => path.posix.basename(module, path.posix.extname(module));
    const classes = (unit.classes ?? [])
      .filter((entry) => entry.when?.(settings) ?? true)
      .map((entry) => `export { ${entry.name} } from "${importPath}/${moduleName(entry.module)}";`);
    return { feature: unit.id, lines: [...classes, render({ text: unit.paste, where: `feature ${unit.id} (paste)`, origin: "ours" }, context)].join("\n") };
  });
}

/** How the entry module imports `dir`: "./kv" from src/index.ts for src/kv. */
export function importPathFrom(main: string | undefined, dir: string): string {
  const relative = path.posix.relative(path.posix.dirname(main ?? "src/index.ts"), dir);
  return relative.startsWith(".") ? relative : `./${relative}`;
}

/** The wrangler config with the new bindings: an edit of the user's own text. */
export function configEdit(config: WranglerConfig, additionsFor: (env: string | undefined) => SectionAdditions): FileChange {
  return { path: config.file, bytes: new TextEncoder().encode(addBindings(config, additionsFor)), action: "update" };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, index) => byte === b[index]);
}

function scriptsIn(text: string): Record<string, string> | undefined {
  const data = parseJsonc(text) as { scripts?: Record<string, string> } | undefined;
  return data?.scripts;
}

function indentation(text: string) {
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? "  ";
  return indent.startsWith("\t") ? { insertSpaces: false, tabSize: 1 } : { insertSpaces: true, tabSize: indent.length };
}

