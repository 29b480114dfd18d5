/**
 * main(): argv -> command -> exit code. Owns the exit codes (README.md) and how
 * errors are shown. The commands live in src/commands/, each loaded only when
 * needed so that --help and --version start fast:
 *   create-kv-edge [directory]        create (the default)
 *   create-kv-edge add <feature...>   add features to an existing Worker
 *   create-kv-edge update             update a project from its template
 * A folder literally named "add" or "update" is given as ./add.
 */
import packageJson from "../package.json" with { type: "json" };
import { CancelledError, EXIT, systemUserError, UsageError, UserError } from "./errors.js";
import { parseFlags } from "./options/parse.js";
import { helpText } from "./options/table.js";
import { cancelExitCode, installSignalHandlers, showCursor, signalReceived } from "./signals.js";
import { print, printError, sendHumanTextToStderr } from "./ui.js";

const COMMANDS = ["add", "update"] as const;

export async function main(argv: string[]): Promise<number> {
  // Known before parsing, so that even a usage error answers in JSON.
  const json = argv.includes("--json");
  if (json) sendHumanTextToStderr();
  const exit = (exitCode: number, message: string) => {
    if (json) {
      const outcome = exitCode === EXIT.cancelled || signalReceived() ? "cancelled" : "failed";
      process.stdout.write(`${JSON.stringify({ outcome, exitCode, error: message }, null, 2)}\n`);
    }
    return exitCode;
  };
  try {
    // pnpm and bun pass a literal "--" through to us; it means nothing here.
    const args = argv.filter((arg) => arg !== "--");
    const command = COMMANDS.find((name) => name === args[0]);
    installSignalHandlers();
    if (command === "update") {
      const { update } = await import("./commands/update.js");
      return await update(args.slice(1), packageJson.version);
    }
    const flags = command === "add" ? parseFlags(args.slice(1), "add") : parseFlags(args);
    if (flags.help) {
      print(helpText(packageJson.version, command ?? "create"));
      return EXIT.ok;
    }
    if (command === "add") {
      const { add } = await import("./commands/add.js");
      return await add(flags, packageJson.version);
    }
    if (flags.version) {
      print(packageJson.version);
      return EXIT.ok;
    }
    const stray = COMMANDS.find((name) => name === flags.directory);
    if (stray) {
      throw new UsageError(`"${stray}" is a command and goes first (create-kv-edge ${stray} ...); for a folder named ${stray}, write ./${stray}`);
    }
    const { create } = await import("./commands/create.js");
    return await create(flags, packageJson.version);
  } catch (error) {
    if (error instanceof CancelledError) {
      showCursor();
      printError("Cancelled; nothing was written.");
      return exit(cancelExitCode(), "cancelled; nothing was written");
    }
    const userError = error instanceof UserError ? error : systemUserError(error);
    if (userError) {
      printError(userError.message);
      return exit(userError.exitCode, userError.message);
    }
    const message = `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    printError(message);
    if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write("Run again with DEBUG=1 for details, and please report it.\n");
    return exit(EXIT.failed, message);
  }
}
