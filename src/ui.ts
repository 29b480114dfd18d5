/**
 * Colors and plain output. One rule everywhere: color only when stdout is a
 * terminal and NO_COLOR is not set. Every line passes the credential filter.
 */
import picocolors from "picocolors";
import { redact } from "./secrets.js";

export const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const color = picocolors.createColors(useColor);

export function print(text = ""): void {
  process.stdout.write(`${redact(text)}\n`);
}

export function printError(text: string): void {
  process.stderr.write(`${color.red("✖")} ${redact(text)}\n`);
}

export function printWarning(text: string): void {
  process.stderr.write(`${color.yellow("▲")} ${redact(text)}\n`);
}
