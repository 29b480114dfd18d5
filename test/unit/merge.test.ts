import { describe, expect, it } from "vitest";
import { mergeJsonByKey, mergeProject, mergeText, type FileMerge } from "../../src/project/merge.js";

// Real git merge-file underneath; no fakes.

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (merge: FileMerge | undefined) => (merge?.bytes ? new TextDecoder().decode(merge.bytes) : undefined);
const labels = { base: "template v1", target: "template v2" };
const lines = (...items: string[]) => `${items.join("\n")}\n`;

async function merge(files: Record<string, { base?: string; target?: string; project?: string }>) {
  const map = (side: "base" | "target" | "project") =>
    new Map(Object.entries(files).flatMap(([path, sides]) => (sides[side] === undefined ? [] : [[path, bytes(sides[side])]])));
  const project = map("project") as Map<string, Uint8Array | undefined>;
  const results = await mergeProject({ base: map("base"), target: map("target"), project, labels });
  return Object.fromEntries(results.map((result) => [result.path, result]));
}

const BASE = lines("one", "two", "three", "four", "five", "six", "seven");

describe("mergeProject", () => {
  it("gives each kind of change its outcome", async () => {
    const result = await merge({
      "untouched-by-user.ts": { base: BASE, target: BASE.replace("two", "TWO"), project: BASE },
      "both-apart.ts": { base: BASE, target: BASE.replace("two", "TWO"), project: BASE.replace("six", "SIX") },
      "both-same-line.ts": { base: BASE, target: BASE.replace("four", "template four"), project: BASE.replace("four", "my four") },
      "new.ts": { target: "new\n" },
      "gone-untouched.ts": { base: BASE, project: BASE },
      "gone-but-edited.ts": { base: BASE, project: BASE.replace("one", "mine") },
      "deleted-by-user.ts": { base: BASE, target: BASE.replace("two", "TWO") },
      "only-user-changed.ts": { base: BASE, target: BASE, project: "my own\n" },
      "same-change.ts": { base: BASE, target: "same\n", project: "same\n" },
    });
    expect(result["untouched-by-user.ts"]).toMatchObject({ outcome: "clean" });
    expect(text(result["untouched-by-user.ts"])).toBe(BASE.replace("two", "TWO"));
    expect(result["both-apart.ts"]?.outcome).toBe("merged");
    expect(text(result["both-apart.ts"])).toBe(BASE.replace("two", "TWO").replace("six", "SIX"));
    expect(result["both-same-line.ts"]?.outcome).toBe("conflict");
    expect(text(result["both-same-line.ts"])).toBe(
      lines("one", "two", "three", "<<<<<<< yours", "my four", "=======", "template four", ">>>>>>> template v2", "five", "six", "seven"),
    );
    expect(result["new.ts"]).toMatchObject({ outcome: "added" });
    expect(text(result["new.ts"])).toBe("new\n");
    expect(result["gone-untouched.ts"]).toEqual({ path: "gone-untouched.ts", outcome: "removed" });
    for (const path of ["gone-but-edited.ts", "deleted-by-user.ts"]) {
      expect(result[path]?.outcome, path).toBe("kept");
      expect(result[path]?.bytes, path).toBeUndefined();
    }
    expect(result["only-user-changed.ts"]?.outcome).toBe("unchanged");
    expect(result["only-user-changed.ts"]?.bytes).toBeUndefined();
    expect(result["same-change.ts"]).toMatchObject({ outcome: "unchanged" });
  });

  it("conflicts on a file the template adds where the user already has a different one", async () => {
    const result = await merge({ "src/new.ts": { target: "template\n", project: "mine\n" } });
    expect(result["src/new.ts"]?.outcome).toBe("conflict");
    expect(text(result["src/new.ts"])).toContain("<<<<<<< yours\nmine\n=======\ntemplate\n>>>>>>> template v2\n");
  });

  it("keeps the user's binary file when both changed it", async () => {
    const result = await merge({ "logo.png": { base: "a\0b", target: "a\0c", project: "a\0d" } });
    expect(result["logo.png"]).toMatchObject({ outcome: "conflict" });
    expect(text(result["logo.png"])).toBe("a\0d");
  });

  it("merges JSON by key when the text merge conflicts, keeping the user's comments", async () => {
    const base = '{\n\t"name": "app",\n\t"main": "src/index.ts"\n}\n';
    const project = '{\n\t"name": "app",\n\t"main": "src/index.ts",\n\t// my variables\n\t"vars": { "MODE": "dev" }\n}\n';
    const target = '{\n\t"name": "app",\n\t"main": "src/index.ts",\n\t"observability": { "enabled": true }\n}\n';
    const textual = await mergeText(base, project, target, labels);
    expect(textual.conflicts).toBeGreaterThan(0);

    const result = await merge({ "wrangler.jsonc": { base, target, project } });
    expect(result["wrangler.jsonc"]?.outcome).toBe("merged");
    const merged = text(result["wrangler.jsonc"]) ?? "";
    expect(merged).toContain('\t// my variables\n\t"vars": { "MODE": "dev" }');
    expect(merged).toMatch(/\n\t"observability": \{\n\t\t"enabled": true\n\t\}/);
    expect(merged).not.toContain("<<<<<<<");
  });

  it("leaves conflict markers in JSON when both sides changed the same key", async () => {
    const base = '{\n  "compatibility_date": "2026-01-01"\n}\n';
    const result = await merge({
      "wrangler.jsonc": {
        base,
        target: base.replace("2026-01-01", "2026-11-02"),
        project: base.replace("2026-01-01", "2026-06-01"),
      },
    });
    expect(result["wrangler.jsonc"]?.outcome).toBe("conflict");
    expect(text(result["wrangler.jsonc"])).toContain('<<<<<<< yours\n  "compatibility_date": "2026-06-01"\n=======');
  });
});

