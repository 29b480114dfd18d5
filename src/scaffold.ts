/**
 * The flow: flags + prompts -> options -> plan -> files on disk -> post-steps ->
 * summary. Each arrow is a module of its own; this file only wires them and owns
 * cancellation while writing.
 */
import * as clack from "@clack/prompts";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CancelledError, EXIT, UsageError } from "./errors.js";
import type { Flags } from "./options/parse.js";
import {
  isInteractive,
  missingAnswers,
  packageManagerFromUserAgent,
  resolveOptions,
  type Options,
} from "./options/resolve.js";
import { ask, confirm } from "./prompts.js";
import { fileLines, formatPlan, namespaceLines, nextCommands, section, sessionAndLimitLines, whereFromHere } from "./report.js";
import { buildJsonReport, type JsonReport, type StepName, type StepOutcome } from "./json-report.js";
import { initRepository } from "./steps/git.js";
import { inFolder } from "./shell.js";
import { installCommand, installDependencies, lastLines } from "./steps/install.js";
import { createNamespaces, isAuthenticated } from "./steps/namespaces.js";
import { generateTypes } from "./steps/types.js";
import { parseVariableValue } from "./template/manifest.js";
import { buildContext, buildPlan, type PlannedFile } from "./template/plan.js";
import { loadTemplate } from "./template/source.js";
import type { LoadedTemplate } from "./template/types.js";
import { inspectTarget, notEmptyError, writeProject } from "./template/write.js";
import { color, print, printError, printWarning } from "./ui.js";

const builtinDir = fileURLToPath(new URL("../templates/default", import.meta.url));

export async function scaffold(flags: Flags, version: string): Promise<number> {
  const interactive = isInteractive(flags, process.env, Boolean(process.stdin.isTTY), Boolean(process.stdout.isTTY));
  if (!interactive) {
    const missing = missingAnswers(flags);
    if (missing.length > 0) {
      throw new UsageError(
        `no terminal to ask in, and missing: ${missing.join(", ")}; pass them, or --yes to take the defaults`,
      );
    }
  }
  const askQuestions = interactive && !flags.yes;
  if (askQuestions) clack.intro(color.bold("create-kv-edge"));

  const template = await loadTemplate(flags.template, {
    cwd: process.cwd(),
    builtinDir,
    version,
    offline: flags.offline,
  });
  checkFlagsFitTemplate(flags, template);
  if (flags.directory !== undefined && !flags.overwrite) {
    // Refuse a non-empty folder before any question, not after all of them.
    const state = await inspectTarget(path.resolve(process.cwd(), flags.directory));
    if (state === "not-empty" && !askQuestions) throw notEmptyError(flags.directory);
  }

  const context = {
    cwd: process.cwd(),
    userAgent: process.env.npm_config_user_agent,
    features: template.manifest.features,
  };
  const answers = askQuestions
    ? await ask(flags, {
        manifest: template.manifest,
        packageManager: flags.packageManager ?? packageManagerFromUserAgent(context.userAgent),
        cwd: context.cwd,
      })
    : {};
  const options = resolveOptions(flags, answers, context);
  options.vars = resolveVariables(template, options.vars);
  const folderName = path.basename(options.targetDir);
  if (options.projectName !== folderName) {
    print(`${color.dim("-")} "${folderName}" is not a valid package name; the project is named ${options.projectName}`);
  }

  const files = buildPlan(template, options);
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

  const { replaced } = await writeWithCancellation(files, options);
  print(`${color.green("✔")} Wrote ${files.length} files to ${options.targetDir}`);
  if (replaced.length > 0) printWarning(`Replaced existing files: ${replaced.join(", ")}`);

  // Whether the user is logged in to Cloudflare is only known once wrangler is installed.
  const offerNamespaces = askQuestions && flags.createNamespaces === undefined;
  return runSteps(options, { files, replaced }, { interactive, offerNamespaces });
}

function plannedSteps(options: Options): StepName[] {
  return [
    ...(options.install ? (["install", "types"] as const) : []),
    ...(options.createNamespaces ? (["namespaces"] as const) : []),
    ...(options.git ? (["git"] as const) : []),
  ];
}

