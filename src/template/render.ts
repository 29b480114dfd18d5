/**
 * The one Handlebars instance templates are rendered with. Templates may come from
 * a fork someone else controls, so the instance is locked down:
 * - isolated (create()), with only the helpers below plus Handlebars' built-in block
 *   helpers (if, unless, each, with);
 * - noEscape: we write code and JSON, not HTML; values that land in code or JSON
 *   go through {{json}};
 * - strict: a misspelt variable is an error naming the file and line;
 * - no prototype access: Handlebars already refuses it, but renders
 *   {{constructor}} as empty text, so such names are refused before rendering
 *   (compile.ts).
 *
 * Only Handlebars' runtime is loaded here. Every template runs as a precompiled
 * specification on this instance: our own sources (the built-in template's .hbs files
 * and the features' fragments) were precompiled at build time (scripts/bundle-options.mjs);
 * any other source (a fork's file) is precompiled at run time by compile.ts, with the
 * same checks and options, which loadCompilerFor loads only when such a source exists.
 * A fork's file is never rendered with a build-time specification, whatever its text.
 */
// The package has no exports map: Node resolves the file by its full name.
import HandlebarsRuntime from "handlebars/runtime.js";
import { UserError } from "../errors.js";
import { precompiledTemplates } from "./precompiled.js";

export const helpers: Record<string, (...args: unknown[]) => unknown> = {
  json: (value) => {
    if (value === undefined) throw new Error("json: the value is undefined");
    return JSON.stringify(value);
  },
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  and: (...args) => args.slice(0, -1).every(Boolean),
  or: (...args) => args.slice(0, -1).some(Boolean),
  not: (value) => !value,
  includes: (list, value) => Array.isArray(list) && list.includes(value),
};

// handlebars/runtime's types are an empty module: it is the full instance without the compiler.
const handlebars = (HandlebarsRuntime as unknown as typeof Handlebars).create();
handlebars.registerHelper(helpers);
// Handlebars' own lookup/log helpers are not part of the template language we offer.
handlebars.unregisterHelper("lookup");
handlebars.unregisterHelper("log");
handlebars.unregisterHelper("helperMissing");

let compiler: typeof import("./compile.js") | undefined;

/**
 * Who wrote a template source: this package ("ours": the built-in template's files,
 * the feature units' fragments) or someone else ("fork": a --template's files).
 */
export type TemplateOrigin = "ours" | "fork";

/** One Handlebars source. */
export interface TemplateSource {
  text: string;
  /** Names it in errors, e.g. "src/config.ts.hbs" or "feature cache (config)"; our precompiled sources are found by it. */
  where: string;
  origin: TemplateOrigin;
}

/**
 * Loads Handlebars' compiler when one of these sources was not precompiled at build
 * time (a fork's file; every source when running from src/, where nothing is).
 * loadTemplate calls it, so a loaded template is ready to render.
 */
export async function loadCompilerFor(sources: Iterable<TemplateSource>): Promise<void> {
  if (compiler !== undefined) return;
  for (const source of sources) {
    if (precompiledSpec(source) === undefined) return loadCompiler();
  }
}

/** Loads Handlebars' compiler whatever the sources (unit tests, which run from src/). */
export async function loadCompiler(): Promise<void> {
  compiler ??= await import("./compile.js");
}

/** Renders one template source. */
export function render(source: TemplateSource, context: object): string {
  const { text, where } = source;
  const spec = precompiledSpec(source) ?? compiled(text, where);
  try {
    return handlebars.template(spec)(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (error) {
    throw templateError(where, error);
  }
}

function compiled(source: string, where: string): TemplateSpecification {
  if (compiler === undefined) {
    throw new Error(`render: ${where} was not precompiled and Handlebars' compiler is not loaded (loadCompilerFor was not called)`);
  }
  return compiler.compile(source, where);
}

/** The build-time specification of one of our own sources; never one for a fork's file. */
function precompiledSpec(source: TemplateSource): TemplateSpecification | undefined {
  return source.origin === "ours" ? precompiledTemplates[templateKey(source)] : undefined;
}

/**
 * What a precompiled template is found by: its name and its length. Only our own
 * sources are looked up, so nothing needs hashing: the name says which source it is,
 * and the length tells a built-in file edited since the build (which then compiles
 * at run time) from the one that was precompiled.
 */
export function templateKey(source: Pick<TemplateSource, "text" | "where">): string {
  return `${source.where}:${source.text.length}`;
}

/** The error of a template that fails to compile or render: names the file and the line. */
export function templateError(where: string, error: unknown): UserError {
  return new UserError(`template ${where}: ${describe(error)}`);
}

/** Handlebars' messages end in " - line:column"; parse errors say "on line N". */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const located = / - (\d+):(\d+)$/.exec(message);
  if (located) {
    const text = message
      .slice(0, located.index)
      .replace(" in [object Object]", "")
      .replace("You specified knownHelpersOnly, but used the unknown helper", "unknown helper");
    return `line ${located[1]}: ${text}`;
  }
  const parse = /^Parse error on line (\d+):/.exec(message);
  if (parse) return `line ${parse[1]}: syntax error (${message.split("\n").at(-1)})`;
  return message.split("\n")[0] ?? message;
}
