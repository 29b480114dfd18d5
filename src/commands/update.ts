/**
 * `create-kv-edge update`, run inside a project: render the template twice with the
 * answers in .kv-edge.json (as the project was made, and as it should be now) and
 * merge the difference into the project's files three ways (project/merge.ts).
 *
 *   record -> versions (from, to) -> two renders -> merge per file -> one write
 *
 * "Now" is the newest version of the template (or --to), or, with --set, the same
 * version with a changed answer. --check and --dry-run stop before the write.
 */
import { lstat, readFile, rmdir } from "node:fs/promises";
import path from "node:path";
import { builtinTemplateDir } from "../builtin-template.js";
import { EXIT, UsageError, UserError } from "../errors.js";
import { fixedTtlReason } from "../options/rules.js";
import { parseFlags, type Flags } from "../options/parse.js";
import { resolveOptions, type Options } from "../options/resolve.js";
import { helpText } from "../options/table.js";
import { parseUpdateFlags, type UpdateFlags } from "../options/update.js";
import { mergeProject, type FileMerge } from "../project/merge.js";
import { historyAwareTexts } from "../project/migration-history.js";
import { parseRecord, pickAnswers, RECORD_FILE, serializeRecord, type ProjectRecord, type RecordedAnswers } from "../project/record.js";
import { describeTemplate, resolveGitCommit, sourceAtRef, templateDigest } from "../project/template-version.js";
import { CONFIG_FILES } from "../project/wrangler-config.js";
import { run } from "../steps/run.js";
import { installDependencies } from "../steps/install.js";
import { buildRenderContext, type Toolchain } from "../template/context.js";
import { buildPlan, type PlannedFile } from "../template/plan.js";
import { compareVersions } from "../template/manifest.js";
import { loadTemplate, type LoadTemplateOptions } from "../template/source.js";
import type { LoadedTemplate } from "../template/types.js";
import { findInterruptedRuns, recoverInterruptedRuns, writeWithCancellation } from "../template/write.js";
import { color, print, printWarning } from "../ui.js";
import { compatibilityDate, versions } from "../versions.js";

const CURRENT_TOOLCHAIN: Toolchain = { compatibilityDate, versions: { ...versions } };