/** The template decides which features and variables exist. */
function checkFlagsFitTemplate(flags: Flags, template: LoadedTemplate): void {
  const { manifest } = template;
  const unsupported = (flags.features ?? []).filter((feature) => !manifest.features.includes(feature));
  if (unsupported.length > 0) {
    throw new UsageError(
      `--features ${unsupported.join(",")}: the template ${template.source} supports only ${manifest.features.join(", ")}`,
    );
  }
  const known = new Set(manifest.variables.map((variable) => variable.name));
  const unknown = Object.keys(flags.vars).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--var ${unknown[0]}: the template ${template.source} has no such variable${known.size > 0 ? ` (it has ${[...known].join(", ")})` : ""}`,
    );
  }
}

/** Every template variable gets a checked value: the answer, the flag or the default. */
function resolveVariables(template: LoadedTemplate, given: Record<string, string | boolean>): Record<string, string | boolean> {
  const vars: Record<string, string | boolean> = {};
  const missing: string[] = [];
  for (const variable of template.manifest.variables) {
    const value = given[variable.name];
    if (typeof value === "string") vars[variable.name] = parseVariableValue(variable, value);
    else if (typeof value === "boolean") vars[variable.name] = value;
    else if (variable.default !== undefined) vars[variable.name] = variable.default;
    else missing.push(`--var ${variable.name}=<value>`);
  }
  if (missing.length > 0) {
    throw new UsageError(`the template ${template.source} needs: ${missing.join(", ")}`);
  }
  return vars;
}

/** Ctrl+C while files are being written rolls the write back and exits 130. */
async function writeWithCancellation(files: PlannedFile[], options: Options) {
  let cancelled = false;
  const onInterrupt = () => {
    cancelled = true;
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await writeProject(files, options.targetDir, { overwrite: options.overwrite, isCancelled: () => cancelled });
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

async function runSteps(
  options: Options,
  written: { files: PlannedFile[]; replaced: string[] },
  { interactive, offerNamespaces }: { interactive: boolean; offerNamespaces: boolean },
): Promise<number> {
  const interrupt = listenForInterrupt();
  const outcomes: StepOutcome[] = [];
  let current: StepName = "install";
  const finish = async (exitCode: number, next: string[]) => {
    if (options.json) {
      const outcome = exitCode === EXIT.cancelled ? "cancelled" : exitCode === EXIT.ok ? "done" : "failed";
      if (outcome === "cancelled") outcomes.push({ step: current, status: "cancelled" });
      const wranglerConfig = await readFile(path.join(options.targetDir, "wrangler.jsonc"), "utf8").catch(() => undefined);
      printJson(buildJsonReport({ outcome, exitCode, options, ...written, wranglerConfig, steps: outcomes, next }));
    }
    return exitCode;
  };
  try {
    const exitCode = await runEachStep(options, { interactive, offerNamespaces, signal: interrupt.signal, outcomes, enter: (step) => (current = step) });
    if (interrupt.signal.aborted) return finish(cancelledAfterWrite(options, current), [finishingCommand(options, current)]);
    const installed = outcomes.some((outcome) => outcome.step === "install" && outcome.status === "done");
    printSummary(options, written.files, installed);
    if (interactive) clack.outro(`Done. The README in ${options.directory} explains the namespace layout, key naming and TTL policy.`);
    return finish(exitCode, nextCommands(options, installed));
  } catch (error) {
    // Ctrl+C at the namespaces question, after the files are written.
    if (error instanceof CancelledError) return finish(cancelledAfterWrite(options, current), [finishingCommand(options, current)]);
    throw error;
  } finally {
    interrupt.stop();
  }
}

/** stdout carries nothing but this document under --json. */
function printJson(report: JsonReport): void {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

async function runEachStep(
  options: Options,
  context: {
    interactive: boolean;
    offerNamespaces: boolean;
    signal: AbortSignal;
    outcomes: StepOutcome[];
    enter: (step: StepName) => void;
  },
): Promise<number> {
  const { interactive, signal, outcomes } = context;
  let exitCode: number = EXIT.ok;
  let installed = false;

  if (options.install) {
    context.enter("install");
    const installing = progress(`Installing dependencies with ${options.packageManager}`, interactive);
    const result = await installDependencies(options.targetDir, options.packageManager, { signal });
    if (signal.aborted) return EXIT.cancelled;
    installing.stop(result.ok ? "Installed dependencies" : undefined);
    if (result.ok) {
      installed = true;
      outcomes.push({ step: "install", status: "done" });
      context.enter("types");
      const types = await generateTypes(options.targetDir);
      if (signal.aborted) return EXIT.cancelled;
      outcomes.push(types.ok ? { step: "types", status: "done" } : { step: "types", status: "failed", detail: types.reason });
      if (!types.ok) printWarning(`wrangler types failed (${types.reason}); run it later with: ${runCommand(options, "types")}`);
    } else {
      outcomes.push({ step: "install", status: "failed", detail: result.reason });
      printError(
        `Install failed (${result.reason}). The project is complete; retry with: ${inFolder(whereFromHere(options), installCommand(options.packageManager))}`,
      );
      for (const line of lastLines(result)) process.stderr.write(`  ${color.dim(line)}\n`);
      exitCode = EXIT.failed;
    }
  } else {
    outcomes.push({ step: "install", status: "skipped", detail: "--no-install" });
  }

  if (context.offerNamespaces && installed && (await isAuthenticated(options.targetDir))) {
    context.enter("namespaces");
    options.createNamespaces = await confirm({
      message: "You are logged in to Cloudflare. Create the KV namespaces on your account now?",
      initialValue: false,
    });
  }
  if (options.createNamespaces) {
    context.enter("namespaces");
    if (!installed) {
      outcomes.push({ step: "namespaces", status: "skipped", detail: "dependencies are not installed" });
      printWarning(`Namespaces were not created: dependencies are not installed. Later: ${runCommand(options, "kv:namespaces")}`);
    } else {
      const creating = progress("Creating KV namespaces", interactive);
      const result = await createNamespaces(options.targetDir, { onLine: (line) => creating.message(line), signal });
      if (signal.aborted) return EXIT.cancelled;
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

  if (options.git) {
    context.enter("git");
    const git = await initRepository(options.targetDir);
    if (signal.aborted) return EXIT.cancelled;
    outcomes.push(git.done ? { step: "git", status: "done" } : { step: "git", status: "skipped", detail: git.reason });
    if (git.done) print(`${color.green("✔")} Initialized a git repository with a first commit`);
    else print(`${color.dim("-")} Skipped git: ${git.reason}`);
  } else {
    outcomes.push({ step: "git", status: "skipped", detail: "--no-git" });
  }
  return exitCode;
}

function printSummary(options: Options, files: PlannedFile[], installed: boolean): void {
  print(
    [
      section("KV namespaces", namespaceLines(options)),
      section("Settings", sessionAndLimitLines(options)),
      section("Files", fileLines(files)),
      section("Next", nextCommands(options, installed).map((line) => `  ${color.cyan(line)}`)),
      options.createNamespaces
        ? ""
        : `\nThe first deploy creates the KV namespaces. To create them now and pin their IDs in wrangler.jsonc: ${runCommand(options, "kv:namespaces")} (after \`wrangler login\` or with CLOUDFLARE_API_TOKEN set).\n`,
    ].join(""),
  );
}

