/**
 * main(): argv -> exit code. Owns the exit codes (README.md) and how errors are
 * shown; the scaffolding flow itself is in scaffold.ts, loaded only when needed so
 * that --help and --version start fast.
 */
import packageJson from "../package.json" with { type: "json" };
import { CancelledError, EXIT, UserError } from "./errors.js";
import { parseFlags } from "./options/parse.js";
import { helpText } from "./options/table.js";
import { print, printError, sendHumanTextToStderr } from "./ui.js";

export async function main(argv: string[]): Promise<number> {
  // Known before parsing, so that even a usage error answers in JSON.
  const json = argv.includes("--json");
  if (json) sendHumanTextToStderr();
  const exit = (exitCode: number, message: string) => {
    if (json) {
      const outcome = exitCode === EXIT.cancelled ? "cancelled" : "failed";
      process.stdout.write(`${JSON.stringify({ outcome, exitCode, error: message }, null, 2)}\n`);
    }
    return exitCode;
  };
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
    const { scaffold } = await import("./scaffold.js");
    return await scaffold(flags, packageJson.version);
  } catch (error) {
    if (error instanceof CancelledError) {
      printError("Cancelled; nothing was written.");
      return exit(EXIT.cancelled, "cancelled; nothing was written");
    }
    if (error instanceof UserError) {
      printError(error.message);
      return exit(error.exitCode, error.message);
    }
    const message = `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    printError(message);
    if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write("Run again with DEBUG=1 for details, and please report it.\n");
    return exit(EXIT.failed, message);
  }
}
