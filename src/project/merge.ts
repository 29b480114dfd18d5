/**
 * The three-way merge behind `update`. For every file the template renders, three
 * versions meet: `base` (the template as the project was made from it, rendered
 * with the recorded answers), `target` (the template as it is now, or with a new
 * answer) and `project` (what is on disk). The template's change (base -> target)
 * is applied to the project's file, keeping the user's own change (base -> project):
 *
 * - a file the user never changed takes the template's new version;
 * - both changed: the texts are merged by `git merge-file`; where both changed the
 *   same lines, the file gets conflict markers. A JSON file that conflicts as text
 *   is merged key by key instead when the two sides touched different keys
 *   (comments and formatting are kept; see mergeJsonByKey);
 * - a file the user deleted stays deleted; a file the template added appears;
 * - a file the template removed goes only if the user never changed it.
 *
 * Nothing here writes into the project: the result is a list of outcomes and bytes.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyEdits,
  findNodeAtLocation,
  format,
  modify,
  parse,
  parseTree,
  type FormattingOptions,
  type ParseError,
} from "jsonc-parser";
import { removeOnSignal } from "../signals.js";
import { run } from "../steps/run.js";

export type Outcome =
  /** Nothing to do: the template did not change the file, or the project already has its new version. */
  | "unchanged"
  /** The user never changed the file: it takes the template's new version. */
  | "clean"
  /** Both changed it, in different places: merged. */
  | "merged"
  /** Both changed the same lines: written with conflict markers. */
  | "conflict"
  /** New in the template. */
  | "added"
  /** Gone from the template, and the user never changed it. */
  | "removed"
  /** The template changed or removed a file the user deleted or changed: left as the user has it. */
  | "kept";

export interface FileMerge {
  path: string;
  outcome: Outcome;
  /** The file's new content: set for clean, merged, conflict and added. */
  bytes?: Uint8Array;
  /** Why, for kept and for some conflicts. */
  note?: string;
}

export interface MergeInput {
  /** The template as the project was made from it (path -> bytes). */
  base: ReadonlyMap<string, Uint8Array>;
  /** The template as it should be now. */
  target: ReadonlyMap<string, Uint8Array>;
  /** What the project holds at each path of base or target (undefined: no such file). */
  project: ReadonlyMap<string, Uint8Array | undefined>;
  /** Names for the conflict markers, e.g. { base: "template v1", target: "template v2" }. */
  labels: { base: string; target: string };
}

