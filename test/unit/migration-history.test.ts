import { parse } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { mergeProject } from "../../src/project/merge.js";
import { historyAwareTexts, liveClasses } from "../../src/project/migration-history.js";

// The template renders one v1 migration with every class the answers need; these
// texts are wrangler.jsonc as it would render, and as a user keeps it.

function config(classes: string[], options: { env?: string[]; comment?: string; extra?: string } = {}): string {
  const list = (indent: string) =>
    classes.length === 0 ? "" : `,\n${indent}"migrations": [{ "tag": "v1", "new_sqlite_classes": [${classes.map((name) => JSON.stringify(name)).join(", ")}] }]`;
  const envs = (options.env ?? [])
    .map((name) => `\t\t${JSON.stringify(name)}: {\n\t\t\t"name": "app-${name}"${list("\t\t\t")}\n\t\t}`)
    .join(",\n");
  return [
    "{",
    `\t${options.comment ?? "// the Worker"}`,
    `\t"name": "app"${list("\t")}${options.extra ?? ""}${envs ? `,\n\t"env": {\n${envs}\n\t}` : ""}`,
    "}",
    "",
  ].join("\n");
}

const migrations = (text: string, env?: string) => {
  const data = parse(text) as { migrations?: unknown[]; env?: Record<string, { migrations?: unknown[] }> };
  return env === undefined ? data.migrations : data.env?.[env]?.migrations;
};

/** What update does with wrangler.jsonc: history-aware renderings, then the three-way merge. */
async function update(texts: { base: string; target: string; project: string }) {
  const aware = historyAwareTexts("wrangler.jsonc", texts);
  const bytes = (text: string) => new Map([["wrangler.jsonc", new TextEncoder().encode(text)]]);
  const [result] = await mergeProject({
    base: bytes(aware?.base ?? texts.base),
    target: bytes(aware?.target ?? texts.target),
    project: bytes(texts.project),
    labels: { base: "from", target: "to" },
  });
  expect(result?.outcome).not.toBe("conflict");
  return { text: new TextDecoder().decode(result?.bytes ?? bytes(texts.project).get("wrangler.jsonc")), changes: aware?.changes ?? [] };
}

describe("historyAwareTexts, then the merge", () => {
  it("keeps v1 as deployed and appends a migration that deletes the classes the template dropped", async () => {
    const base = config(["CounterObject", "FlagsWriter"], { env: ["staging"] });
    const target = config(["CounterObject"], { env: ["staging"] });
    const project = config(["CounterObject", "FlagsWriter"], { env: ["staging"], comment: "// ours: deployed on Monday" });

    const kept = await update({ base, target, project });

    const expected = [
      { tag: "v1", new_sqlite_classes: ["CounterObject", "FlagsWriter"] },
      { tag: "v2", deleted_classes: ["FlagsWriter"] },
    ];
    expect(migrations(kept.text)).toEqual(expected);
    expect(migrations(kept.text, "staging")).toEqual(expected);
    expect(kept.text).toContain("// ours: deployed on Monday");
    expect(kept.changes).toContain("v2 appended: deletes FlagsWriter");
    expect(kept.changes).toContain("env.staging: v2 appended: deletes FlagsWriter");
  });

  it("appends a migration that creates a class the template added, instead of adding it to v1", async () => {
    const base = config(["CounterObject"]);
    const target = config(["CounterObject", "FlagsWriter", "ConfigWriter"]);
    const project = config(["CounterObject"], { comment: "// ours" });

    const kept = await update({ base, target, project });

    expect(migrations(kept.text)).toEqual([
      { tag: "v1", new_sqlite_classes: ["CounterObject"] },
      { tag: "v2", new_sqlite_classes: ["FlagsWriter", "ConfigWriter"] },
    ]);
  });

  it("puts the history back when the template dropped the list with its last class", async () => {
    const base = config(["FlagsWriter", "ConfigWriter"]);
    const target = config([]);
    const project = config(["FlagsWriter", "ConfigWriter"]);

    const kept = await update({ base, target, project });

    expect(migrations(kept.text)).toEqual([
      { tag: "v1", new_sqlite_classes: ["FlagsWriter", "ConfigWriter"] },
      { tag: "v2", deleted_classes: ["FlagsWriter", "ConfigWriter"] },
    ]);
  });

  it("creates a class again after an earlier update deleted it", async () => {
    // Switched to kv once (v2 deleted the writer), now back to the Durable Object.
    const history = ',\n\t"migrations": [\n\t\t{ "tag": "v1", "new_sqlite_classes": ["FlagsWriter"] },\n\t\t{ "tag": "v2", "deleted_classes": ["FlagsWriter"] }\n\t]';
    const project = config([], { extra: history });
    const base = config([]);
    const target = config(["FlagsWriter"]);
    const kept = await update({ base, target, project });

    expect(migrations(kept.text)).toEqual([
      { tag: "v1", new_sqlite_classes: ["FlagsWriter"] },
      { tag: "v2", deleted_classes: ["FlagsWriter"] },
      { tag: "v3", new_sqlite_classes: ["FlagsWriter"] },
    ]);
    expect(kept.text).toContain(history.slice(2, 40));
  });

  it("leaves a template that appends its own migrations, and the user's own classes, alone", async () => {
    const own = ',\n\t"migrations": [{ "tag": "v1", "new_sqlite_classes": ["CounterObject"] }, { "tag": "v2", "new_classes": ["Mine"] }]';
    const project = config([], { extra: own });
    const base = config(["CounterObject"]);
    const appendedByFork = ',\n\t"migrations": [{ "tag": "v1", "new_sqlite_classes": ["CounterObject"] }, { "tag": "v2", "new_sqlite_classes": ["Theirs"] }]';
    const target = config([], { extra: appendedByFork });
    // Both sides appended a v2.
    const kept = await update({ base, target, project });

    // The fork's v2 clashes with the user's tag: the class it creates gets a migration of its own.
    expect(migrations(kept.text)).toEqual([
      { tag: "v1", new_sqlite_classes: ["CounterObject"] },
      { tag: "v2", new_classes: ["Mine"] },
      { tag: "v3", new_sqlite_classes: ["Theirs"] },
    ]);

    // A project that never changed its migrations takes the fork's v2 as it is.
    const untouched = await update({ base, target, project: base });
    expect(migrations(untouched.text)).toEqual(migrations(target));
    expect(untouched.changes).toEqual([]);
  });

  it("changes nothing when the classes did not change, or the file is TOML", () => {
    const text = config(["CounterObject"], { env: ["staging"] });
    expect(historyAwareTexts("wrangler.jsonc", { base: text, target: text, project: text })).toBeUndefined();
    expect(historyAwareTexts("wrangler.toml", { base: "", target: "", project: "" })).toBeUndefined();
  });
});

describe("liveClasses", () => {
  it("follows creates, renames, transfers and deletes in order", () => {
    const live = liveClasses([
      { tag: "v1", new_sqlite_classes: ["A", "B"], new_classes: ["C"] },
      { tag: "v2", renamed_classes: [{ from: "A", to: "A2" }], transferred_classes: [{ from: "X", from_script: "other", to: "D" }] },
      { tag: "v3", deleted_classes: ["B"] },
    ]);
    expect([...live].sort()).toEqual(["A2", "C", "D"]);
  });
});
