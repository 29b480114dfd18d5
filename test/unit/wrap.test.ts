import { describe, expect, it } from "vitest";
import { wrapText } from "../../src/ui.js";

describe("wrapText", () => {
  const sentence =
    "The first deploy creates the KV namespaces. To create them now and pin their IDs in wrangler.jsonc: npm run kv:namespaces (after `wrangler login` or with CLOUDFLARE_API_TOKEN set).";

  it("wraps between words at the width, never inside one, and loses no word", () => {
    const wrapped = wrapText(sentence, 40).split("\n");
    expect(wrapped.length).toBeGreaterThan(3);
    for (const line of wrapped) expect(line.length).toBeLessThanOrEqual(40);
    expect(wrapped.join(" ").split(/ +/).filter(Boolean)).toEqual(sentence.split(" "));
  });

  it("indents a continuation two spaces past its line, and keeps a short line (and its padding) as it is", () => {
    const table = "  CACHE         cache       5 min         cache:{resource}:{id}";
    expect(wrapText(table, 80)).toBe(table);
    const wrapped = wrapText(`  note: ${sentence}`, 60).split("\n");
    expect(wrapped[0]!.startsWith("  note: The first")).toBe(true);
    for (const line of wrapped.slice(1)) expect(line.startsWith("    ") && !line.startsWith("     ")).toBe(true);
  });

  it("keeps a word longer than the width whole, on a line of its own, and ignores colour codes", () => {
    const long = "x".repeat(30);
    expect(wrapText(`short ${long} end`, 20).split("\n")).toEqual(["short", `  ${long}`, "  end"]);
    const coloured = `\u001b[36m${"a ".repeat(9)}a\u001b[39m`;
    expect(wrapText(coloured, 19)).toBe(coloured);
  });
});
