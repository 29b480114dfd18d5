/**
 * `create-kv-edge [directory]`: flags + prompts -> options -> render context ->
 * plan -> files on disk -> post-steps -> summary. Each arrow is a module of its
 * own; this file only wires them (signals.ts owns cancellation).
 */
import * as clack from "@clack/prompts";
import path from "node:path";
import { builtinTemplateDir } from "../builtin-template.js";
import { EXIT, UsageError } from "../errors.js";
import type { Flags } from "../options/parse.js";
import { choosePackageManager, isInteractive, missingAnswers, resolveOptions, type Options } from "../options/resolve.js";
import { checkFlagsFitTemplate } from "../options/template.js";
import { commandsOf } from "../package-managers.js";
import { ask, confirm } from "../prompts.js";
import { fileLines, formatPlan, namespaceLines, nextCommands, section, sessionAndLimitLines } from "../report.js";
import { consentQuestion, lifecycleScripts, notRunLine, type LifecycleScript } from "../steps/consent.js";
import { initRepository } from "../steps/git.js";
import { installDependencies } from "../steps/install.js";
import { createNamespaces, isAuthenticated } from "../steps/namespaces.js";
import { generateTypes } from "../steps/types.js";
import { pickAnswers, RECORD_FILE, RECORD_FORMAT, serializeRecord, type ProjectRecord } from "../project/record.js";
import { describeTemplate } from "../project/template-version.js";
import { buildRenderContext } from "../template/context.js";
import { buildPlan, type PlannedFile } from "../template/plan.js";
import { loadTemplate } from "../template/source.js";
import type { LoadedTemplate } from "../template/types.js";
import { inspectTarget, notEmptyError, recoverInterruptedRuns, writeProject } from "../template/write.js";
import { projectWritten, signalReceived, whileWriting } from "../signals.js";
import { color, print, printError, printWarning } from "../ui.js";
import { compatibilityDate, versions } from "../versions.js";

export async function create(flags: Flags, version: string): Promise<number> {
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
  const answers = askQuestions ? await ask(flags, { manifest: template.manifest, packageManager, cwd }) : {};
  const options = resolveOptions(flags, answers, { cwd, packageManager, template });
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
  const files = withRecord(buildPlan(template, buildRenderContext(options)), record);
  if (options.dryRun) {
    print(formatPlan(options, files));
    return EXIT.ok;
  }

  const templateCode = await templateCodeConsent(template, files, flags, askQuestions, options);

  const { replaced, recovered } = await writeWithCancellation(files, options.targetDir, options.overwrite);
  projectWritten(`Stopped. The project in ${options.targetDir} is written, but set-up did not finish; run ${options.packageManager} install there.`);
  for (const line of recovered) printWarning(line);
  print(`${color.green("✔")} Wrote ${files.length} files to ${options.targetDir}`);
  if (replaced.length > 0) printWarning(`Replaced existing files: ${replaced.join(", ")}`);

  // Whether the user is logged in to Cloudflare is only known once wrangler is installed.
  const offerNamespaces = askQuestions && flags.createNamespaces === undefined;
  return runSteps(options, files, { interactive, offerNamespaces, templateCode });
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
  return { trusted: await confirm({ message: consentQuestion(template.source, scripts), initialValue: false }), scripts };
}

/** The project record (.kv-edge.json) is written with the template's files, in byte order. */
function withRecord(files: PlannedFile[], record: ProjectRecord): PlannedFile[] {
  const recordFile = { path: RECORD_FILE, bytes: new TextEncoder().encode(serializeRecord(record)) };
  return [...files.filter((file) => file.path !== RECORD_FILE), recordFile].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

/** Writes all or nothing: SIGINT, SIGTERM or SIGHUP meanwhile rolls the write back (signals.ts). */
export function writeWithCancellation(files: PlannedFile[], targetDir: string, overwrite: boolean) {
  return whileWriting(() => writeProject(files, targetDir, { overwrite, isCancelled: () => signalReceived() !== undefined }));
}

async function runSteps(
  options: Options,
  files: PlannedFile[],
  { interactive, offerNamespaces, templateCode }: { interactive: boolean; offerNamespaces: boolean; templateCode: TemplateCode },
): Promise<number> {
  let exitCode: number = EXIT.ok;
  let installed = false;

  if (options.install) {
    const installing = progress(`Installing dependencies with ${options.packageManager}`, interactive);
    const result = await installDependencies(options.targetDir, options.packageManager, {
      ignoreScripts: !templateCode.trusted,
    });
    installing.stop(result.ok ? "Installed dependencies" : undefined);
    if (result.ok) {
      installed = true;
      const types = templateCode.trusted ? await generateTypes(options.targetDir) : undefined;
      if (types && !types.ok) printWarning(`wrangler types failed (${types.reason}); run it later with: ${runCommand(options, "types")}`);
    } else {
      printError(`Install failed (${result.reason}). The project is complete; retry with: cd ${options.directory} && ${options.packageManager} install`);
      exitCode = EXIT.failed;
    }
  }

  const createNow =
    options.createNamespaces ||
    (offerNamespaces &&
      installed &&
      templateCode.trusted &&
      (await isAuthenticated(options.targetDir)) &&
      (await confirm({
        message: "You are logged in to Cloudflare. Create the KV namespaces on your account now?",
        initialValue: false,
      })));
  if (createNow) {
    if (!installed) {
      printWarning(`Namespaces were not created: dependencies are not installed. Later: ${runCommand(options, "kv:namespaces")}`);
    } else if (!templateCode.trusted) {
      printWarning(`Namespaces were not created: the template's namespaces script was not allowed to run. Later: ${runCommand(options, "kv:namespaces")}`);
    } else {
      const creating = progress("Creating KV namespaces", interactive);
      const result = await createNamespaces(options.targetDir, { onLine: (line) => creating.message(line) });
      creating.stop(result.ok ? "Created KV namespaces" : undefined);
      for (const line of result.lines) print(`  ${line}`);
      if (!result.ok) {
        printWarning(`Some namespaces were not created; wrangler will create id-less ones on first deploy. Retry later with: ${runCommand(options, "kv:namespaces")}`);
      }
    }
  }

  if (options.git) {
    const git = await initRepository(options.targetDir);
    if (git.done) print(`${color.green("✔")} Initialized a git repository with a first commit`);
    else print(`${color.dim("-")} Skipped git: ${git.reason}`);
  }

  if (!templateCode.trusted && (options.install || options.createNamespaces)) {
    printWarning(notRunLine(templateCode.scripts, commandsOf(options.packageManager)));
  }
  print(
    [
      section("KV namespaces", namespaceLines(options)),
      section("Settings", sessionAndLimitLines(options)),
      section("Files", fileLines(files)),
      section("Next", nextCommands(options, installed).map((line) => `  ${color.cyan(line)}`)),
      createNow
        ? ""
        : `\nThe first deploy creates the KV namespaces. To create them now and pin their IDs in wrangler.jsonc: ${runCommand(options, "kv:namespaces")} (after \`wrangler login\` or with CLOUDFLARE_API_TOKEN set).\n`,
    ].join(""),
  );
  if (interactive) clack.outro(`Done. The README in ${options.directory} explains the namespace layout, key naming and TTL policy.`);
  return exitCode;
}

function runCommand(options: Options, script: string): string {
  return `${commandsOf(options.packageManager).run} ${script}`;
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