describe("mergeJsonByKey", () => {
  const base = '{\n  "a": 1,\n  "nested": { "keep": true, "drop": 1 },\n  "list": [1, 2]\n}\n';

  it("sets, changes and deletes keys, and replaces arrays whole", () => {
    const target = '{\n  "a": 2,\n  "nested": { "keep": true, "added": "x" },\n  "list": [1, 2, 3]\n}\n';
    const project = '// top comment\n{\n  "a": 1, // the a\n  "nested": { "keep": true, "drop": 1 },\n  "list": [1, 2],\n  "mine": 0\n}\n';
    const merged = mergeJsonByKey(base, project, target) ?? "";
    expect(merged.startsWith("// top comment\n")).toBe(true);
    expect(merged).toContain('"a": 2, // the a');
    expect(merged).toContain('"mine": 0');
    expect(merged).not.toContain('"drop"');
    expect(merged).toMatch(/"added": "x"/);
    expect(merged).toMatch(/"list": \[\s*1,\s*2,\s*3\s*\]/);
  });

  it("refuses when the user changed a key the template changed too, or a text does not parse", () => {
    expect(mergeJsonByKey(base, base.replace('"a": 1', '"a": 5'), base.replace('"a": 1', '"a": 2'))).toBeUndefined();
    expect(mergeJsonByKey(base, base.replace("[1, 2]", "[2, 1]"), base.replace("[1, 2]", "[1, 2, 3]"))).toBeUndefined();
    expect(mergeJsonByKey(base, "{ broken", base)).toBeUndefined();
  });

  it("takes a change the user already made the same way", () => {
    const target = base.replace('"a": 1', '"a": 2');
    expect(mergeJsonByKey(base, `// c\n${target}`, target)).toBe(`// c\n${target}`);
  });

  it("merges a list of named objects element by element: the user's ids stay, the template's new binding arrives", () => {
    const base = '{\n\t"kv_namespaces": [\n\t\t{ "binding": "CACHE" }\n\t]\n}\n';
    const project = '{\n\t"kv_namespaces": [\n\t\t// created by kv:namespaces\n\t\t{ "binding": "CACHE", "id": "abc" }\n\t]\n}\n';
    const target = '{\n\t"kv_namespaces": [\n\t\t{ "binding": "CACHE" },\n\t\t{ "binding": "FLAGS" }\n\t]\n}\n';
    const merged = mergeJsonByKey(base, project, target) ?? "";
    expect(merged).toContain('// created by kv:namespaces\n\t\t{ "binding": "CACHE", "id": "abc" }');
    expect(JSON.parse(merged.replace(/\/\/.*\n/g, "\n"))).toEqual({
      kv_namespaces: [{ binding: "CACHE", id: "abc" }, { binding: "FLAGS" }],
    });
  });

  it("removes a named element the user left alone, and refuses to remove one the user changed", () => {
    const base = '{ "kv_namespaces": [{ "binding": "CACHE" }, { "binding": "OLD" }] }';
    const target = '{ "kv_namespaces": [{ "binding": "CACHE" }] }';
    const untouched = mergeJsonByKey(base, base.replace('"CACHE" }', '"CACHE", "id": "1" }'), target) ?? "";
    expect(JSON.parse(untouched)).toEqual({ kv_namespaces: [{ binding: "CACHE", id: "1" }] });
    expect(mergeJsonByKey(base, base.replace('"OLD" }', '"OLD", "id": "2" }'), target)).toBeUndefined();
    const first = '{ "kv_namespaces": [{ "binding": "OLD" }, { "binding": "CACHE", "id": "1" }] }';
    expect(mergeJsonByKey(first.replace(', "id": "1"', ""), first, target)).toBe('{ "kv_namespaces": [{ "binding": "CACHE", "id": "1" }] }');
  });

  it("changes a field of a named element wherever the user moved it", () => {
    const base = '{ "migrations": [{ "tag": "v1", "new_classes": ["A"] }, { "tag": "v2" }] }';
    const project = '{ "migrations": [{ "tag": "v2" }, { "tag": "v1", "new_classes": ["A"] }] }';
    const target = '{ "migrations": [{ "tag": "v1", "new_sqlite_classes": ["A"] }, { "tag": "v2" }] }';
    expect(JSON.parse(mergeJsonByKey(base, project, target) ?? "null")).toEqual({
      migrations: [{ tag: "v2" }, { tag: "v1", new_sqlite_classes: ["A"] }],
    });
  });
});

