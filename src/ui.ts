/**
 * Colors and plain output. One rule everywhere: color only when stdout is a
 * terminal and NO_COLOR is not set. Every line passes the credential filter.
 */
import picocolors from "picocolors";
import { redact } from "./secrets.js";

export const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const color = picocolors.createColors(useColor);

let humanOutput: NodeJS.WritableStream = process.stdout;

/** --json: stdout carries only the JSON document, so the human text moves to stderr. */
export function sendHumanTextToStderr(): void {
  humanOutput = process.stderr;
}

export function print(text = ""): void {
  humanOutput.write(`${redact(text)}\n`);
}

export function printError(text: string): void {
  process.stderr.write(`${color.red("✖")} ${redact(text)}\n`);
}

export function printWarning(text: string): void {
  process.stderr.write(`${color.yellow("▲")} ${redact(text)}\n`);
}
