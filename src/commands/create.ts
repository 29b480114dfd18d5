/**
 * `create-kv-edge [directory]`: flags + prompts -> options -> render context ->
 * plan -> files on disk -> post-steps -> summary. Each arrow is a module of its
 * own; this file only wires them (signals.ts owns cancellation).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { builtinTemplateDir } from "../builtin-template.js";
import { CancelledError, EXIT, UsageError, UserError } from "../errors.js";
import type { Flags } from "../options/parse.js";
import { choosePackageManager, isInteractive, missingAnswers, noQuestionsReason, resolveOptions, type Options } from "../options/resolve.js";
import { checkFlagsFitTemplate } from "../options/template.js";
import { commandsOf } from "../package-managers.js";
import { buildJsonReport, type JsonReport, type StepName, type StepOutcome } from "../json-report.js";
import { fileLines, formatPlan, namespaceLines, nextCommands, section, sessionAndLimitLines, whereFromHere } from "../report.js";
import { inFolder } from "../shell.js";
import { consentQuestion, lifecycleScripts, notRunLine, type LifecycleScript } from "../steps/consent.js";
import { initRepository } from "../steps/git.js";
import { installCommand, installDependencies, lastLines } from "../steps/install.js";
import { findWorkspace, membership, ROOT_ONLY_FILES, type Workspace } from "../steps/workspace.js";
import { createNamespaces, isAuthenticated } from "../steps/namespaces.js";
import { generateTypes } from "../steps/types.js";
import { pickAnswers, RECORD_FILE, RECORD_FORMAT, serializeRecord, type ProjectRecord } from "../project/record.js";
import { describeTemplate } from "../project/template-version.js";
import { buildRenderContext } from "../template/context.js";
import { buildPlan, type PlannedFile } from "../template/plan.js";
import { loadTemplate } from "../template/source.js";
import type { LoadedTemplate } from "../template/types.js";
import { inspectTarget, notEmptyError, recoverInterruptedRuns, writeWithCancellation } from "../template/write.js";
import { cancelExitCode, handleStopsHere } from "../signals.js";
import { color, print, printError, printWarning, textWidth, wrapText } from "../ui.js";
import { compatibilityDate, versions } from "../versions.js";

// The prompts and the spinner load only when a run shows them: a scaffold with --yes
// or without a terminal needs neither (nor the terminal code of Node they pull in).
const loadPrompts = () => import("../prompts.js");

export async function create(flags: Flags, version: string): Promise<number> {
  const interactive = isInteractive(flags, process.env, Boolean(process.stdin.isTTY), Boolean(process.stdout.isTTY));
  if (!interactive) {
    const missing = missingAnswers(flags);
    if (missing.length > 0) {
      throw new UsageError(
        `${noQuestionsReason(flags, process.env)}, and missing: ${missing.join(", ")}; pass them, or --yes to take the defaults`,
      );
    }
  }
  const askQuestions = interactive && !flags.yes;
  if (askQuestions) (await loadPrompts()).intro(color.bold("create-kv-edge"));

  const template = await loadTemplate(flags.template, {
    cwd: process.cwd(),
    builtinDir: builtinTemplateDir,
    version,
    offline: flags.offline,
  });
  checkFlagsFitTemplate(flags, template);
  if (flags.directory !== undefined && !flags.dryRun) {
    // A run killed outright on this target left its working folder: undo it first.
    for (const line of await recoverInterruptedRuns(path.resolve(process.cwd(), flags.directory))) printWarning(line);
  }
  if (flags.directory !== undefined && !flags.overwrite) {
    // Refuse a non-empty folder before any question, not after all of them.
    const state = await inspectTarget(path.resolve(process.cwd(), flags.directory));
    if (state === "not-empty" && !askQuestions) throw notEmptyError(flags.directory);
  }

  const cwd = process.cwd();
  const packageManager = choosePackageManager(flags, process.env);
  const answers = askQuestions ? await (await loadPrompts()).ask(flags, { manifest: template.manifest, packageManager, cwd }) : {};
  const options = resolveOptions(flags, answers, { cwd, packageManager, template });
  const workspace = await findWorkspace(options.targetDir);
  if (workspace) joinWorkspace(options, workspace, flags);
  const folderName = path.basename(options.targetDir);
  if (options.projectName !== folderName) {
    print(`${color.dim("-")} "${folderName}" is not a valid package name; the project is named ${options.projectName}`);
  }

  const record: ProjectRecord = {
    format: RECORD_FORMAT,
    toolVersion: version,
    template: await describeTemplate(flags.template, template, {
      cwd: process.cwd(),
      projectDir: options.targetDir,
      toolVersion: version,
      offline: options.offline,
    }),
    answers: pickAnswers(options),
    toolchain: { compatibilityDate, versions: { ...versions } },
  };
  const templateFiles = buildPlan(template, buildRenderContext(options));
  if (templateFiles.length === 0) {
    throw new UserError(
      `the template ${template.source} yields no files for the features ${options.features.join(", ")}; nothing was written. Check the "files" of its template.json`,
    );
  }
  const planned = withRecord(templateFiles, record);
  const files = workspace ? planned.filter((file) => !ROOT_ONLY_FILES.includes(file.path)) : planned;
  if (options.dryRun) {
    print(formatPlan(options, files));
    if (options.json) {
      const steps = plannedSteps(options).map((step): StepOutcome => ({ step, status: "planned" }));
      const config = files.find((file) => file.path === "wrangler.jsonc");
      printJson(
        buildJsonReport({
          outcome: "dry-run",
          exitCode: EXIT.ok,
          options,
          files,
          wranglerConfig: config && new TextDecoder().decode(config.bytes),
          steps,
          next: [],
        }),
      );
    }
    return EXIT.ok;
  }

  const templateCode = await templateCodeConsent(template, files, flags, askQuestions, options);

  const { replaced, recovered } = await writeWithCancellation(files, options.targetDir, { overwrite: options.overwrite });
  for (const line of recovered) printWarning(line);
  print(`${color.green("✔")} Wrote ${files.length} files to ${options.targetDir}`);
  if (replaced.length > 0) printWarning(`Replaced existing files: ${replaced.join(", ")}`);

  // Whether the user is logged in to Cloudflare is only known once wrangler is installed.
  const offerNamespaces = askQuestions && flags.createNamespaces === undefined;
  return runSteps(options, { files, replaced }, { interactive, offerNamespaces, templateCode, workspace });
}

/**
 * Inside a monorepo workspace the workspace owns the package manager, the lockfile,
 * the install and the repository: say so, and whether its globs take the new folder in.
 */
