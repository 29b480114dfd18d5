/**
 * Choices: the flags whose value decides which files a project gets, so that it
 * carries only what it uses (the rate-limit backend it counts with, not all three).
 * template.json lists them under `filesByChoice`; a feature unit under `files.byChoice`.
 */
import { DOCUMENT_WRITES, RATE_LIMIT_BACKENDS } from "../durable-objects.js";
import { CACHE_PATTERNS } from "./cache.js";
import type { FeatureUnit } from "./unit.js";

export type Choice = "rate-limit-backend" | "document-writes" | "cache-pattern";

/** Choice -> value -> paths written only with that value, e.g. { "rate-limit-backend": { kv: ["src/lib/rate-limiter.ts"] } }. */
export type FilesByChoice = Partial<Record<Choice, Record<string, string[]>>>;

/** Where a project's settings (or a render context, rebuilt) hold the value of each choice. */
export interface ChoiceSettings {
  rateLimitBackend: string;
  documentWrites: string;
  cachePattern: string;
}

/** Each choice's values (those of its flag) and its value in a project's settings. */
export const CHOICES: Record<Choice, { values: readonly string[]; of: (settings: ChoiceSettings) => string }> = {
  "rate-limit-backend": { values: RATE_LIMIT_BACKENDS, of: (settings) => settings.rateLimitBackend },
  "document-writes": { values: DOCUMENT_WRITES, of: (settings) => settings.documentWrites },
  "cache-pattern": { values: CACHE_PATTERNS, of: (settings) => settings.cachePattern },
};

/**
 * Whether a file fits the project's choices: a file listed under some values of a
 * choice needs the project to have one of them; a file listed under none always fits.
 */
export function fitsChoices(path: string, filesByChoice: FilesByChoice, settings: ChoiceSettings): boolean {
  return Object.entries(filesByChoice).every(([choice, byValue]) => {
    const values = Object.entries(byValue ?? {}).filter(([, paths]) => listsPath(paths, path));
    return values.length === 0 || values.some(([value]) => value === CHOICES[choice as Choice].of(settings));
  });
}

/** Those of a unit's `files` that fit the project's choices (the library of its chosen backend only). */
export function chosenFiles(unit: FeatureUnit, files: readonly string[], settings: ChoiceSettings): string[] {
  return files.filter((file) => fitsChoices(file, unit.files.byChoice ?? {}, settings));
}

/** Whether a list of template paths names this file, itself or a folder ("seed/") that holds it. */
export function listsPath(paths: readonly string[] | undefined, path: string): boolean {
  return paths?.some((entry) => (entry.endsWith("/") ? path.startsWith(entry) : path === entry)) ?? false;
}
