/**
 * A Worker's wrangler configuration (wrangler.jsonc, wrangler.json or wrangler.toml):
 * read what `add` needs to know, and add KV bindings without touching anything else.
 *
 * JSON and JSONC are edited through jsonc-parser, which inserts text at the right
 * places and leaves every other byte (comments, trailing commas, indentation) as it
 * was. TOML is edited by appending `[[kv_namespaces]]` tables, and the result is
 * parsed again to prove it is valid and holds the new bindings.
 * Pure: text in, text out; reading and writing the file is the caller's job.
 */
import {
  applyEdits,
  createScanner,
  findNodeAtLocation,
  modify,
  parse as parseJsonc,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
  type SyntaxKind,
} from "jsonc-parser";
import { parse as parseToml } from "smol-toml";
import { UserError } from "../errors.js";

export const CONFIG_FILES = ["wrangler.jsonc", "wrangler.json", "wrangler.toml"] as const;
export type ConfigFile = (typeof CONFIG_FILES)[number];

export interface WranglerConfig {
  file: ConfigFile;
  text: string;
  /** The Worker's entry module, e.g. "src/index.ts", if the config names one. */
  main?: string;
  /** Names of the config's environments (`env.<name>`). */
  envs: string[];
  /** Every binding name the config declares, at the top level or in any environment. */
  bindings: Set<string>;
}

type Table = Record<string, unknown>;

export function readWranglerConfig(file: ConfigFile, text: string): WranglerConfig {
  const data = parseConfigText(file, text);
  const envTable = isTable(data.env) ? data.env : {};
  const bindings = new Set<string>(bindingNames(data));
  for (const env of Object.values(envTable)) if (isTable(env)) for (const name of bindingNames(env)) bindings.add(name);
  return {
    file,
    text,
    main: typeof data.main === "string" ? data.main : undefined,
    envs: Object.keys(envTable),
    bindings,
  };
}

/** The config text with `{ binding }` KV entries added at the top level and in every environment. */
export function addKvBindings(config: WranglerConfig, bindings: readonly string[]): string {
  if (bindings.length === 0) return config.text;
  const text = config.file === "wrangler.toml" ? appendToml(config, bindings) : editJson(config, bindings);
  checkAdded(config, text, bindings);
  return text;
}

function editJson(config: WranglerConfig, bindings: readonly string[]): string {
  const eol = config.text.includes("\r\n") ? "\r\n" : "\n";
  let text = config.text;
  const addTo = (path: string[]) => {
    const node = findNodeAtLocation(parseTree(text, [], { allowTrailingComma: true }) as Node, path);
    if (node && node.type !== "array") throw new UserError(`${config.file}: ${path.join(".")} is not an array; fix it first`);
    const entries = bindings.map((binding) => `{ "binding": ${JSON.stringify(binding)} }`);
    if (node) {
      text = appendToArray(text, node, entries, eol);
    } else {
      const formattingOptions = { ...indentationOf(text), eol };
      text = applyEdits(text, modify(text, path, bindings.map((binding) => ({ binding })), { formattingOptions }));
    }
  };
  addTo(["kv_namespaces"]);
  for (const env of config.envs) addTo(["env", env, "kv_namespaces"]);
  return text;
}

/**
 * Inserts entries after the array's last element, in the array's own style: one per
 * line with the last element's indentation (after a comment that ends its line, so
 * the comment stays with its element), or inline when the array is on one line.
 * A trailing comma after the last element is kept, and the new last one gets one too.
 */
function appendToArray(text: string, array: Node, entries: string[], eol: string): string {
  const last = array.children?.at(-1);
  if (!last) {
    const at = array.offset + 1;
    return `${text.slice(0, at)}${entries.join(", ")}${text.slice(at)}`;
  }
  const end = last.offset + last.length;
  const lineStart = text.lastIndexOf("\n", last.offset - 1) + 1;
  const indent = text.slice(lineStart, last.offset);
  const rest = restOfLine(text, end);
  if (indent.trim() !== "" || rest.lineEnd === undefined) {
    return `${text.slice(0, end)}${entries.map((entry) => `, ${entry}`).join("")}${text.slice(end)}`;
  }
  const lines = entries.map((entry) => `${eol}${indent}${entry}`);
  if (rest.hasComma) return `${text.slice(0, rest.lineEnd)}${lines.map((line) => `${line},`).join("")}${text.slice(rest.lineEnd)}`;
  return `${text.slice(0, end)},${text.slice(end, rest.lineEnd)}${lines.join(",")}${text.slice(rest.lineEnd)}`;
}

