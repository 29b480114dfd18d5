/**
 * Colors and plain output. One rule everywhere: color only when stdout is a
 * terminal and NO_COLOR is not set. Every line passes the credential filter.
 */
import { stripVTControlCharacters } from "node:util";
import picocolors from "picocolors";
import { redact } from "./secrets.js";

export const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const color = picocolors.createColors(useColor);

let humanOutput: NodeJS.WritableStream = process.stdout;

/** --json: stdout carries only the JSON document, so the human text moves to stderr. */
export function sendHumanTextToStderr(): void {
  humanOutput = process.stderr;
}

/** The width human text wraps at: the terminal's, or 80 columns without one. */
export function textWidth(): number {
  const stream = humanOutput as NodeJS.WriteStream;
  return stream.isTTY && stream.columns > 0 ? stream.columns : 80;
}

/**
 * Wraps each line at `width` columns between words, never inside one (a word longer
 * than the line stays whole). A continuation keeps the line's indent plus two spaces.
 * Colour codes take no width.
 */
export function wrapText(text: string, width: number): string {
  const widthOf = (part: string) => stripVTControlCharacters(part).length;
  return text
    .split("\n")
    .map((line) => {
      if (widthOf(line) <= width) return line;
      const indent = /^ */.exec(line)![0];
      // Words and the runs of spaces between them, so that a table's padding survives.
      const parts = line.slice(indent.length).split(/( +)/);
      const lines: string[] = [];
      let current = indent + (parts[0] ?? "");
      for (let index = 1; index < parts.length; index += 2) {
        const gap = parts[index]!;
        const word = parts[index + 1] ?? "";
        if (widthOf(current) + gap.length + widthOf(word) > width) {
          lines.push(current);
          current = `${indent}  ${word}`;
        } else {
          current += gap + word;
        }
      }
      lines.push(current);
      return lines.join("\n");
    })
    .join("\n");
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