/**
 * Ctrl+C after the files are written: the project stays (it is the user's now), so
 * say what state it is in and the one command that finishes it, and exit 130.
 */
function cancelledAfterWrite(options: Options, step: StepName): number {
  const states: Record<StepName, [doing: string, state: string]> = {
    install: ["installing dependencies", "every project file is written, but its dependencies are not (or only partly) installed"],
    types: ["generating types", "the project is written and installed; worker-configuration.d.ts may be missing"],
    namespaces: ["creating KV namespaces", "the project is written and installed; the namespaces created so far have their IDs in wrangler.jsonc"],
    git: ["initialising git", "the project is written and installed, without a finished git repository"],
  };
  const [doing, state] = states[step];
  printError(`Cancelled while ${doing}: ${state}. Finish with: ${finishingCommand(options, step)}`);
  return EXIT.cancelled;
}

/** The one command that finishes a project whose `step` was interrupted. */
function finishingCommand(options: Options, step: StepName): string {
  const commands: Record<StepName, string> = {
    install: installCommand(options.packageManager),
    types: runCommand(options, "types"),
    namespaces: runCommand(options, "kv:namespaces"),
    git: 'git init && git add -A && git commit -m "Initial commit from create-kv-edge"',
  };
  return inFolder(whereFromHere(options), commands[step]);
}

/** Ctrl+C from here on aborts the running child instead of killing us mid-step. */
function listenForInterrupt() {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.on("SIGINT", onInterrupt);
  return { signal: controller.signal, stop: () => process.off("SIGINT", onInterrupt) };
}


function runCommand(options: Options, script: string): string {
  return `${buildContext(options).commands.run} ${script}`;
}

/** A spinner on a terminal; plain lines anywhere else (CI logs hate spinners). */
function progress(message: string, interactive: boolean) {
  if (interactive) {
    const spinner = clack.spinner();
    spinner.start(message);
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