/** jsonc-parser's SyntaxKind values (a const enum, which this build cannot inline). */
const TOKEN = { comma: 5, lineComment: 12, lineBreak: 14, whitespace: 15 } as const satisfies Record<string, SyntaxKind>;

/** After an array element: is it followed by a comma, and where does its line end (if nothing but a comment follows)? */
function restOfLine(text: string, from: number): { hasComma: boolean; lineEnd?: number } {
  const scanner = createScanner(text, false);
  scanner.setPosition(from);
  let hasComma = false;
  for (;;) {
    const token = scanner.scan();
    if (token === TOKEN.whitespace || token === TOKEN.lineComment) continue;
    if (token === TOKEN.comma && !hasComma) {
      hasComma = true;
      continue;
    }
    if (token === TOKEN.lineBreak) return { hasComma, lineEnd: scanner.getTokenOffset() };
    return { hasComma };
  }
}

/**
 * Appends one `[[kv_namespaces]]` table per binding (and `[[env.<name>.kv_namespaces]]`
 * per environment). An inline `kv_namespaces = [...]` array cannot be extended that
 * way: then the result does not parse, and the user is told what to add by hand.
 */
function appendToml(config: WranglerConfig, bindings: readonly string[]): string {
  const eol = config.text.includes("\r\n") ? "\r\n" : "\n";
  const prefixes = ["", ...config.envs.map((env) => `env.${tomlKey(env)}.`)];
  const blocks = prefixes.flatMap((prefix) =>
    bindings.map((binding) => `[[${prefix}kv_namespaces]]${eol}binding = ${JSON.stringify(binding)}${eol}`),
  );
  const separator = config.text === "" ? "" : config.text.endsWith(eol) ? eol : `${eol}${eol}`;
  const text = `${config.text}${separator}${blocks.join(eol)}`;
  try {
    parseToml(text);
  } catch (error) {
    const wanted = bindings.map((binding) => `{ binding = "${binding}" }`).join(", ");
    throw new UserError(
      `${config.file}: appending [[kv_namespaces]] tables does not give valid TOML (${(error as Error).message.split("\n")[0]}); is kv_namespaces an inline array? Add ${wanted} to it by hand (and to each environment)`,
    );
  }
  return text;
}

/** Proves the edit: the new text parses and has each binding at the top level and in every environment. */
function checkAdded(config: WranglerConfig, text: string, bindings: readonly string[]): void {
  const data = parseConfigText(config.file, text);
  const sections = [data, ...config.envs.map((env) => lookup(data, ["env", env]))];
  for (const section of sections) {
    const entries = isTable(section) && Array.isArray(section.kv_namespaces) ? section.kv_namespaces : [];
    for (const binding of bindings) {
      if (!entries.some((entry) => isTable(entry) && entry.binding === binding)) {
        throw new Error(`editing ${config.file} did not add the KV binding ${binding}`);
      }
    }
  }
}

function parseConfigText(file: ConfigFile, text: string): Table {
  if (file === "wrangler.toml") {
    try {
      return parseToml(text) as Table;
    } catch (error) {
      throw new UserError(`${file}: not valid TOML (${(error as Error).message.split("\n")[0]}); fix it first`);
    }
  }
  const errors: ParseError[] = [];
  const data = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !isTable(data)) {
    const first = errors[0];
    const problem = first ? `${printParseErrorCode(first.error)} at offset ${first.offset}` : "not an object";
    throw new UserError(`${file}: not valid JSON with comments (${problem}); fix it first`);
  }
  return data;
}

/** Binding names of one section: every `binding` value, Durable Object and rate limit names, and vars. */
function bindingNames(section: Table): string[] {
  const names: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isTable(value)) {
      if (typeof value.binding === "string") names.push(value.binding);
      for (const child of Object.values(value)) walk(child);
    }
  };
  for (const [key, value] of Object.entries(section)) {
    if (key === "env") continue;
    if (key === "vars" && isTable(value)) names.push(...Object.keys(value));
    else walk(value);
  }
  const named = (list: unknown) => (Array.isArray(list) ? list.flatMap((item) => (isTable(item) && typeof item.name === "string" ? [item.name] : [])) : []);
  names.push(...named(isTable(section.durable_objects) ? section.durable_objects.bindings : undefined), ...named(section.ratelimits));
  return names;
}

function indentationOf(text: string): { insertSpaces: boolean; tabSize: number } {
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? "\t";
  return indent.startsWith("\t") ? { insertSpaces: false, tabSize: 1 } : { insertSpaces: true, tabSize: indent.length };
}

function lookup(data: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((value, key) => (isTable(value) || Array.isArray(value) ? (value as Table)[key] : undefined), data);
}

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A bare TOML key when it can be one, else a quoted one. */
function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}
