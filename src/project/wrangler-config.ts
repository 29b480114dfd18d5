/**
 * A Worker's wrangler configuration (wrangler.jsonc, wrangler.json or wrangler.toml):
 * read what `add` needs to know, and add bindings (KV namespaces, Durable Objects with
 * their migration, Rate Limiting) without touching anything else.
 *
 * JSON and JSONC are edited through jsonc-parser, which inserts text at the right
 * places and leaves every other byte (comments, trailing commas, indentation) as it
 * was. TOML is edited by appending tables (`[[kv_namespaces]]`, `[[migrations]]`, ...),
 * and the result is parsed again to prove it is valid and holds the new entries.
 * Pure: text in, text out; reading and writing the file is the caller's job.
 */
import {
  createScanner,
  findNodeAtLocation,
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
  /** The Worker's name, if the config names it. */
  name?: string;
  /** The Worker's entry module, e.g. "src/index.ts", if the config names one. */
  main?: string;
  /** Names of the config's environments (`env.<name>`). */
  envs: string[];
  /** Every binding name the config declares, at the top level or in any environment. */
  bindings: Set<string>;
  /** Every Durable Object class the config binds or migrates, anywhere. */
  classes: Set<string>;
}

/** What add puts into one section of the config: the top level, or one environment. */
export interface SectionAdditions {
  kv: string[];
  /** Durable Object bindings; their classes also get one migration that creates them with SQLite storage. */
  durableObjects: { name: string; className: string }[];
  /** Rate Limiting bindings. */
  rateLimits: { name: string; namespaceId: string; limit: number; period: number }[];
}

type Table = Record<string, unknown>;

export function readWranglerConfig(file: ConfigFile, text: string): WranglerConfig {
  const data = parseConfigText(file, text);
  const envTable = isTable(data.env) ? data.env : {};
  const sections = [data, ...Object.values(envTable).filter(isTable)];
  return {
    file,
    text,
    name: typeof data.name === "string" ? data.name : undefined,
    main: typeof data.main === "string" ? data.main : undefined,
    envs: Object.keys(envTable),
    bindings: new Set(sections.flatMap(bindingNames)),
    classes: new Set(sections.flatMap(classNames)),
  };
}

/**
 * The config text with the additions for each section: the top level (`env` undefined)
 * and every environment. Bindings are not inherited by environments, so each gets its
 * own. Migrations are: an environment without a `migrations` list of its own inherits
 * the top level's (which gets the new migration), so only an environment that has its
 * own list gets one appended. Existing migrations are history and never edited.
 */
export function addBindings(config: WranglerConfig, additionsFor: (env: string | undefined) => SectionAdditions): string {
  const data = parseConfigText(config.file, config.text);
  const sections = [undefined, ...config.envs].map((env) => {
    const section = env === undefined ? data : lookup(data, ["env", env]);
    return { env, ...entriesFor(isTable(section) ? section : {}, env, additionsFor(env)) };
  });
  if (sections.every(({ lists }) => lists.every(({ entries }) => entries.length === 0))) return config.text;
  const text = config.file === "wrangler.toml" ? appendToml(config, sections) : editJson(config, sections);
  checkAdded(config, text, sections);
  return text;
}

/** One section's additions as the config's lists (path inside the section) and their new entries. */
interface SectionEntries {
  env: string | undefined;
  lists: { path: string[]; entries: Table[] }[];
}

function entriesFor(section: Table, env: string | undefined, additions: SectionAdditions): Omit<SectionEntries, "env"> {
  const classes = additions.durableObjects.map((entry) => entry.className);
  const ownMigrations = Array.isArray(section.migrations) ? section.migrations : undefined;
  const migrate = classes.length > 0 && (env === undefined || ownMigrations !== undefined);
  return {
    lists: [
      { path: ["kv_namespaces"], entries: additions.kv.map((binding) => ({ binding })) },
      { path: ["durable_objects", "bindings"], entries: additions.durableObjects.map(({ name, className }) => ({ name, class_name: className })) },
      { path: ["migrations"], entries: migrate ? [{ tag: nextTag(ownMigrations ?? []), new_sqlite_classes: classes }] : [] },
      {
        path: ["ratelimits"],
        entries: additions.rateLimits.map(({ name, namespaceId, limit, period }) => ({ name, namespace_id: namespaceId, simple: { limit, period } })),
      },
    ],
  };
}

/**
 * The config text with one migration appended to each given section's own `migrations`
 * list (made when the section has none), proved like addBindings' additions. Used by
 * `update`, which never edits a migration that may have been deployed.
 */
