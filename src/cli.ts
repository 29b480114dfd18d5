/**
 * main(): argv -> exit code. Owns the exit codes (README.md) and how errors are
 * shown; the scaffolding flow itself is in scaffold.ts, loaded only when needed so
 * that --help and --version start fast.
 */
import packageJson from "../package.json" with { type: "json" };
import { CancelledError, EXIT, UserError } from "./errors.js";
import { parseFlags } from "./options/parse.js";
import { helpText } from "./options/table.js";
import { cancelExitCode, installSignalHandlers, showCursor } from "./signals.js";
import { print, printError } from "./ui.js";

export async function main(argv: string[]): Promise<number> {
  try {
    const flags = parseFlags(argv);
    if (flags.help) {
      print(helpText(packageJson.version));
      return EXIT.ok;
    }
    if (flags.version) {
      print(packageJson.version);
      return EXIT.ok;
    }
    installSignalHandlers();
    const { scaffold } = await import("./scaffold.js");
    return await scaffold(flags, packageJson.version);
  } catch (error) {
    if (error instanceof CancelledError) {
      showCursor();
      printError("Cancelled; nothing was written.");
      return cancelExitCode();
    }
    if (error instanceof UserError) {
      printError(error.message);
      return error.exitCode;
    }
    printError(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write("Run again with DEBUG=1 for details, and please report it.\n");
    return EXIT.failed;
  }
}