function joinWorkspace(options: Options, workspace: Workspace, flags: Flags): void {
  const { relative, covered } = membership(workspace, options.targetDir);
  const pm = workspace.packageManager;
  print(
    `${color.dim("-")} Inside the ${pm} workspace at ${workspace.root} (${workspace.file}): no lockfile of its own, dependencies install from the workspace root, git is left to the workspace.`,
  );
  if (flags.packageManager !== undefined && flags.packageManager !== pm) {
    printWarning(`--pm ${flags.packageManager}: the workspace uses ${pm}, so the project does too`);
  }
  options.packageManager = pm;
  if (covered) {
    print(`${color.dim("-")} Its globs (${workspace.globs.join(", ")}) cover ${relative}.`);
  } else {
    printWarning(
      `The workspace's globs (${workspace.globs.join(", ")}) do not cover ${relative}: add "${relative}" to ${workspace.file === "package.json" ? '"workspaces"' : "packages"} in ${path.join(workspace.root, workspace.file)}, then run: ${inFolder(whereFromHere({ targetDir: workspace.root }), installCommand(pm))}`,
    );
  }
  if (pm === "pnpm" && workspace.approvesBuilds === false) {
    printWarning(
      `pnpm 10.26+ installs only approved builds: add esbuild and workerd under allowBuilds in ${path.join(workspace.root, "pnpm-workspace.yaml")} (\`pnpm approve-builds\` does it)`,
    );
  }
}

function plannedSteps(options: Options): StepName[] {
  return [
    ...(options.install ? (["install", "types"] as const) : []),
    ...(options.createNamespaces ? (["namespaces"] as const) : []),
    ...(options.git ? (["git"] as const) : []),
  ];
}

