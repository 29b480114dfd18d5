/**
 * wrangler.jsonc as the options of the Workers test pool, read here instead of by
 * wrangler: loading wrangler to read its config costs about a second at every
 * start of `npm test`. vitest.config.ts calls this with the file's text.
 *
 * It reads only what this project's config holds: the entry module, the
 * compatibility date and flags, `vars`, KV namespaces, Durable Objects (SQLite when
 * a migration creates them so) and Rate Limiting bindings, with wrangler's default
 * rules for importing .txt, .html, .sql, .bin and .wasm files. A config with any other
 * key (R2, D1, services, `define`, ...) gets `undefined`, and vitest.config.ts hands
 * the file to wrangler instead: nothing in wrangler.jsonc can miss the tests, it can
 * only make them start slower. Tests use the top level, never an `env` section.
 */
type Table = Record<string, unknown>;

/** What the pool needs: the Worker's entry module and Miniflare's options for it. */
export interface PoolOptions {
  main: string;
  miniflare: {
    compatibilityDate: string;
    compatibilityFlags: string[];
    bindings: Table;
    kvNamespaces: string[];
    durableObjects: Record<string, { className: string; useSQLite?: boolean }>;
    ratelimits: Record<string, { namespace_id: string; simple: { limit: number; period?: 10 | 60 } }>;
    modulesRules: { type: "Text" | "Data" | "CompiledWasm"; include: string[] }[];
  };
}

/** Keys read below, and keys that change nothing inside a test. */
const UNDERSTOOD = new Set([
  "$schema", "name", "main", "compatibility_date", "compatibility_flags", "vars",
  "kv_namespaces", "durable_objects", "migrations", "ratelimits",
  "env", "observability", "workers_dev", "preview_urls", "routes", "route", "account_id",
]);

export function poolOptionsFrom(wranglerJsonc: string): PoolOptions | undefined {
  const config = parseJsonc(wranglerJsonc) as Table;
  if (Object.keys(config).some((key) => !UNDERSTOOD.has(key))) return undefined;
  const list = (key: string) => (Array.isArray(config[key]) ? (config[key] as Table[]) : []);
  const durableObjects = ((config.durable_objects as Table | undefined)?.bindings ?? []) as Table[];
  // A binding to another Worker's class needs that Worker: wrangler knows how to run it.
  if (durableObjects.some((binding) => binding.script_name !== undefined)) return undefined;
  const storage = sqliteByClass(list("migrations"));
  if (storage === undefined) return undefined;
  return {
    main: config.main as string,
    miniflare: {
      compatibilityDate: config.compatibility_date as string,
      compatibilityFlags: (config.compatibility_flags ?? []) as string[],
      bindings: (config.vars ?? {}) as Table,
      kvNamespaces: list("kv_namespaces").map((namespace) => namespace.binding as string),
      durableObjects: Object.fromEntries(
        durableObjects.map(({ name, class_name }) => [name, { className: class_name, useSQLite: storage.get(class_name as string) }]),
      ),
      ratelimits: Object.fromEntries(list("ratelimits").map(({ name, namespace_id, simple }) => [name, { namespace_id, simple }])),
      // wrangler's default rules: `import page from "./page.html"` works in tests as in `wrangler dev`.
      modulesRules: [
        { type: "Text", include: ["**/*.txt", "**/*.html", "**/*.sql"] },
        { type: "Data", include: ["**/*.bin"] },
        { type: "CompiledWasm", include: ["**/*.wasm", "**/*.wasm?module"] },
      ],
    },
  } as PoolOptions;
}

/**
 * Whether each Durable Object class has SQLite storage, replaying the migrations as
 * wrangler does; `undefined` for a migration step this reader does not know.
 */
function sqliteByClass(migrations: Table[]): Map<string, boolean> | undefined {
  const steps = new Set(["tag", "deleted_classes", "renamed_classes", "new_classes", "new_sqlite_classes"]);
  const storage = new Map<string, boolean>();
  for (const migration of migrations) {
    if (Object.keys(migration).some((key) => !steps.has(key))) return undefined;
    for (const name of (migration.deleted_classes ?? []) as string[]) storage.delete(name);
    for (const { from, to } of (migration.renamed_classes ?? []) as { from: string; to: string }[]) {
      storage.set(to, storage.get(from) ?? false);
      storage.delete(from);
    }
    for (const name of (migration.new_classes ?? []) as string[]) storage.set(name, false);
    for (const name of (migration.new_sqlite_classes ?? []) as string[]) storage.set(name, true);
  }
  return storage;
}

/** JSONC to a value: comments and trailing commas dropped, strings left as they are. */
function parseJsonc(text: string): unknown {
  const skipInStrings = (pattern: RegExp) => (source: string) => source.replace(pattern, (_, string) => string ?? "");
  const withoutComments = skipInStrings(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g)(text);
  return JSON.parse(skipInStrings(/("(?:\\.|[^"\\])*")|,(?=\s*[}\]])/g)(withoutComments));
}
