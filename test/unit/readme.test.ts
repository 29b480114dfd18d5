import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { OPTIONS } from "../../src/options/table.js";

it("README.md documents every command-line option", async () => {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  for (const option of OPTIONS) {
    expect(readme, `--${option.name}`).toContain(`--${option.name}`);
    if (option.negatable) expect(readme).toContain(`--no-${option.name}`);
  }
});
