/**
 * Durable Object migrations are history. On deploy, Cloudflare applies the entries of
 * `migrations` after the last tag it has applied, so an entry that was deployed must
 * never change: a class added to `v1` after `v1` was deployed is never created, and a
 * class taken out of it is never deleted (the deploy fails on a class that is no
 * longer exported).
 *
 * The built-in template renders one `v1` migration holding every class the answers
 * need. When `update` changes that set (`--set features=...`, `--set
 * document-writes=...`, `--set rate-limit-backend=...`, or a new template version),
 * a three-way merge of wrangler.jsonc would rewrite `v1`. So, before the merge, the
 * template's two renderings get the project's own migrations in place of theirs: the
 * base as the project has them, the target with one migration appended that creates
 * the classes the template added and deletes the ones it removed. The merge then sees
 * only an appended entry. A template that appends migrations itself (a fork's `v2`)
 * keeps them, after the project's. JSON and JSONC only: a wrangler.toml is left to
 * the text merge.
 *
 * Pure: text in, text out.
 */
import { findNodeAtLocation, getNodeValue, parseTree, type Node, type ParseError } from "jsonc-parser";
import { appendMigrations, nextTag, readWranglerConfig, type ConfigFile } from "./wrangler-config.js";

type Table = Record<string, unknown>;

export interface ConfigTexts {
  /** The wrangler config as the template rendered it when the project was made. */
  base: string;
  /** The wrangler config as the template renders it now. */
  target: string;
  /** The project's wrangler config. */
  project: string;
}

export interface HistoryAwareTexts {
  base: string;
  target: string;
  /** One line per section whose migrations the update extends, e.g. "v2 appended: deletes FlagsWriter". */
  changes: string[];
  /** Classes an appended migration deletes, with every object of theirs, on the next deploy. */
  deleted: string[];
}

/** Base and target with the project's migration history in place of the template's; undefined when there is nothing to keep. */
export function historyAwareTexts(file: ConfigFile, texts: ConfigTexts): HistoryAwareTexts | undefined {
  if (file === "wrangler.toml") return undefined;
  const [baseTree, targetTree, projectTree] = [texts.base, texts.target, texts.project].map(tree);
  if (!baseTree || !targetTree || !projectTree) return undefined;

  const envs = new Set([...Object.keys(objectAt(targetTree, ["env"]) ?? {}), ...Object.keys(objectAt(projectTree, ["env"]) ?? {})]);
  let { base, target } = texts;
  const changes: string[] = [];
  const deletedAnywhere = new Set<string>();
  for (const env of [undefined, ...envs]) {
    const path = env === undefined ? ["migrations"] : ["env", env, "migrations"];
    const history = listAt(projectTree, path);
    // No history of its own (an environment inherits the top level's): nothing to keep.
    if (history === undefined || (env !== undefined && objectAt(targetTree, ["env", env]) === undefined)) continue;
    const baseList = listAt(baseTree, path) ?? [];
    const targetList = listAt(targetTree, path) ?? [];
    const known = new Set([...history, ...baseList].map(tagOf));
    // Migrations the template appended under tags of its own come after the project's history.
    const appended = targetList.filter((entry) => !known.has(tagOf(entry))) as Table[];
    const kept = [...history, ...appended];

    const before = liveClasses(baseList);
    const after = liveClasses(targetList);
    const live = liveClasses(kept);
    const created = [...after].filter((name) => !before.has(name) && !live.has(name));
    const deleted = [...before].filter((name) => !after.has(name) && live.has(name));
    if (created.length + deleted.length > 0) {
      const entry: Table = { tag: nextTag(kept) };
      const kvBacked = created.filter((name) => createdWith(targetList, name) === "new_classes");
      const sqlite = created.filter((name) => !kvBacked.includes(name));
      if (sqlite.length > 0) entry.new_sqlite_classes = sqlite;
      if (kvBacked.length > 0) entry.new_classes = kvBacked;
      if (deleted.length > 0) entry.deleted_classes = deleted;
      appended.push(entry);
      for (const name of deleted) deletedAnywhere.add(name);
      const what = [created.length > 0 ? `creates ${created.join(", ")}` : "", deleted.length > 0 ? `deletes ${deleted.join(", ")}` : ""];
      changes.push(`${env === undefined ? "" : `env.${env}: `}${entry.tag} appended: ${what.filter(Boolean).join("; ")}`);
    }
    base = withList(file, base, texts.project, path, env, []);
    target = withList(file, target, texts.project, path, env, appended);
  }
  if (base === texts.base && target === texts.target) return undefined;
  return { base, target, changes, deleted: [...deletedAnywhere] };
}

/**
 * The text with the list at `path` replaced by the project's own text of it (so a text
 * merge sees the same bytes), followed by `extra` entries.
 */
function withList(file: ConfigFile, text: string, project: string, path: string[], env: string | undefined, extra: Table[]): string {
  const own = findNodeAtLocation(tree(project) as Node, path) as Node;
  const ownText = project.slice(own.offset, own.offset + own.length);
  let result = text;
  if (findNodeAtLocation(tree(result) as Node, path) === undefined) {
    // This rendering has no list there (no Durable Object): make one to put the history in.
    result = appendMigrations(readWranglerConfig(file, result), [{ env, entry: { tag: "placeholder" } }]);
  }
  const node = findNodeAtLocation(tree(result) as Node, path) as Node;
  result = result.slice(0, node.offset) + ownText + result.slice(node.offset + node.length);
  return appendMigrations(readWranglerConfig(file, result), extra.map((entry) => ({ env, entry })));
}

/** Classes a migration history leaves in place: created, renamed or transferred in, and not deleted since. */
export function liveClasses(migrations: unknown[]): Set<string> {
  const live = new Set<string>();
  for (const migration of migrations) {
    if (!isTable(migration)) continue;
    for (const name of [...strings(migration.new_classes), ...strings(migration.new_sqlite_classes)]) live.add(name);
    for (const { from, to } of moves(migration.renamed_classes)) {
      live.delete(from);
      live.add(to);
    }
    for (const { to } of moves(migration.transferred_classes)) live.add(to);
    for (const name of strings(migration.deleted_classes)) live.delete(name);
  }
  return live;
}

/** Which list created a class: SQLite-backed (`new_sqlite_classes`) or key-value-backed (`new_classes`). */
function createdWith(migrations: unknown[], name: string): "new_classes" | "new_sqlite_classes" {
  const creator = migrations.find((migration) => isTable(migration) && strings(migration.new_classes).includes(name));
  return creator === undefined ? "new_sqlite_classes" : "new_classes";
}

function tree(text: string): Node | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return errors.length === 0 && root?.type === "object" ? root : undefined;
}

function listAt(root: Node, path: string[]): unknown[] | undefined {
  const node = findNodeAtLocation(root, path);
  return node?.type === "array" ? (getNodeValue(node) as unknown[]) : undefined;
}

function objectAt(root: Node, path: string[]): Table | undefined {
  const node = findNodeAtLocation(root, path);
  return node?.type === "object" ? (getNodeValue(node) as Table) : undefined;
}

function tagOf(entry: unknown): string {
  return isTable(entry) && typeof entry.tag === "string" ? entry.tag : "";
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function moves(value: unknown): { from: string; to: string }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => (isTable(item) && typeof item.to === "string" ? [{ from: String(item.from), to: item.to }] : []));
}

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
