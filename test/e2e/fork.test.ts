/**
 * A team's fork, made the way docs/fork-the-template.md says: copy templates/default,
 * declare a variable, add a .hbs file that uses projectName and the variable, change
 * one file. Packed with the system tar, served on 127.0.0.1, scaffolded by the built
 * CLI with --template <url> --var, and the new project's own tests pass in workerd.
 */
import { execFileSync } from "node:child_process";
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, repoRoot, runCli } from "../support/cli.js";
import { useFileServer } from "../support/file-server.js";
import { runIn } from "../support/project.js";

const server = useFileServer();
let root: string;
const project = () => path.join(root, "forked-app");

const TEAM_MODULE = `/** Who owns {{projectName}}: set by the fork's "team" variable. */
export const OWNER = { project: {{json projectName}}, team: {{json vars.team}} } as const;
`;

const TEAM_TEST = `import { describe, expect, it } from "vitest";
import { OWNER } from "../src/team";

describe("the fork's own module", () => {
  it("carries the project name and the --var answer", () => {
    expect(OWNER).toEqual({ project: "forked-app", team: "edge" });
  });
});
`;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-fork-"));
  const fork = path.join(root, "acme-fork");
  await cp(path.join(repoRoot, "templates/default"), fork, {
    recursive: true,
    filter: (source) => !source.split(path.sep).includes("node_modules"),
  });

  const manifestPath = path.join(fork, "template.json");
  const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
  manifest.name = "acme-kv";
  manifest.variables = [
    ...manifest.variables,
    { name: "team", message: "Owning team?", type: "text", default: "platform", pattern: "[a-z][a-z0-9-]*" },
  ];
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  await writeFile(path.join(fork, "src/team.ts.hbs"), TEAM_MODULE);
  await mkdir(path.join(fork, "test"), { recursive: true });
  await writeFile(path.join(fork, "test/team.test.ts"), TEAM_TEST);
  await appendFile(path.join(fork, "_gitignore"), ".acme/\n");

  // One top-level folder, as GitHub packs a repository; giget strips it.
  execFileSync("tar", ["-czf", path.join(root, "acme-fork.tar.gz"), "-C", root, "acme-fork"]);
  server().serve("/acme-fork.tar.gz", await readFile(path.join(root, "acme-fork.tar.gz")));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("a fork of the built-in template, served as a tarball", () => {
  it("is scaffolded from --template <url> with --var, and installed", async () => {
    const result = await runCli(
      [
        "forked-app",
        "--yes",
        "--template",
        `${server().origin}/acme-fork.tar.gz`,
        "--var",
        "team=edge",
        "--features",
        "cache,sessions",
        "--no-git",
        "--pm",
        "npm",
      ],
      { cwd: root, env: cliEnv({ CI: "true", XDG_CACHE_HOME: path.join(root, "cache") }), timeoutMs: 600_000 },
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);

    expect(await readFile(path.join(project(), "src/team.ts"), "utf8")).toBe(
      '/** Who owns forked-app: set by the fork\'s "team" variable. */\n' +
        'export const OWNER = { project: "forked-app", team: "edge" } as const;\n',
    );
    expect(await readFile(path.join(project(), ".gitignore"), "utf8")).toMatch(/^\.acme\/$/m);
    await expect(readFile(path.join(project(), "template.json"))).rejects.toThrow(/ENOENT/);
    await expect(readFile(path.join(project(), "src/lib/flags.ts"))).rejects.toThrow(/ENOENT/);
  });

  it("passes npm test, the fork's own test included", async () => {
    const result = await runIn(project(), "npm", ["test"]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("test/team.test.ts");
  });
});
