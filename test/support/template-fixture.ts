import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** A small valid template.json; pass fields to override or add. */
export function manifestJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: "acme-kv",
    description: "Acme's Worker template",
    minVersion: "0.1.0",
    features: ["cache", "sessions"],
    files: { sessions: ["src/sessions.ts"] },
    variables: [{ name: "team", message: "Team name?", type: "text", default: "platform", pattern: "[a-z-]+" }],
    ...overrides,
  });
}

/** Writes { "relative/path": content } under root, creating folders as needed. */
export async function writeFolder(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}