export function appendMigrations(config: WranglerConfig, migrations: { env: string | undefined; entry: Table }[]): string {
  if (migrations.length === 0) return config.text;
  const sections = migrations.map(({ env, entry }) => ({ env, lists: [{ path: ["migrations"], entries: [entry] }] }));
  const text = config.file === "wrangler.toml" ? appendToml(config, sections) : editJson(config, sections);
  checkAdded(config, text, sections);
  return text;
}

/** A migration tag the list does not have yet: v<count + 1>, or the next free one after it. */
export function nextTag(migrations: unknown[]): string {
  const tags = new Set(migrations.map((entry) => (isTable(entry) ? entry.tag : undefined)));
  let number = migrations.length + 1;
  while (tags.has(`v${number}`)) number += 1;
  return `v${number}`;
}

function editJson(config: WranglerConfig, sections: SectionEntries[]): string {
  const eol = config.text.includes("\r\n") ? "\r\n" : "\n";
  const unit = indentUnitOf(config.text);
  let text = config.text;
  const addTo = (path: string[], values: Table[]) => {
    if (values.length === 0) return;
    const tree = parseTree(text, [], { allowTrailingComma: true }) as Node;
    // The deepest part of the path that exists: the list itself, or the object to put it in.
    let depth = path.length;
    let node = findNodeAtLocation(tree, path);
    while (!node && depth > 0) {
      depth -= 1;
      node = findNodeAtLocation(tree, path.slice(0, depth));
    }
    if (!node) throw new Error(`${config.file}: no JSON object at the top`);
    const where = path.slice(0, depth).join(".") || "the top level";
    if (depth === path.length) {
      if (node.type !== "array") throw new UserError(`${config.file}: ${where} is not an array; fix it first`);
      text = appendToContainer(text, node, values.map(inlineJson), eol, unit);
    } else {
      if (node.type !== "object") throw new UserError(`${config.file}: ${where} is not an object; fix it first`);
      // The missing part of the path, innermost first: { "durable_objects": { "bindings": [...] } }.
      const value = path.slice(depth + 1).reduceRight<unknown>((inner, key) => ({ [key]: inner }), values);
      text = appendToContainer(text, node, [`${JSON.stringify(path[depth])}: ${blockJson(value, unit)}`], eol, unit);
    }
  };
  for (const { env, lists } of sections) {
    for (const { path, entries } of lists) addTo([...(env === undefined ? [] : ["env", env]), ...path], entries);
  }
  return text;
}