interface TemplateCode {
  /** The template's scripts and dependencies may run (always for the built-in one). */
  trusted: boolean;
  scripts: LifecycleScript[];
}

/** Whether a fork's code may run: --trust-template-scripts, or asked on a terminal; never by default. */
async function templateCodeConsent(
  template: LoadedTemplate,
  files: PlannedFile[],
  flags: Flags,
  askQuestions: boolean,
  options: Options,
): Promise<TemplateCode> {
  const scripts = lifecycleScripts(files.find((file) => file.path === "package.json")?.bytes);
  if (template.source === "built-in" || flags.trustTemplateScripts) return { trusted: true, scripts };
  const wouldRun = options.install || options.createNamespaces !== false;
  if (!askQuestions || !wouldRun) return { trusted: false, scripts };
  const { confirm } = await loadPrompts();
  return { trusted: await confirm({ message: consentQuestion(template.source, scripts), initialValue: false }), scripts };
}

/** The project record (.kv-edge.json) is written with the template's files, in byte order. */
function withRecord(files: PlannedFile[], record: ProjectRecord): PlannedFile[] {
  const recordFile = { path: RECORD_FILE, bytes: new TextEncoder().encode(serializeRecord(record)) };
  return [...files.filter((file) => file.path !== RECORD_FILE), recordFile].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

interface StepsContext {
  interactive: boolean;
  offerNamespaces: boolean;
  templateCode: TemplateCode;
  workspace: Workspace | undefined;
}

async function runSteps(
  options: Options,
  written: { files: PlannedFile[]; replaced: string[] },
  context: StepsContext,
): Promise<number> {
  // Ctrl+C, SIGTERM or SIGHUP from here on aborts the running child instead of killing us mid-step.
  const interrupt = handleStopsHere();
  const outcomes: StepOutcome[] = [];
  let current: StepName = "install";
  const installDir = installFolder(options, context.workspace);
  const finish = async (exitCode: number, next: string[]) => {
    if (options.json) {
      const outcome = interrupt.signal.aborted || exitCode === EXIT.cancelled ? "cancelled" : exitCode === EXIT.ok ? "done" : "failed";
      if (outcome === "cancelled") outcomes.push({ step: current, status: "cancelled" });
      const wranglerConfig = await readFile(path.join(options.targetDir, "wrangler.jsonc"), "utf8").catch(() => undefined);
      const workspace = context.workspace && { ...context.workspace, ...membership(context.workspace, options.targetDir) };
      printJson(buildJsonReport({ outcome, exitCode, options, ...written, wranglerConfig, workspace, steps: outcomes, next }));
    }
    return exitCode;
  };
  try {
    const run = { ...context, signal: interrupt.signal, outcomes, enter: (step: StepName) => (current = step) };
    const { exitCode, installed, namespacesCreated } = await runEachStep(options, run);
    if (interrupt.signal.aborted) return finish(cancelledAfterWrite(options, current, installDir), [finishingCommand(options, current, installDir)]);
    if (!context.templateCode.trusted && (options.install || options.createNamespaces)) {
      printWarning(notRunLine(context.templateCode.scripts, commandsOf(options.packageManager)));
    }
    printSummary(options, written.files, { installed, namespacesCreated });
    if (context.interactive) (await loadPrompts()).outro(`Done. The README in ${options.directory} explains the namespace layout, key naming and TTL policy.`);
    return finish(exitCode, nextCommands(options, installed));
  } catch (error) {
    // Ctrl+C at the namespaces question, after the files are written.
    if (error instanceof CancelledError) return finish(cancelledAfterWrite(options, current, installDir), [finishingCommand(options, current, installDir)]);
    throw error;
  } finally {
    interrupt.release();
  }
}

async function runEachStep(
  options: Options,
  context: StepsContext & { signal: AbortSignal; outcomes: StepOutcome[]; enter: (step: StepName) => void },
): Promise<{ exitCode: number; installed: boolean; namespacesCreated: boolean }> {
  const { interactive, offerNamespaces, templateCode, signal, outcomes } = context;
  let exitCode: number = EXIT.ok;
  let installed = false;
  const cancelled = { exitCode: EXIT.cancelled, installed, namespacesCreated: false };
  const installDir = installFolder(options, context.workspace);

  if (options.install && installDir === undefined) {
    outcomes.push({ step: "install", status: "skipped", detail: "the workspace's globs do not cover the project" });
  } else if (options.install && installDir !== undefined) {
    context.enter("install");
    const from = installDir === options.targetDir ? "" : ` from the workspace root ${installDir}`;
    const installing = await progress(`Installing dependencies with ${options.packageManager}${from}`, interactive);
    const result = await installDependencies(installDir, options.packageManager, {
      ignoreScripts: !templateCode.trusted,
      signal,
    });
    if (signal.aborted) return cancelled;
    installing.stop(result.ok ? "Installed dependencies" : undefined);
    if (result.ok) {
      installed = true;
      outcomes.push({ step: "install", status: "done", ...(templateCode.trusted ? {} : { detail: "scripts not run" }) });
      context.enter("types");
      const types = templateCode.trusted ? await generateTypes(options.targetDir) : undefined;
      if (signal.aborted) return cancelled;
      if (!types) outcomes.push({ step: "types", status: "skipped", detail: "the template's code was not allowed to run" });
      else outcomes.push(types.ok ? { step: "types", status: "done" } : { step: "types", status: "failed", detail: types.reason });
      if (types && !types.ok) printWarning(`wrangler types failed (${types.reason}); run it later with: ${runCommand(options, "types")}`);
    } else {
      outcomes.push({ step: "install", status: "failed", detail: result.reason });
      printError(
        `Install failed (${result.reason}). The project is complete; retry with: ${inFolder(whereFromHere({ targetDir: installDir }), installCommand(options.packageManager))}`,
      );
      for (const line of lastLines(result)) process.stderr.write(`  ${color.dim(line)}\n`);
      exitCode = EXIT.failed;
    }
  } else {
    outcomes.push({ step: "install", status: "skipped", detail: "--no-install" });
  }

  context.enter("namespaces");
  const canOffer = !options.createNamespaces && offerNamespaces && installed && templateCode.trusted && (await isAuthenticated(options.targetDir));
  if (signal.aborted) return cancelled;
  const createNow =
    options.createNamespaces ||
    (canOffer &&
      (await (await loadPrompts()).confirm({
        message: "You are logged in to Cloudflare. Create the KV namespaces on your account now?",
        initialValue: false,
      })));
  if (createNow) {
    if (!installed) {
      outcomes.push({ step: "namespaces", status: "skipped", detail: "dependencies are not installed" });
      printWarning(`Namespaces were not created: dependencies are not installed. Later: ${runCommand(options, "kv:namespaces")}`);
    } else if (!templateCode.trusted) {
      outcomes.push({ step: "namespaces", status: "skipped", detail: "the template's code was not allowed to run" });
      printWarning(`Namespaces were not created: the template's namespaces script was not allowed to run. Later: ${runCommand(options, "kv:namespaces")}`);
    } else {
      const creating = await progress("Creating KV namespaces", interactive);
      const result = await createNamespaces(options.targetDir, { onLine: (line) => creating.message(line), signal });
      if (signal.aborted) return cancelled;
      creating.stop(result.ok ? "Created KV namespaces" : undefined);
      outcomes.push({ step: "namespaces", status: result.ok ? "done" : "failed" });
      for (const line of result.lines) print(`  ${line}`);
      if (!result.ok) {
        printWarning(`Some namespaces were not created; wrangler will create id-less ones on first deploy. Retry later with: ${runCommand(options, "kv:namespaces")}`);
      }
    }
  } else {
    outcomes.push({ step: "namespaces", status: "skipped" });
  }

  if (options.git && context.workspace) {
    outcomes.push({ step: "git", status: "skipped", detail: `inside the workspace at ${context.workspace.root}` });
  } else if (options.git) {
    context.enter("git");
    const git = await initRepository(options.targetDir);
    if (signal.aborted) return cancelled;
    outcomes.push(git.done ? { step: "git", status: "done" } : { step: "git", status: "skipped", detail: git.reason });
    if (git.done) print(`${color.green("✔")} Initialized a git repository with a first commit`);
    else print(`${color.dim("-")} Skipped git: ${git.reason}`);
  } else {
    outcomes.push({ step: "git", status: "skipped", detail: "--no-git" });
  }
  return { exitCode, installed, namespacesCreated: Boolean(createNow) };
}

function printSummary(options: Options, files: PlannedFile[], done: { installed: boolean; namespacesCreated: boolean }): void {
  const summary = [
      section("Bindings: KV namespaces and Durable Objects", namespaceLines(options)),
      section("Settings", sessionAndLimitLines(options)),
      section("Files", fileLines(files)),
      section("Next", nextCommands(options, done.installed).map((line) => `  ${color.cyan(line)}`)),
      done.namespacesCreated
        ? ""
        : `\nThe first deploy creates the KV namespaces. To create them now and pin their IDs in wrangler.jsonc: ${runCommand(options, "kv:namespaces")} (after \`wrangler login\` or with CLOUDFLARE_API_TOKEN set).\n`,
    ].join("");
  print(wrapText(summary, textWidth()));
}

/** stdout carries nothing but this document under --json. */
function printJson(report: JsonReport): void {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/**
 * Ctrl+C (or SIGTERM, SIGHUP) after the files are written: the project stays (it is the user's now), so
 * say what state it is in and the one command that finishes it, and exit 130 (143, 129).
 */
function cancelledAfterWrite(options: Options, step: StepName, installDir: string | undefined): number {
  const states: Record<StepName, [doing: string, state: string]> = {
    install: ["installing dependencies", "every project file is written, but its dependencies are not (or only partly) installed"],
    types: ["generating types", "the project is written and installed; worker-configuration.d.ts may be missing"],
    namespaces: ["creating KV namespaces", "the project is written and installed; the namespaces created so far have their IDs in wrangler.jsonc"],
    git: ["initialising git", "the project is written and installed, without a finished git repository"],
  };
  const [doing, state] = states[step];
  printError(`Cancelled while ${doing}: ${state}. Finish with: ${finishingCommand(options, step, installDir)}`);
  return cancelExitCode();
}

/** The one command that finishes a project whose `step` was interrupted. */
function finishingCommand(options: Options, step: StepName, installDir = options.targetDir): string {
  if (step === "install") return inFolder(whereFromHere({ targetDir: installDir }), installCommand(options.packageManager));
  const commands: Record<StepName, string> = {
    install: installCommand(options.packageManager),
    types: runCommand(options, "types"),
    namespaces: runCommand(options, "kv:namespaces"),
    git: 'git init && git add -A && git commit -m "Initial commit from create-kv-edge"',
  };
  return inFolder(whereFromHere(options), commands[step]);
}

/** Where `<pm> install` runs: the project, its workspace's root, or nowhere (a folder the workspace does not cover). */
function installFolder(options: Options, workspace: Workspace | undefined): string | undefined {
  if (!workspace) return options.targetDir;
  return membership(workspace, options.targetDir).covered ? workspace.root : undefined;
}

function runCommand(options: Options, script: string): string {
  return `${commandsOf(options.packageManager).run} ${script}`;
}

/** A spinner on a terminal; plain lines anywhere else (CI logs hate spinners). */
async function progress(message: string, interactive: boolean) {
  if (interactive) {
    const spinner = (await loadPrompts()).spinner();
    spinner.start(message);
    // clack's spinner puts the terminal in raw mode, where Ctrl+C is a key that it answers
    // with process.exit(0), leaving the running step's children behind. Back in normal
    // mode Ctrl+C is SIGINT again: signals.ts stops the step, says what state the project
    // is in, and exits 130.
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    return {
      message: (text: string) => spinner.message(text),
      stop: (done?: string) => (done ? spinner.stop(done) : spinner.error(message)),
    };
  }
  print(`${message}…`);
  return {
    message: (_text: string) => {},
    stop: (done?: string) => {
      if (done) print(`${color.green("✔")} ${done}`);
    },
  };
}