export async function update(args: string[], version: string): Promise<number> {
  const flags = parseUpdateFlags(args);
  if (flags.help) {
    print(helpText(version, "update"));
    return EXIT.ok;
  }
  const projectDir = process.cwd();
  const record = await readRecord(projectDir);
  const writes = !flags.check && !flags.dryRun;
  // A run killed outright left the project half-written: undo it before git status and the merge look at the files.
  const leftovers = writes ? await recoverInterruptedRuns(projectDir) : await findInterruptedRuns(projectDir);
  for (const line of leftovers) printWarning(line);
  if (writes && !flags.allowDirty) await requireCleanTree(projectDir);

  const loadOptions: LoadTemplateOptions = { cwd: projectDir, builtinDir: builtinTemplateDir, version, offline: flags.offline };
  const from = describeRecorded(record);
  const changingAnswers = flags.sets.length > 0;
  const target = changingAnswers ? sameVersion(record) : await chooseTarget(record, flags, version, projectDir);
  if (target.note) print(`${color.dim("-")} ${target.note}`);

  const targetTemplate = await loadTemplate(target.source, loadOptions);
  const targetDigest = templateDigest(targetTemplate);
  // --set keeps the recorded version: "to" is "from".
  const to = changingAnswers ? from : await describeTarget(target, version, projectDir, flags.offline);
  const updateExists =
    targetDigest !== record.template.digest ||
    (record.template.source === "built-in" && record.template.version !== version) ||
    !sameToolchain(record.toolchain, CURRENT_TOOLCHAIN);

  if (flags.check) {
    // A newer create-kv-edge on the registry is an update too, though only that version can apply it.
    const available = updateExists || target.newerPublished !== undefined;
    const newest = target.newerPublished ? `built-in ${target.newerPublished}` : to;
    if (flags.json) printJson({ from, to: newest, updateAvailable: available });
    else print(available ? `Update available: ${from} -> ${newest}` : `Up to date: ${from}`);
    return available ? EXIT.failed : EXIT.ok;
  }
  if (!updateExists && !changingAnswers) {
    if (flags.json) printJson({ from, to, upToDate: true, files: [] });
    else print(`Up to date: ${from}`);
    return EXIT.ok;
  }

  const baseTemplate = targetDigest === record.template.digest ? targetTemplate : await loadRecordedTemplate(record, loadOptions);
  const oldOptions = optionsFromRecord(record.answers, [], baseTemplate, projectDir);
  const newOptions = optionsFromRecord(record.answers, flags.sets, targetTemplate, projectDir);
  const base = renderFiles(baseTemplate, oldOptions, recordedToolchain(record));
  const renderedTarget = renderFiles(targetTemplate, newOptions, CURRENT_TOOLCHAIN);
  const project = await readProjectFiles(projectDir, [...new Set([...base.keys(), ...renderedTarget.keys()])]);
  const history = keepMigrationHistory(base, renderedTarget, project);
  const results = await mergeProject({
    base: history.base,
    target: history.target,
    project,
    labels: { base: `template ${from}`, target: `template ${to}` },
  });
  for (const result of results) {
    if (result.path === history.path && result.bytes && result.outcome !== "conflict") {
      result.note = [result.note, ...history.changes].filter(Boolean).join("; ") || undefined;
    }
  }

  const newRecord: ProjectRecord = {
    ...record,
    toolVersion: version,
    template: changingAnswers
      ? record.template
      : await describeTemplate(target.source, targetTemplate, { cwd: projectDir, projectDir, toolVersion: version, offline: flags.offline }),
    answers: { ...pickAnswers(newOptions), projectName: record.answers.projectName },
    toolchain: { compatibilityDate: CURRENT_TOOLCHAIN.compatibilityDate, versions: { ...CURRENT_TOOLCHAIN.versions } },
  };
  const changes = results.filter((result) => result.outcome !== "unchanged");
  const conflicts = changes.filter((result) => result.outcome === "conflict").map((result) => result.path);
  const packageJsonChanged = changes.some((result) => result.path === "package.json" && result.bytes !== undefined);

  if (flags.json) {
    const files = changes.map(({ path, outcome, note }) => ({ path, outcome, ...(note ? { note } : {}) }));
    printJson({ from, to, upToDate: false, written: writes, files, conflicts, packageJsonChanged });
  } else {
    print(`${writes ? "Updating" : "Would update"} ${from} -> ${to}${changingAnswers ? ` (${flags.sets.map((set) => set.name).join(", ")} changed)` : ""}`);
    print(changes.length > 0 ? changes.map(outcomeLine).join("\n") : "  no file changes");
  }
  if (history.deleted.length > 0 && history.path !== undefined) {
    printWarning(
      `${history.path}: a new migration deletes the Durable Object class(es) ${history.deleted.join(", ")}: the next deploy deletes all their objects and stored data.`,
    );
  }
  const writerDocuments = newOptions.features.filter((feature) => feature === "flags" || feature === "config");
  if (oldOptions.documentWrites === "kv" && newOptions.documentWrites === "durable-object" && writerDocuments.length > 0) {
    printWarning(
      `${writerDocuments.join(" and ")}: each writer object starts from KV's copy of its document as KV shows it where the object runs, so a save made straight to KV elsewhere in the minute before can be lost: deploy, then make the first save at least a minute after the last save made the old way.`,
    );
  }
  if (!writes) return EXIT.ok;

  const files: PlannedFile[] = changes.flatMap((result) => (result.bytes ? [{ path: result.path, bytes: result.bytes }] : []));
  files.push({ path: RECORD_FILE, bytes: new TextEncoder().encode(serializeRecord(newRecord)) });
  const removed = changes.filter((result) => result.outcome === "removed").map((result) => result.path);
  await writeWithCancellation(files, projectDir, { overwrite: true, remove: removed });
  await removeEmptyFolders(projectDir, removed);

  print(`${color.green("✔")} Updated ${files.length - 1} file(s), removed ${removed.length}; ${RECORD_FILE} now records ${to}`);
  if (packageJsonChanged) await reinstall(projectDir, newOptions, record, flags);
  if (conflicts.length > 0) {
    const message = `${conflicts.length} file(s) have conflicts: ${conflicts.join(", ")}. Resolve the <<<<<<< ======= >>>>>>> markers (keep what each side needs), then commit; git checkout . undoes the whole update.`;
    printWarning(message);
    return EXIT.failed;
  }
  return EXIT.ok;
}

/**
 * The template's two renderings with the project's Durable Object migrations in
 * place of theirs in the wrangler config, so the merge appends a migration instead
 * of editing one that may be deployed (see migration-history.ts).
 */
