/**
 * A render context + a loaded template -> the exact list of files to write, in memory.
 * Every path check lives here: a template (perhaps a fork someone else controls)
 * can only ever produce plain relative paths inside the project folder.
 */
import { UserError } from "../errors.js";
import { fitsChoices, listsPath } from "../features/choices.js";
import type { FeatureId } from "../features/index.js";
import type { RenderContext } from "./context.js";
import { render } from "./render.js";
import type { LoadedTemplate, TemplateManifest } from "./types.js";

export interface PlannedFile {
  /** Relative to the project folder, "/"-separated. */
  path: string;
  bytes: Uint8Array;
}

/** Dotfiles ship under another name: npm pack drops .gitignore and .npmrc, and .dev.vars is ignored by git. */
const RENAMED_FILES: Record<string, string> = { _gitignore: ".gitignore", _npmrc: ".npmrc", "_dev.vars": ".dev.vars" };

export function buildPlan(template: LoadedTemplate, context: RenderContext): PlannedFile[] {
  const planned = new Map<string, PlannedFile>();
  for (const file of template.files) {
    if (!isWanted(file.path, template.manifest, context)) continue;
    const rendered = file.path.endsWith(".hbs");
    const target = outputPath(rendered ? file.path.slice(0, -".hbs".length) : file.path);
    const where = `${template.source === "built-in" ? "" : `${template.source} `}${file.path}`.trim();
    if (planned.has(target)) {
      throw new UserError(`template ${where}: writes ${target} a second time; remove one of the two files`);
    }
    if (!rendered) {
      planned.set(target, { path: target, bytes: file.bytes });
      continue;
    }
    const origin = template.source === "built-in" ? "ours" : "fork";
    const text = render({ text: new TextDecoder().decode(file.bytes), where, origin }, context);
    // A file for one package manager only ({{#if (eq packageManager "pnpm")}}) renders
    // to nothing for the others: such a file is not written at all.
    if (text.trim() === "") continue;
    planned.set(target, { path: target, bytes: new TextEncoder().encode(text) });
  }
  // Byte order, not localeCompare: the same on every machine, and no ICU start-up cost.
  return [...planned.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Whether template.json has this file written for this project. A file listed under
 * features (`files`) needs at least one of them chosen (a helper shared by two
 * features is listed under both), and a file listed under a choice's values
 * (`filesByChoice`) needs the choice to have one of them. A file listed nowhere is
 * always written.
 */
function isWanted(path: string, manifest: TemplateManifest, context: RenderContext): boolean {
  const owners = Object.entries(manifest.files).filter(([, paths]) => listsPath(paths, path));
  const featureChosen = owners.length === 0 || owners.some(([feature]) => context.features[feature as FeatureId]);
  const choices = { rateLimitBackend: context.rateLimit.backend, documentWrites: context.documentWrites, cachePattern: context.cachePattern };
  return featureChosen && fitsChoices(path, manifest.filesByChoice, choices);
}

/** Renames dotfiles and refuses anything that is not a plain relative path. */
export function outputPath(templatePath: string): string {
  const segments = templatePath.split("/");
  const last = segments.length - 1;
  segments[last] = RENAMED_FILES[segments[last] ?? ""] ?? segments[last] ?? "";
  const unsafe = segments.find(
    (segment) =>
      segment === "" ||
      segment === "." ||
      segment === ".." ||
      segment.includes("\\") ||
      segment.includes("\0") ||
      /^[a-zA-Z]:/.test(segment),
  );
  if (unsafe !== undefined || templatePath.startsWith("/")) {
    throw new UserError(`template file "${templatePath}" has an unsafe path; a template may only hold plain relative paths`);
  }
  if (segments[0] === ".git") {
    throw new UserError(`template file "${templatePath}" would write into .git; remove it from the template`);
  }
  return segments.join("/");
}
