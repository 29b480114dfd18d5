/**
 * `create-kv-edge add <feature...>`: put features into a Worker that already exists.
 * Reads the project (wrangler config, .kv-edge.json, the files it would touch), plans
 * in memory (project/add-plan.ts), shows the plan, and writes it all or nothing.
 * Never loses work: a file that differs from what add would write is a conflict
 * unless --overwrite, and a binding name already in the config is refused.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { builtinTemplateDir } from "../builtin-template.js";
import { durableObjectsFor, RATE_LIMITER_BINDING, rateLimitNamespaceId, usesRateLimitBinding } from "../durable-objects.js";
import { EXIT, UsageError, UserError } from "../errors.js";
import { FEATURES, type FeatureId, type FeatureUnit } from "../features/index.js";
import type { Flags } from "../options/parse.js";
import { choosePackageManager, DEFAULTS, isInteractive } from "../options/resolve.js";
import {
  cacheTtlProblem,
  duplicateBindingProblem,
  namespacesFor,
  rateLimitBackendProblem,
  sessionMaxLifetimeProblem,
  sessionRefreshProblem,
} from "../options/rules.js";
import { toProjectName } from "../options/validate.js";
import { commandsOf } from "../package-managers.js";
import {
  classify,
  configEdit,
  filesForForeignProject,
  filesForKvEdgeProject,
  importPathFrom,
  packageJsonEdit,
  pasteLines,
  settingsAfterAdd,
  testsForForeignProject,
  usesVitestPlugin,
  type FileChange,
} from "../project/add-plan.js";
import { parseRecord, pickAnswers, RECORD_FILE, serializeRecord, type ProjectRecord } from "../project/record.js";
import { CONFIG_FILES, readWranglerConfig, type WranglerConfig } from "../project/wrangler-config.js";
import { confirm } from "../prompts.js";
import { createNamespaces } from "../steps/namespaces.js";
import { generateTypes } from "../steps/types.js";
import type { Namespace, ProjectSettings } from "../template/context.js";
import { loadTemplate } from "../template/source.js";
import { findInterruptedRuns, recoverInterruptedRuns, writeWithCancellation } from "../template/write.js";
import { color, print, printWarning } from "../ui.js";

const DEFAULT_LIB_DIR = "src/kv";

/** Everything add will do, as shown before it does it (and as --json prints it). */
export interface AddPlan {
  project: string;
  kind: "create-kv-edge" | "worker";
  config: string;
  features: FeatureId[];
  namespaces: { binding: string; feature: FeatureId; ttl: number; where: string[] }[];
  /** Durable Object bindings, each with a migration that creates its class (SQLite storage). */
  durableObjects: { binding: string; className: string; feature: FeatureId; where: string[] }[];
  /** Rate Limiting bindings (ratelimit with --rate-limit-backend binding). */
  rateLimits: { binding: string; where: string[] }[];
  files: { path: string; action: FileChange["action"]; reason?: string }[];
  dependencies: string[];
  /** The features' tests: added, or skipped (a Worker without @cloudflare/vitest-plugin). */
  tests: "added" | "skipped";
  /** Worker projects: what to paste into the entry module, per feature. */
  paste: { feature: FeatureId; lines: string }[];
  entry?: string;
}