function keepMigrationHistory(
  base: ReadonlyMap<string, Uint8Array>,
  target: ReadonlyMap<string, Uint8Array>,
  project: ReadonlyMap<string, Uint8Array | undefined>,
): { base: ReadonlyMap<string, Uint8Array>; target: ReadonlyMap<string, Uint8Array>; path?: string; changes: string[]; deleted: string[] } {
  const unchanged = { base, target, changes: [], deleted: [] };
  const file = CONFIG_FILES.find((name) => base.has(name) && target.has(name) && project.get(name) !== undefined);
  if (file === undefined) return unchanged;
  const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
  const texts = { base: decode(base.get(file)), target: decode(target.get(file)), project: decode(project.get(file)) };
  const kept = historyAwareTexts(file, texts);
  if (kept === undefined) return unchanged;
  const encode = (text: string) => new TextEncoder().encode(text);
  return {
    base: new Map([...base, [file, encode(kept.base)]]),
    target: new Map([...target, [file, encode(kept.target)]]),
    path: file,
    changes: kept.changes,
    deleted: kept.deleted,
  };
}

async function readRecord(projectDir: string): Promise<ProjectRecord> {
  const text = await readFile(path.join(projectDir, RECORD_FILE), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new UserError(
        `No ${RECORD_FILE} in ${projectDir}: run update inside a project made by create-kv-edge (the file records its template and answers)`,
      );
    }
    throw error;
  });
  return parseRecord(text);
}

/** A bad merge must be one `git checkout` away: refuse uncommitted work unless --allow-dirty. */
async function requireCleanTree(projectDir: string): Promise<void> {
  const status = await run("git", ["status", "--porcelain", "--untracked-files=all", "--", "."], { cwd: projectDir, timeoutMs: 30_000 });
  if (!status.ok) {
    throw new UserError(
      `${projectDir} is not in a git repository (or git is missing): commit the project first so that a bad merge can be undone, or pass --allow-dirty`,
    );
  }
  const dirty = status.stdout.split("\n").filter((line) => line.trim() !== "");
  if (dirty.length > 0) {
    const names = dirty.slice(0, 5).map((line) => line.slice(3)).join(", ");
    throw new UserError(
      `uncommitted changes (${names}${dirty.length > 5 ? ", ..." : ""}): commit or stash them first so that the update can be undone with git, or pass --allow-dirty`,
    );
  }
}

interface Target {
  /** The source to load (undefined: the built-in template). */
  source: string | undefined;
  /** A line to show before anything else (the registry's answer, say). */
  note?: string;
  /** Built-in only: a newer create-kv-edge on the registry, whose template only it can render. */
  newerPublished?: string;
}

/** --set: the template stays at the recorded version. */
function sameVersion(record: ProjectRecord): Target {
  const { source, commit } = record.template;
  if (source === "built-in") return { source: undefined };
  return { source: (commit ? sourceAtRef(source, commit) : undefined) ?? source };
}

/**
 * The version to update to: --to, else the newest the source offers. A fork's newest
 * is its default ref (a folder or tarball is what it is now); the built-in template's
 * is this create-kv-edge's, and a newer one on the registry is pointed out.
 */