/** One outcome per path of base or target, in byte order of the path. */
export async function mergeProject(input: MergeInput): Promise<FileMerge[]> {
  const paths = [...new Set([...input.base.keys(), ...input.target.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const results: FileMerge[] = [];
  for (const path of paths) {
    results.push(await mergeFile(path, input.base.get(path), input.target.get(path), input.project.get(path), input.labels));
  }
  return results;
}

async function mergeFile(
  path: string,
  base: Uint8Array | undefined,
  target: Uint8Array | undefined,
  project: Uint8Array | undefined,
  labels: MergeInput["labels"],
): Promise<FileMerge> {
  if (target === undefined) {
    // The template removed the file.
    if (project === undefined) return { path, outcome: "unchanged" };
    if (base !== undefined && same(project, base)) return { path, outcome: "removed" };
    return { path, outcome: "kept", note: "the template removed it; you changed it, so it stays" };
  }
  if (base === undefined) {
    // The template added the file.
    if (project === undefined) return { path, outcome: "added", bytes: target };
    if (same(project, target)) return { path, outcome: "unchanged" };
    return mergeContents(path, new Uint8Array(), project, target, labels);
  }
  if (project === undefined) {
    if (same(base, target)) return { path, outcome: "unchanged" };
    return { path, outcome: "kept", note: "the template changed it; you deleted it, so it stays deleted" };
  }
  if (same(base, target) || same(project, target)) return { path, outcome: "unchanged" };
  if (same(project, base)) return { path, outcome: "clean", bytes: target };
  return mergeContents(path, base, project, target, labels);
}

/** Both sides changed the file: a text merge, then a merge by key for JSON that conflicts as text. */
async function mergeContents(
  path: string,
  base: Uint8Array,
  project: Uint8Array,
  target: Uint8Array,
  labels: MergeInput["labels"],
): Promise<FileMerge> {
  if ([base, project, target].some(isBinary)) {
    return { path, outcome: "conflict", bytes: project, note: "a binary file changed on both sides: yours is kept, the template's is not merged" };
  }
  const text = await mergeText(decode(base), decode(project), decode(target), labels);
  if (isJsonPath(path) && (text.conflicts > 0 || !parsesAsJson(text.merged))) {
    const byKey = mergeJsonByKey(decode(base), decode(project), decode(target));
    if (byKey !== undefined) return { path, outcome: "merged", bytes: encode(byKey) };
    if (text.conflicts === 0) {
      return { path, outcome: "conflict", bytes: encode(text.merged), note: "merged as text, but the result is not valid JSON" };
    }
  }
  if (text.conflicts > 0) return { path, outcome: "conflict", bytes: encode(text.merged) };
  return { path, outcome: "merged", bytes: encode(text.merged) };
}

/**
 * git merge-file on three temporary files: the merged text and the number of
 * conflicting hunks (git's exit code), each marked in the text.
 */
export async function mergeText(
  base: string,
  ours: string,
  theirs: string,
  labels: MergeInput["labels"],
): Promise<{ merged: string; conflicts: number }> {
  const dir = await mkdtemp(join(tmpdir(), "create-kv-edge-merge-"));
  const release = removeOnSignal(dir);
  try {
    const files = { ours: join(dir, "yours"), base: join(dir, "base"), theirs: join(dir, "theirs") };
    await Promise.all([writeFile(files.ours, ours), writeFile(files.base, base), writeFile(files.theirs, theirs)]);
    const result = await run(
      "git",
      ["merge-file", "-L", "yours", "-L", labels.base, "-L", labels.target, files.ours, files.base, files.theirs],
      { cwd: dir, timeoutMs: 30_000 },
    );
    // git merge-file exits with the number of conflicts (capped at 127), or < 0 (255) on an error.
    const code = result.exitCode;
    if (code === undefined || code < 0 || code > 127) {
      throw new Error(`git merge-file failed: ${result.reason ?? ""} ${result.stderr.trim()}`.trim());
    }
    return { merged: await readFile(files.ours, "utf8"), conflicts: code };
  } finally {
    await rm(dir, { recursive: true, force: true });
    release();
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/**
 * Where a value sits: object keys, and array elements named by their identity
 * (the element of a kv_namespaces list whose "binding" is "CACHE"), so that an
 * element is found again after either side added, removed or reordered others.
 */
type Segment = string | { key: string; value: string };
type JsonPath = (string | number)[];

/** Fields that name an element of the lists wrangler.jsonc holds (bindings, migrations, ...). */
const IDENTITY_KEYS = ["binding", "name", "tag", "class_name"];

/**
 * Applies the template's change (base -> target) to the project's JSON/JSONC text
 * key by key, editing the text in place so that comments, order and formatting
 * stay as the user has them. A key's change is taken when the project still has
 * the base value there (or already the new one). Returns undefined when a key was
 * changed on both sides, or a text does not parse: then the text merge stands.
 * A list of objects named by one of IDENTITY_KEYS is merged element by element;
 * any other list is a value, changed as a whole.
 */
export function mergeJsonByKey(base: string, project: string, target: string): string | undefined {
  const [baseValue, projectValue, targetValue] = [base, project, target].map(parseJson);
  if (baseValue === undefined || projectValue === undefined || targetValue === undefined) return undefined;
  let text = project;
  const formatting = detectFormatting(project);
  for (const change of changedKeys(baseValue.value, targetValue.value, [])) {
    // Indexes move as elements come and go: find the place in the text as it is now.
    const now = parseJson(text)?.value;
    const current = valueAt(now, change.path);
    if (equal(current, change.value)) continue;
    if (!equal(current, valueAt(baseValue.value, change.path))) return undefined;
    const place = locate(now, change.path);
    if (place === undefined) return undefined;
    text = setJsonValue(text, place.path, change.value, formatting, place.insert);
  }
  return parseJson(text) === undefined ? undefined : text;
}

/**
 * Sets (or, with undefined, deletes) one value in JSON/JSONC text. Only the new
 * text is formatted: jsonc-parser's own formatting would also reformat the
 * neighbouring property the user wrote.
 */
function setJsonValue(
  text: string,
  path: JsonPath,
  value: Json | undefined,
  formatting: FormattingOptions,
  isArrayInsertion: boolean,
): string {
  if (value === undefined && typeof path.at(-1) === "number") return removeElement(text, path);
  let result = text;
  for (const edit of modify(text, path, value, { isArrayInsertion }).reverse()) {
    result = applyEdits(result, [edit]);
    result = applyEdits(result, format(result, { offset: edit.offset, length: edit.content.length }, formatting));
  }
  return result;
}

/**
 * Deletes one element of a list, with the comma before it (or after it, for the
 * first). jsonc-parser's own removal miscounts the offsets of a last element that
 * is an object.
 */
function removeElement(text: string, path: JsonPath): string {
  const tree = parseTree(text);
  const node = tree && findNodeAtLocation(tree, path);
  if (node === undefined) return text;
  const siblings = node.parent?.children ?? [];
  const index = siblings.indexOf(node);
  const previous = siblings[index - 1];
  const next = siblings[index + 1];
  const start = previous ? previous.offset + previous.length : node.offset;
  const end = previous || !next ? node.offset + node.length : next.offset;
  return text.slice(0, start) + text.slice(end);
}

/** Leaf-level differences between two JSON values: objects and named lists are walked, anything else compared whole. */
function changedKeys(from: Json | undefined, to: Json | undefined, path: Segment[]): { path: Segment[]; value: Json | undefined }[] {
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
    return keys.flatMap((key) => changedKeys(from[key], to[key], [...path, key]));
  }
  const key = Array.isArray(from) && Array.isArray(to) ? identityKey(from, to) : undefined;
  if (key !== undefined && Array.isArray(from) && Array.isArray(to)) {
    const names = [...new Set([...to, ...from].map((item) => nameOf(item, key)))];
    return names.flatMap((name) =>
      changedKeys(elementNamed(from, key, name), elementNamed(to, key, name), [...path, { key, value: name }]),
    );
  }
  return equal(from, to) ? [] : [{ path, value: to }];
}

/** The field that names every element of both lists uniquely, if there is one. */
function identityKey(a: Json[], b: Json[]): string | undefined {
  if (a.length + b.length === 0 || ![...a, ...b].every(isObject)) return undefined;
  return IDENTITY_KEYS.find((key) =>
    [a, b].every((list) => {
      const names = list.map((item) => (isObject(item) ? item[key] : undefined));
      return names.every((name) => typeof name === "string") && new Set(names).size === names.length;
    }),
  );
}

function nameOf(item: Json, key: string): string {
  return isObject(item) ? String(item[key]) : "";
}

function elementNamed(list: Json[], key: string, name: string): Json | undefined {
  return list.find((item) => nameOf(item, key) === name);
}

function valueAt(value: Json | undefined, path: Segment[]): Json | undefined {
  let current = value;
  for (const segment of path) {
    if (typeof segment === "string") current = isObject(current) ? current[segment] : undefined;
    else current = Array.isArray(current) ? elementNamed(current, segment.key, segment.value) : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * The jsonc-parser path of a place in the document; a named element that is not
 * there yet goes at the end of its list (insert). Undefined when the place cannot
 * exist (a list missing above it).
 */
function locate(document: Json | undefined, path: Segment[]): { path: JsonPath; insert: boolean } | undefined {
  const result: JsonPath = [];
  let current = document;
  for (const [index, segment] of path.entries()) {
    if (typeof segment === "string") {
      result.push(segment);
      current = isObject(current) ? current[segment] : undefined;
      continue;
    }
    if (!Array.isArray(current)) return undefined;
    const list: Json[] = current;
    const at = list.findIndex((item) => nameOf(item, segment.key) === segment.value);
    if (at === -1) return index === path.length - 1 ? { path: [...result, list.length], insert: true } : undefined;
    result.push(at);
    current = list[at];
  }
  return { path: result, insert: false };
}

function parseJson(text: string): { value: Json } | undefined {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as Json;
  return errors.length === 0 ? { value } : undefined;
}

function parsesAsJson(text: string): boolean {
  return parseJson(text) !== undefined;
}

/** Indent like the file already does: tabs, or the width of its first indented line. */
function detectFormatting(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  return indent.startsWith("\t")
    ? { insertSpaces: false, tabSize: 1, eol }
    : { insertSpaces: true, tabSize: indent.length, eol };
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values; the order of an object's keys does not matter. */
function equal(a: Json | undefined, b: Json | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && equal(a[key], b[key]));
  }
  return a === b;
}

function isJsonPath(path: string): boolean {
  return /\.jsonc?$/.test(path);
}

function isBinary(bytes: Uint8Array): boolean {
  return bytes.includes(0);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (text: string) => new TextEncoder().encode(text);