export async function add(flags: Flags, version: string): Promise<number> {
  const features = flags.features ?? [];
  if (features.length === 0) {
    throw new UsageError(`add needs the features to add: create-kv-edge add <feature...> (${FEATURES.map((unit) => unit.id).join(", ")})`);
  }
  const units = FEATURES.filter((unit) => features.includes(unit.id)) as FeatureUnit<FeatureId>[];
  checkFlagsFitFeatures(flags, units);

  const projectDir = path.resolve(process.cwd(), flags.cwd ?? ".");
  const mayWrite = !flags.dryRun && !(flags.json && !flags.yes);
  // A run killed outright left the project half-written: undo it before reading the files to plan against them.
  const leftovers = mayWrite ? await recoverInterruptedRuns(projectDir) : await findInterruptedRuns(projectDir);
  for (const line of leftovers) printWarning(line);
  const config = await readConfig(projectDir, flags.cwd);
  const recordText = await readText(path.join(projectDir, RECORD_FILE));
  const record = recordText === undefined ? undefined : parseRecord(recordText);

  // A record from before the backends were answers holds neither: take the defaults.
  // A Worker this tool did not make has no src/config.ts to hold the writer classes: its
  // flags and config documents are saved straight to KV.
  const backends = { rateLimitBackend: DEFAULTS.rateLimitBackend, documentWrites: record ? DEFAULTS.documentWrites : ("kv" as const) };
  if (!record && flags.documentWrites === "durable-object") {
    throw new UsageError(
      "--document-writes durable-object needs a project made by create-kv-edge (its writer objects live in src/config.ts); in this Worker, flags and config save straight to KV: drop the flag or pass --document-writes kv",
    );
  }
  const before: ProjectSettings = record ? { ...backends, ...record.answers } : {
    projectName: toProjectName(path.basename(projectDir)),
    features: [],
    namespaces: [],
    session: { ttl: DEFAULTS.sessionTtl, refreshThreshold: DEFAULTS.sessionRefresh, maxLifetime: DEFAULTS.sessionMaxLifetime },
    rateLimit: DEFAULTS.rateLimit,
    ...backends,
    cachePattern: DEFAULTS.cachePattern,
    envs: config.envs,
    packageManager: choosePackageManager(flags, process.env),
    vars: {},
  };
  const already = features.filter((feature) => before.features.includes(feature));
  if (already.length > 0) throw new UserError(`this project already has ${already.join(", ")} (see ${RECORD_FILE}); nothing was written`);
  const settings = newSettings(before, flags, features);
  const namespaces = namespacesFor(features, { settings, ttls: flags.ttls, bindings: flags.bindings, extraNamespaces: [] });
  const durableObjects = durableObjectsFor(features, settings);
  const rateLimitBinding = usesRateLimitBinding(features, settings);
  checkBindings(namespaces, durableObjects, rateLimitBinding, config);

  const { changes, paste, tests } = record
    ? { changes: await changesForKvEdgeProject(projectDir, record, before, settings, namespaces, features, version, flags), paste: [], tests: "added" as const }
    : await changesForWorker(projectDir, config, units, settings, namespaces, flags, version);
  // Each environment deploys as a Worker of its own: its Rate Limiting namespace is its own too (as create does it).
  const workerName = config.name ?? settings.projectName;
  changes.push(
    configEdit(config, (env) => ({
      kv: namespaces.map((namespace) => namespace.binding),
      durableObjects: durableObjects.map(({ binding, name }) => ({ name: binding, className: name })),
      rateLimits: rateLimitBinding
        ? [{ name: RATE_LIMITER_BINDING, namespaceId: rateLimitNamespaceId(env === undefined ? workerName : `${workerName}-${env}`), limit: settings.rateLimit.limit, period: settings.rateLimit.window }]
        : [],
    })),
  );
  const where = ["top level", ...config.envs.map((env) => `env.${env}`)];

  const plan: AddPlan = {
    project: projectDir,
    kind: record ? "create-kv-edge" : "worker",
    config: config.file,
    features,
    namespaces: namespaces.map((namespace) => ({
      binding: namespace.binding,
      feature: namespace.feature as FeatureId,
      ttl: namespace.ttl,
      where,
    })),
    durableObjects: durableObjects.map(({ binding, name, feature }) => ({ binding, className: name, feature, where })),
    rateLimits: rateLimitBinding ? [{ binding: RATE_LIMITER_BINDING, where }] : [],
    files: changes.map(({ path: file, action, reason }) => ({ path: file, action, ...(reason ? { reason } : {}) })),
    dependencies: [],
    tests,
    paste,
    ...(record ? {} : { entry: config.main }),
  };
  // Under --json, print() goes to stderr (cli.ts): stdout carries the plan alone.
  if (flags.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else print(formatPlan(plan));

  const conflicts = changes.filter((change) => change.action === "conflict");
  if (conflicts.length > 0 && !flags.overwrite) {
    throw new UserError(
      `nothing was written: ${conflicts.map((change) => `${change.path} (${change.reason})`).join(", ")}; move ${conflicts.length > 1 ? "them" : "it"} aside, or pass --overwrite to replace ${conflicts.length > 1 ? "them" : "it"}`,
    );
  }
  // --json alone is a plan for a program to read: it applies only with --yes.
  if (!mayWrite) {
    if (!flags.json) print("\nDry run: nothing was written.");
    return EXIT.ok;
  }
  const interactive = isInteractive(flags, process.env, Boolean(process.stdin.isTTY), Boolean(process.stdout.isTTY));
  if (!flags.yes) {
    if (!interactive) throw new UsageError("no terminal to confirm the plan in; pass --yes to apply it, or --dry-run to only see it");
    if (!(await confirm({ message: "Apply these changes?", initialValue: true }))) {
      print("Nothing was written.");
      return EXIT.ok;
    }
  }

  const toWrite = changes.filter((change) => change.action !== "unchanged");
  await writeWithCancellation(toWrite, projectDir, { overwrite: true });
  print(`${color.green("✔")} Added ${features.join(", ")}: ${toWrite.length} files written in ${projectDir}`);
  for (const change of conflicts) printWarning(`Replaced ${change.path} (${change.reason})`);
  return afterWrite(projectDir, plan, flags, record !== undefined, before.packageManager);
}

/** A feature's settings flags (--session-ttl for sessions, ...) only make sense when that feature is added. */
function checkFlagsFitFeatures(flags: Flags, units: readonly FeatureUnit<FeatureId>[]): void {
  const given: Record<string, unknown> = {
    "session-ttl": flags.sessionTtl,
    "session-refresh": flags.sessionRefresh,
    "session-max-lifetime": flags.sessionMaxLifetime,
    "rate-limit": flags.rateLimit,
    "rate-limit-backend": flags.rateLimitBackend,
    "document-writes": flags.documentWrites,
    "cache-pattern": flags.cachePattern,
  };
  // A flag may set several features (--document-writes: flags and config): one of them must be added.
  for (const flag of Object.keys(given).filter((name) => given[name] !== undefined)) {
    const owners = FEATURES.filter((unit) => (unit.flags ?? []).includes(flag)).map((unit) => unit.id);
    if (owners.length > 0 && !owners.some((owner) => units.some((chosen) => chosen.id === owner))) {
      throw new UsageError(`--${flag} sets ${owners.join(" and ")}, which ${owners.length > 1 ? "are" : "is"} not being added; drop it or add ${owners.join(" or ")}`);
    }
  }
  for (const [flag, values] of [["--ttl", flags.ttls], ["--binding", flags.bindings]] as const) {
    const other = Object.keys(values).find((feature) => !units.some((unit) => unit.id === feature));
    if (other) throw new UsageError(`${flag} ${other}=...: ${other} is not being added`);
  }
}

/** The project's settings with the add flags applied; the cross-answer rules hold. */
function newSettings(before: ProjectSettings, flags: Flags, features: FeatureId[]): ProjectSettings {
  const session = {
    ttl: flags.sessionTtl ?? before.session.ttl,
    refreshThreshold: flags.sessionRefresh ?? before.session.refreshThreshold,
    maxLifetime: flags.sessionMaxLifetime ?? before.session.maxLifetime,
  };
  const refresh = sessionRefreshProblem(session.refreshThreshold, session.ttl);
  if (features.includes("sessions") && refresh) throw new UsageError(`--session-refresh ${session.refreshThreshold}: ${refresh}`);
  const lifetime = sessionMaxLifetimeProblem(session.maxLifetime, session.ttl);
  if (features.includes("sessions") && lifetime) throw new UsageError(`--session-max-lifetime ${session.maxLifetime}: ${lifetime}`);
  const settings = {
    ...before,
    session,
    rateLimit: flags.rateLimit ?? before.rateLimit,
    rateLimitBackend: flags.rateLimitBackend ?? before.rateLimitBackend,
    documentWrites: flags.documentWrites ?? before.documentWrites,
    cachePattern: flags.cachePattern ?? before.cachePattern,
  };
  // One answer for both documents: a project that already saves one of them one way keeps that way.
  const kept = before.features.filter((feature) => feature === "flags" || feature === "config");
  if (kept.length > 0 && settings.documentWrites !== before.documentWrites) {
    throw new UsageError(
      `--document-writes ${settings.documentWrites}: this project's ${kept.join(" and ")} already ${kept.length > 1 ? "save" : "saves"} with ${before.documentWrites}, and both documents are saved the same way; drop the flag, or change it for both with: create-kv-edge update --set document-writes=${settings.documentWrites}`,
    );
  }
  const backendProblem = features.includes("ratelimit") ? rateLimitBackendProblem(settings.rateLimit, settings.rateLimitBackend) : undefined;
  if (backendProblem) {
    throw new UsageError(
      `--rate-limit ${settings.rateLimit.limit}/${settings.rateLimit.window} with --rate-limit-backend ${settings.rateLimitBackend}: ${backendProblem}`,
    );
  }
  const cacheTtl = flags.ttls.cache;
  const cacheProblem = features.includes("cache") && cacheTtl !== undefined ? cacheTtlProblem(cacheTtl, settings.cachePattern) : undefined;
  if (cacheProblem) throw new UsageError(`--ttl cache=${cacheTtl} with --cache-pattern ${settings.cachePattern}: ${cacheProblem}`);
  return settings;
}

/** New binding and class names must be free in the config (any kind of binding, any environment) and among themselves. */
function checkBindings(
  namespaces: readonly Namespace[],
  durableObjects: ReturnType<typeof durableObjectsFor>,
  rateLimitBinding: boolean,
  config: WranglerConfig,
): void {
  for (const namespace of namespaces) {
    if (config.bindings.has(namespace.binding)) {
      throw new UserError(
        `${config.file} already has a binding named ${namespace.binding}; pick another name with --binding ${namespace.feature}=NAME (nothing was written)`,
      );
    }
  }
  // The Durable Object and Rate Limiting bindings have fixed names: the feature's code uses them.
  const fixed = [...durableObjects.map(({ binding, feature }) => ({ binding, feature })), ...(rateLimitBinding ? [{ binding: RATE_LIMITER_BINDING, feature: "ratelimit" }] : [])];
  for (const { binding, feature } of fixed) {
    if (config.bindings.has(binding)) {
      throw new UserError(`${config.file} already has a binding named ${binding}, which ${feature} needs; rename yours first (nothing was written)`);
    }
  }
  for (const { name, feature } of durableObjects) {
    if (config.classes.has(name)) {
      throw new UserError(`${config.file} already has a Durable Object class named ${name}, which ${feature} defines; rename yours first (nothing was written)`);
    }
  }
  const duplicate = duplicateBindingProblem(namespaces);
  if (duplicate) throw new UsageError(duplicate);
}

async function changesForKvEdgeProject(
  projectDir: string,
  record: ProjectRecord,
  before: ProjectSettings,
  settings: ProjectSettings,
  namespaces: Namespace[],
  features: FeatureId[],
  version: string,
  flags: Flags,
): Promise<FileChange[]> {
  // The record keeps a folder or git: source relative to the project folder.
  const source = record.template.source === "built-in" ? undefined : record.template.source;
  const template = await loadTemplate(source, { cwd: projectDir, builtinDir: builtinTemplateDir, version, offline: flags.offline });
  const missing = features.filter((feature) => !template.manifest.features.includes(feature));
  if (missing.length > 0) {
    throw new UsageError(`the project's template (${template.source}) has no ${missing.join(", ")}; it offers ${template.manifest.features.join(", ")}`);
  }
  const after = settingsAfterAdd(settings, features, namespaces);
  const skip = [...CONFIG_FILES, "package.json", RECORD_FILE];
  const changes = await classifyAll(projectDir, filesForKvEdgeProject(template, before, after, skip));
  const packageJson = packageJsonEdit(template, before, after, await readText(path.join(projectDir, "package.json")));
  if (packageJson) changes.push(packageJson);
  const updated: ProjectRecord = { ...record, toolVersion: version, answers: pickAnswers({ ...after, features: [...after.features], namespaces: [...after.namespaces], envs: [...after.envs] }) };
  changes.push({ path: RECORD_FILE, bytes: new TextEncoder().encode(serializeRecord(updated)), action: "update" });
  return changes;
}

/** A Worker this tool did not make: the library (and its tests, if the project runs Workers tests) and the lines to paste. */
async function changesForWorker(
  projectDir: string,
  config: WranglerConfig,
  units: FeatureUnit<FeatureId>[],
  settings: ProjectSettings,
  namespaces: Namespace[],
  flags: Flags,
  version: string,
): Promise<Pick<AddPlan, "paste" | "tests"> & { changes: FileChange[] }> {
  const dir = libraryDir(projectDir, flags.dir);
  const template = await loadTemplate(undefined, { cwd: projectDir, builtinDir: builtinTemplateDir, version, offline: true });
  const withTests = usesVitestPlugin(await readText(path.join(projectDir, "package.json")));
  const wanted = [
    ...filesForForeignProject(template, units, settings, dir),
    ...(withTests ? testsForForeignProject(template, units, settings, namespaces, dir) : []),
  ];
  return {
    changes: await classifyAll(projectDir, wanted),
    tests: withTests ? "added" : "skipped",
    paste: pasteLines(units, namespaces, settings, importPathFrom(config.main, dir)),
  };
}

async function classifyAll(projectDir: string, wanted: Parameters<typeof classify>[0][]): Promise<FileChange[]> {
  return Promise.all(wanted.map(async (file) => classify(file, await readBytes(path.join(projectDir, file.path)))));
}

/** wrangler types when wrangler is installed; the namespaces only when asked; then the next steps. */
async function afterWrite(projectDir: string, plan: AddPlan, flags: Flags, ours: boolean, packageManager: ProjectSettings["packageManager"]): Promise<number> {
  const commands = commandsOf(packageManager);
  if (existsSync(path.join(projectDir, "node_modules", ".bin", "wrangler"))) {
    const types = await generateTypes(projectDir);
    if (types.ok) print(`${color.green("✔")} Ran wrangler types: Env has the new bindings`);
    else printWarning(`wrangler types failed (${types.reason}); run it yourself: ${commands.exec} wrangler types`);
  } else {
    print(`${color.dim("-")} wrangler is not installed here; after installing, run: ${commands.exec} wrangler types`);
  }
  if (flags.createNamespaces) {
    if (ours) {
      const result = await createNamespaces(projectDir);
      for (const line of result.lines) print(`  ${line}`);
      if (!result.ok) printWarning(`Some namespaces were not created; retry with: ${commands.run} kv:namespaces`);
    } else {
      printWarning(`--create-namespaces needs a project made by create-kv-edge; here, create each with: ${commands.exec} wrangler kv namespace create <BINDING>`);
    }
  }
  if (plan.paste.length > 0) {
    print(`\n${color.bold(`Paste into ${plan.entry ?? "your entry module"} to use them`)} (add never edits it):`);
    for (const { feature, lines } of plan.paste) print(`\n  // ${feature}\n${indent(lines)}`);
    if (plan.tests === "skipped") {
      print(
        `\nThe features' tests were not added: this Worker does not use @cloudflare/vitest-plugin. Set it up (https://developers.cloudflare.com/workers/testing/vitest-integration/), and add will add the tests of the features you add next.`,
      );
    }
    if (plan.namespaces.length > 0) print(`\nThe first deploy creates the new KV namespaces (bindings without an id).`);
  } else {
    print(`\n${color.bold("Next")}\n  ${color.cyan(`${commands.run} test`)}\n  ${color.cyan(`${commands.run} deploy`)}`);
  }
  return EXIT.ok;
}

function formatPlan(plan: AddPlan): string {
  const section = (title: string, rows: string[]) => (rows.length > 0 ? ["", color.bold(title), ...rows] : []);
  const lines = [
    `Adding ${plan.features.join(", ")} to ${plan.project} (${plan.kind === "create-kv-edge" ? "a project made by create-kv-edge" : `a Worker with ${plan.config}`})`,
    ...section("Files", plan.files.map((file) => `  ${file.action.padEnd(9)} ${file.path}${file.reason ? `  ${color.yellow(file.reason)}` : ""}`)),
    ...section(
      `KV bindings added to ${plan.config}`,
      plan.namespaces.map((namespace) => `  ${namespace.binding} (${namespace.feature}) in ${namespace.where.join(", ")}`),
    ),
    ...section(
      `Durable Objects added to ${plan.config} (a binding, and a migration that creates the class with SQLite storage)`,
      plan.durableObjects.map((entry) => `  ${entry.binding} -> class ${entry.className} (${entry.feature}) in ${entry.where.join(", ")}`),
    ),
    ...section(`Rate Limiting bindings added to ${plan.config}`, plan.rateLimits.map((entry) => `  ${entry.binding} in ${entry.where.join(", ")}`)),
    "",
    `npm dependencies: ${plan.dependencies.length > 0 ? plan.dependencies.join(", ") : "none"}`,
    ...(plan.tests === "skipped" ? ["tests: not added (the project does not use @cloudflare/vitest-plugin)"] : []),
  ];
  return lines.join("\n");
}

async function readConfig(projectDir: string, given: string | undefined): Promise<WranglerConfig> {
  if (given !== undefined && !existsSync(projectDir)) {
    throw new UserError(`--cwd ${given}: there is no such folder; pass the folder of your Worker project`);
  }
  for (const file of CONFIG_FILES) {
    const text = await readText(path.join(projectDir, file));
    if (text !== undefined) return readWranglerConfig(file, text);
  }
  const where = given === undefined ? "the current folder" : projectDir;
  throw new UserError(`${where} has no ${CONFIG_FILES.join(", ")}; run add inside a Worker project, or pass --cwd <dir>`);
}

/** --dir: a folder inside the project. */
function libraryDir(projectDir: string, given: string | undefined): string {
  const dir = path.posix.normalize((given ?? DEFAULT_LIB_DIR).replaceAll("\\", "/")).replace(/\/$/, "");
  const resolved = path.resolve(projectDir, dir);
  if (path.isAbsolute(dir) || dir === "." || dir.startsWith("../") || !resolved.startsWith(projectDir + path.sep)) {
    throw new UsageError(`--dir ${given}: must be a folder inside the project, e.g. src/kv`);
  }
  return dir;
}

function indent(text: string): string {
  return text.split("\n").map((line) => `  ${line}`).join("\n");
}

async function readBytes(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function readText(file: string): Promise<string | undefined> {
  const bytes = await readBytes(file);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}