async function chooseTarget(record: ProjectRecord, flags: UpdateFlags, version: string, projectDir: string): Promise<Target> {
  const { source } = record.template;
  if (source === "built-in") {
    if (flags.to !== undefined && flags.to !== version) {
      throw new UsageError(
        `--to ${flags.to}: the built-in template of another create-kv-edge version is rendered by that version; run npm create kv-edge@${flags.to} -- update`,
      );
    }
    if (flags.to !== undefined || flags.offline) return { source: undefined };
    const published = await latestPublished(projectDir);
    if (published.kind === "missing") {
      return { source: undefined, note: `create-kv-edge is not on the npm registry; the newest built-in template known is this version's (${version}); --to <version> picks one` };
    }
    if (published.kind === "failed") {
      return { source: undefined, note: `could not ask the npm registry for a newer create-kv-edge (${published.reason}); comparing with this version (${version})` };
    }
    if (compareVersions(published.version, version) > 0) {
      return {
        source: undefined,
        newerPublished: published.version,
        note: `create-kv-edge ${published.version} is out, with a newer built-in template: run npm create kv-edge@latest -- update to get it; this run updates to ${version}'s`,
      };
    }
    return { source: undefined };
  }
  if (flags.to === undefined) return { source: sourceAtRef(source, undefined) ?? source };
  const atRef = sourceAtRef(source, flags.to);
  if (atRef !== undefined) return { source: atRef };
  if (/^https?:\/\//.test(source) && /^https?:\/\//.test(flags.to)) return { source: flags.to };
  throw new UsageError(
    `--to ${flags.to}: the template ${source} has no versions to choose from (only git: and gh:-style sources have refs; for a tarball, give the new tarball's URL)`,
  );
}

/** `npm view create-kv-edge version`, with a time limit. */
async function latestPublished(
  cwd: string,
): Promise<{ kind: "found"; version: string } | { kind: "missing" } | { kind: "failed"; reason: string }> {
  const result = await run("npm", ["view", "create-kv-edge", "version", "--json"], { cwd, timeoutMs: 30_000 });
  if (result.ok) {
    const version: unknown = JSON.parse(result.stdout || "null");
    if (typeof version === "string") return { kind: "found", version };
  }
  if (/E404|404 Not Found/.test(`${result.stdout}\n${result.stderr}`)) return { kind: "missing" };
  return { kind: "failed", reason: result.reason ?? "no version in the answer" };
}

/** The template the project was made from, checked against the recorded digest. */
async function loadRecordedTemplate(record: ProjectRecord, options: LoadTemplateOptions): Promise<LoadedTemplate> {
  const { source, commit, digest } = record.template;
  if (source === "built-in") {
    throw new UserError(
      `This project was made with the built-in template of create-kv-edge ${record.template.version}; this is ${options.version}. ` +
        `Run npm create kv-edge@${record.template.version} -- update --set <answer> style changes there, or re-create the project to move versions (fetching an older built-in template is not supported yet)`,
    );
  }
  // By commit first (exact), then as recorded (a tag, or a cached download with --offline).
  const candidates = [...new Set([commit ? sourceAtRef(source, commit) : undefined, source].filter((item) => item !== undefined))];
  let failure: unknown;
  let fetched = false;
  for (const candidate of candidates) {
    try {
      const template = await loadTemplate(candidate, options);
      fetched = true;
      if (templateDigest(template) === digest) return template;
    } catch (error) {
      failure = error;
    }
  }
  if (!fetched) throw failure;
  throw new UserError(
    `The template version this project was made from (${source}${commit ? ` at ${commit.slice(0, 12)}` : ""}) cannot be fetched as it was: its files no longer match template.digest in ${RECORD_FILE}, so there is no base to merge against. Use a git: source with a tag or commit, or set template.source to where that version still lives`,
  );
}

/**
 * The recorded answers, changed by --set, as Options: through the same resolver as
 * create's flags, so every rule (TTL limits, unique bindings, template variables) holds.
 */
function optionsFromRecord(
  answers: RecordedAnswers,
  sets: UpdateFlags["sets"],
  template: LoadedTemplate,
  projectDir: string,
): Options {
  const flags: Flags = {
    ...parseFlags([]),
    yes: true,
    directory: projectDir,
    features: [...answers.features],
    ttls: Object.fromEntries(answers.namespaces.flatMap(({ feature, ttl }) => (feature && !fixedTtlReason(feature) ? [[feature, ttl]] : []))),
    bindings: Object.fromEntries(answers.namespaces.flatMap(({ feature, binding }) => (feature ? [[feature, binding]] : []))),
    extraNamespaces: answers.namespaces.flatMap(({ feature, binding, ttl }) => (feature ? [] : [{ binding, ttl }])),
    sessionTtl: answers.session.ttl,
    sessionRefresh: answers.session.refreshThreshold,
    sessionMaxLifetime: answers.session.maxLifetime,
    rateLimit: { ...answers.rateLimit },
    rateLimitBackend: answers.rateLimitBackend,
    documentWrites: answers.documentWrites,
    cachePattern: answers.cachePattern,
    envs: [...answers.envs],
    packageManager: answers.packageManager,
  };
  let vars: Record<string, string | boolean> = { ...answers.vars };
  for (const { flags: set } of sets) {
    const extra = set.extraNamespaces;
    flags.ttls = { ...flags.ttls, ...set.ttls };
    flags.bindings = { ...flags.bindings, ...set.bindings };
    flags.extraNamespaces = [...flags.extraNamespaces.filter((namespace) => !extra.some((given) => given.binding === namespace.binding)), ...extra];
    vars = { ...vars, ...set.vars };
    const replaced = ["features", "sessionTtl", "sessionRefresh", "sessionMaxLifetime", "rateLimit", "rateLimitBackend", "documentWrites", "cachePattern", "envs", "packageManager"] as const;
    for (const key of replaced) {
      if (set[key] !== undefined) Object.assign(flags, { [key]: set[key] });
    }
  }
  // A feature dropped with --set features=... takes its TTL and binding with it.
  const chosen = flags.features ?? [];
  flags.ttls = Object.fromEntries(Object.entries(flags.ttls).filter(([feature]) => chosen.includes(feature as never)));
  flags.bindings = Object.fromEntries(Object.entries(flags.bindings).filter(([feature]) => chosen.includes(feature as never)));
  const options = resolveOptions(flags, { vars }, { cwd: projectDir, packageManager: flags.packageManager, template });
  return { ...options, projectName: answers.projectName };
}

function renderFiles(template: LoadedTemplate, options: Options, toolchain: Toolchain): Map<string, Uint8Array> {
  const files = buildPlan(template, buildRenderContext(options, toolchain));
  return new Map(files.filter((file) => file.path !== RECORD_FILE).map((file) => [file.path, file.bytes]));
}

function recordedToolchain(record: ProjectRecord): Toolchain {
  return {
    compatibilityDate: record.toolchain.compatibilityDate,
    versions: { ...CURRENT_TOOLCHAIN.versions, ...record.toolchain.versions },
  };
}

function sameToolchain(recorded: ProjectRecord["toolchain"], current: Toolchain): boolean {
  const sorted = (entries: Record<string, string>) => JSON.stringify(Object.entries(entries).sort());
  return recorded.compatibilityDate === current.compatibilityDate && sorted(recorded.versions) === sorted(current.versions);
}

/** The project's file at each path, or undefined; a link or folder where the template has a file is refused. */
async function readProjectFiles(projectDir: string, paths: string[]): Promise<Map<string, Uint8Array | undefined>> {
  const files = new Map<string, Uint8Array | undefined>();
  for (const relativePath of paths) {
    const absolute = path.join(projectDir, relativePath);
    const stats = await lstat(absolute).catch(() => undefined);
    if (stats && !stats.isFile()) {
      throw new UserError(`${relativePath} is ${stats.isSymbolicLink() ? "a symbolic link" : "not a regular file"}, but the template has a file there; move it away and run again`);
    }
    files.set(relativePath, stats ? new Uint8Array(await readFile(absolute)) : undefined);
  }
  return files;
}

function describeRecorded(record: ProjectRecord): string {
  const { source, version, commit } = record.template;
  if (source === "built-in") return `built-in ${version}`;
  return commit ? `${source} (${commit.slice(0, 7)})` : source;
}

async function describeTarget(target: Target, version: string, projectDir: string, offline: boolean): Promise<string> {
  if (target.source === undefined) return `built-in ${version}`;
  const commit = offline ? undefined : await resolveGitCommit(target.source, projectDir);
  return commit ? `${target.source} (${commit.slice(0, 7)})` : target.source;
}

const OUTCOME_WIDTH = 9;

function outcomeLine(result: FileMerge): string {
  const paint = { conflict: color.red, added: color.green, removed: color.yellow, kept: color.dim } as Record<string, (text: string) => string>;
  const label = result.outcome.padEnd(OUTCOME_WIDTH);
  return `  ${(paint[result.outcome] ?? ((text: string) => text))(label)} ${result.path}${result.note ? color.dim(`  (${result.note})`) : ""}`;
}

/** With --json, print() already writes to stderr (cli.ts): stdout holds only the document. */
function printJson(document: object): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

/** A folder left empty by a removed file goes too (git would not keep it either). */
async function removeEmptyFolders(projectDir: string, removed: string[]): Promise<void> {
  for (const file of removed) {
    let folder = path.dirname(path.join(projectDir, file));
    while (folder.startsWith(`${projectDir}${path.sep}`)) {
      const emptied = await rmdir(folder).then(
        () => true,
        () => false,
      );
      if (!emptied) break;
      folder = path.dirname(folder);
    }
  }
}

/** package.json changed: reinstall with --install, else say to. A fork's scripts do not run (no consent is asked here). */
async function reinstall(projectDir: string, options: Options, record: ProjectRecord, flags: UpdateFlags): Promise<void> {
  const command = `${options.packageManager} install`;
  if (!flags.install) {
    print(`package.json changed: run ${command}`);
    return;
  }
  print(`Installing dependencies with ${options.packageManager}…`);
  const result = await installDependencies(projectDir, options.packageManager, { ignoreScripts: record.template.source !== "built-in" });
  print(result.ok ? `${color.green("✔")} Installed dependencies` : `Install failed (${result.reason}); run ${command} yourself`);
}