/** A value on one line, in the style of the template's wrangler.jsonc: `{ "name": "X", "simple": { "limit": 1 } }`. */
function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(", ")}]`;
  if (isTable(value)) return `{ ${Object.entries(value).map(([key, inner]) => `${JSON.stringify(key)}: ${inlineJson(inner)}`).join(", ")} }`;
  return JSON.stringify(value);
}

/** A new list (in its objects) over several lines, one entry a line; lines after the first are indented relative to it. */
function blockJson(value: unknown, unit: string): string {
  if (Array.isArray(value)) return `[\n${value.map((entry) => `${unit}${inlineJson(entry)}`).join(",\n")}\n]`;
  if (isTable(value)) {
    const members = Object.entries(value).map(([key, inner]) => `${unit}${JSON.stringify(key)}: ${blockJson(inner, unit).replaceAll("\n", `\n${unit}`)}`);
    return `{\n${members.join(",\n")}\n}`;
  }
  return JSON.stringify(value);
}

/**
 * Inserts entries (array elements, or object members) after the container's last
 * child, in its own style: one per line with the last child's indentation (after a
 * comment that ends its line, so the comment stays with its child), or inline when
 * the container is on one line. A trailing comma after the last child is kept, and
 * the new last one gets one too. An entry's "\n" continues at the entry's indentation.
 */
function appendToContainer(text: string, container: Node, entries: string[], eol: string, unit: string): string {
  const last = container.children?.at(-1);
  const lineIndent = (offset: number) => /^[ \t]*/.exec(text.slice(text.lastIndexOf("\n", offset - 1) + 1))?.[0] ?? "";
  const at = (indent: string) => entries.map((entry) => entry.replaceAll("\n", `${eol}${indent}`));
  if (!last) {
    const inside = container.offset + 1;
    if (container.type === "array") return `${text.slice(0, inside)}${entries.join(", ")}${text.slice(inside)}`;
    const outer = lineIndent(container.offset);
    return `${text.slice(0, inside)}${eol}${outer}${unit}${at(outer + unit).join(`,${eol}${outer}${unit}`)}${eol}${outer}${text.slice(inside)}`;
  }
  const end = last.offset + last.length;
  const lineStart = text.lastIndexOf("\n", last.offset - 1) + 1;
  const indent = text.slice(lineStart, last.offset);
  const rest = restOfLine(text, end);
  if (indent.trim() !== "" || rest.lineEnd === undefined) {
    return `${text.slice(0, end)}${at(lineIndent(last.offset)).map((entry) => `, ${entry}`).join("")}${text.slice(end)}`;
  }
  const lines = at(indent).map((entry) => `${eol}${indent}${entry}`);
  if (rest.hasComma) return `${text.slice(0, rest.lineEnd)}${lines.map((line) => `${line},`).join("")}${text.slice(rest.lineEnd)}`;
  return `${text.slice(0, end)},${text.slice(end, rest.lineEnd)}${lines.join(",")}${text.slice(rest.lineEnd)}`;
}

/** jsonc-parser's SyntaxKind values (a const enum, which this build cannot inline). */
const TOKEN = { comma: 5, lineComment: 12, lineBreak: 14, whitespace: 15 } as const satisfies Record<string, SyntaxKind>;

/** After a container's last child: is it followed by a comma, and where does its line end (if nothing but a comment follows)? */
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
 * Appends one table per new entry: `[[kv_namespaces]]`, `[[durable_objects.bindings]]`,
 * `[[migrations]]`, `[[ratelimits]]`, and `[[env.<name>.kv_namespaces]]` and so on per
 * environment. A list written inline (`kv_namespaces = [...]`) cannot be extended that
 * way: then the result does not parse, and the user is told what to add by hand.
 */
function appendToml(config: WranglerConfig, sections: SectionEntries[]): string {
  const eol = config.text.includes("\r\n") ? "\r\n" : "\n";
  const blocks = sections.flatMap(({ env, lists }) =>
    lists.flatMap(({ path, entries }) => {
      const header = [...(env === undefined ? [] : ["env", tomlKey(env)]), ...path].join(".");
      return entries.map((entry) => [`[[${header}]]`, ...Object.entries(entry).map(([key, value]) => `${key} = ${inlineToml(value)}`), ""].join(eol));
    }),
  );
  const separator = config.text === "" ? "" : config.text.endsWith(eol) ? eol : `${eol}${eol}`;
  const text = `${config.text}${separator}${blocks.join(eol)}`;
  try {
    parseToml(text);
  } catch (error) {
    const wanted = sections[0]?.lists.flatMap(({ path, entries }) => entries.map((entry) => `${inlineToml(entry)} to ${path.join(".")}`)).join(", ");
    throw new UserError(
      `${config.file}: appending tables does not give valid TOML (${(error as Error).message.split("\n")[0]}); is one of the lists an inline array? Add ${wanted} by hand (and to each environment)`,
    );
  }
  return text;
}

function inlineToml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineToml).join(", ")}]`;
  if (isTable(value)) return `{ ${Object.entries(value).map(([key, inner]) => `${tomlKey(key)} = ${inlineToml(inner)}`).join(", ")} }`;
  return JSON.stringify(value);
}

/** Proves the edit: the new text parses and every section's lists hold their new entries. */
function checkAdded(config: WranglerConfig, text: string, sections: SectionEntries[]): void {
  const data = parseConfigText(config.file, text);
  for (const { env, lists } of sections) {
    for (const { path, entries } of lists) {
      const list = lookup(data, [...(env === undefined ? [] : ["env", env]), ...path]);
      for (const entry of entries) {
        if (!Array.isArray(list) || !list.some((existing) => JSON.stringify(existing) === JSON.stringify(entry))) {
          throw new Error(`editing ${config.file} did not add ${JSON.stringify(entry)} to ${env === undefined ? "" : `env.${env}.`}${path.join(".")}`);
        }
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

/** Durable Object classes of one section: bound, or created or renamed by a migration. */
function classNames(section: Table): string[] {
  const bindings = isTable(section.durable_objects) && Array.isArray(section.durable_objects.bindings) ? section.durable_objects.bindings : [];
  const migrations = Array.isArray(section.migrations) ? section.migrations : [];
  const names: unknown[] = bindings.map((entry) => (isTable(entry) ? entry.class_name : undefined));
  for (const migration of migrations.filter(isTable)) {
    for (const key of ["new_classes", "new_sqlite_classes"]) if (Array.isArray(migration[key])) names.push(...(migration[key] as unknown[]));
    if (Array.isArray(migration.renamed_classes)) names.push(...migration.renamed_classes.map((entry) => (isTable(entry) ? entry.to : undefined)));
  }
  return names.filter((name): name is string => typeof name === "string");
}

/** One level of the file's indentation: that of its first indented key, else a tab. */
function indentUnitOf(text: string): string {
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? "\t";
  return indent.startsWith("\t") ? "\t" : indent;
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
