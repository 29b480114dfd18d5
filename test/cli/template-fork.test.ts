import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { interactiveCli } from "../support/cli.js";
import { useFileServer } from "../support/file-server.js";
import { inFolder, tarGz } from "../support/tar.js";
import { manifestJson, writeFolder } from "../support/template-fixture.js";

// The built CLI (npm test builds first) run against small forks: a valid one from a
// tarball on 127.0.0.1, and hostile ones that must be refused with exit 1, a message
// naming the file, and no project folder left behind.

const CLI = fileURLToPath(new URL("../../index.js", import.meta.url));
const TOKEN = "ghp_cli-test-token-never-printed";

const FORK = {
  "template.json": manifestJson(),
  "package.json.hbs": '{ "name": {{json projectName}}, "private": true }\n',
  "src/team.ts.hbs": "export const TEAM = {{json vars.team}};\n",
  "src/sessions.ts": "export const sessions = true;\n",
};

let scratch: string;
const server = useFileServer();
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-cli-fork-"));
  await mkdir(join(scratch, "cache"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function scaffold(...args: string[]) {
  const result = await execa("node", [CLI, "app", "--yes", "--no-git", "--no-install", ...args], {
    cwd: scratch,
    reject: false,
    timeout: 30_000,
    env: {
      XDG_CACHE_HOME: join(scratch, "cache"),
      TMPDIR: scratch,
      GIGET_GITHUB_URL: server().origin,
      GIGET_AUTH: TOKEN,
      DEBUG: "1",
      CI: "1",
    },
    extendEnv: true,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  expect(output).not.toContain(TOKEN);
  return { exitCode: result.exitCode, stderr: result.stderr, output };
}

const projectDir = () => join(scratch, "app");

describe("a fork from a tarball URL", () => {
  it("renders projectName and --var values, and leaves out files of features not chosen", async () => {
    server().serve("/fork.tar.gz", tarGz(inFolder("fork", FORK)));
    const result = await scaffold("--template", `${server().origin}/fork.tar.gz`, "--var", "team=edge", "--features", "cache");
    expect(result.exitCode, result.output).toBe(0);
    expect(JSON.parse(await readFile(join(projectDir(), "package.json"), "utf8")).name).toBe("app");
    expect(await readFile(join(projectDir(), "src/team.ts"), "utf8")).toBe('export const TEAM = "edge";\n');
    expect(existsSync(join(projectDir(), "src/sessions.ts"))).toBe(false);
    expect(existsSync(join(projectDir(), "template.json"))).toBe(false);
  });

  it("refuses a --var value that misses the pattern with exit 2", async () => {
    server().serve("/fork-for-var.tar.gz", tarGz(inFolder("fork", FORK)));
    const result = await scaffold("--template", `${server().origin}/fork-for-var.tar.gz`, "--var", "team=Edge Team");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--var team=Edge Team: must match the pattern [a-z-]+.");
    expect(existsSync(projectDir())).toBe(false);
  });
});

describe("a tarball whose download fails after an earlier one succeeded", () => {
  it("says so instead of using the cached copy, never caches a broken-off download, and keeps the good copy for --offline", async () => {
    const first = tarGz(inFolder("fork", { ...FORK, "src/team.ts.hbs": "export const VERSION = 1;\n" }));
    const second = tarGz(inFolder("fork", { ...FORK, "src/team.ts.hbs": "export const VERSION = 2;\n" }));
    const url = `${server().origin}/changing.tar.gz`;
    server().serve("/changing.tar.gz", first);
    expect((await scaffold("--template", url)).exitCode).toBe(0);
    await rm(projectDir(), { recursive: true });

    // The same URL now serves a new version (no ETag): it is downloaded again.
    server().serve("/changing.tar.gz", second);
    const changed = await scaffold("--template", url);
    expect(changed.exitCode, changed.output).toBe(0);
    expect(await readFile(join(projectDir(), "src/team.ts"), "utf8")).toBe("export const VERSION = 2;\n");
    await rm(projectDir(), { recursive: true });

    server().serveBrokenOff("/changing.tar.gz", first, Math.floor(first.length / 2));
    const brokenOff = await scaffold("--template", url);
    expect(brokenOff.exitCode).toBe(1);
    expect(brokenOff.stderr).toContain(`Could not download ${url}: the connection broke off before the end`);
    expect(existsSync(projectDir())).toBe(false);

    server().forget("/changing.tar.gz");
    const gone = await scaffold("--template", url);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toMatch(/Template .* not found \(404 Not Found\)/);
    expect(existsSync(projectDir())).toBe(false);

    // The cache still holds the last complete download.
    const offline = await scaffold("--template", url, "--offline");
    expect(offline.exitCode, offline.output).toBe(0);
    expect(await readFile(join(projectDir(), "src/team.ts"), "utf8")).toBe("export const VERSION = 2;\n");
  });
});

describe("hostile or broken forks", () => {
  async function expectRefused(args: string[], message: string | RegExp) {
    const result = await scaffold(...args);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(existsSync(projectDir())).toBe(false);
  }

  it("a local folder with a symlink to a file outside", async () => {
    await writeFolder(join(scratch, "fork"), FORK);
    await writeFile(join(scratch, "secret.txt"), "SECRET");
    await symlink(join(scratch, "secret.txt"), join(scratch, "fork/src/config.ts"));
    await expectRefused(["--template", "./fork"], /symbolic link at src\/config\.ts/);
  });

  it("a tarball with a symlink to a file outside", async () => {
    server().serve(
      "/linked.tar.gz",
      tarGz([
        ...inFolder("fork", FORK),
        // Extraction drops a link whose target holds "..", but keeps "/etc/passwd" (made relative).
        { path: "fork/src/config.ts", type: "symlink", target: "/etc/passwd" },
      ]),
    );
    await expectRefused(["--template", `${server().origin}/linked.tar.gz`], /symbolic link at src\/config\.ts/);
  });

  // The built CLI loads Handlebars' compiler only for such files: it must compile them on
  // the same strict, locked-down instance as the built-in template.
  it("a misspelt variable in a .hbs file, named with its file and line", async () => {
    await writeFolder(join(scratch, "fork"), { ...FORK, "src/team.ts.hbs": "// {{projectName}}\nexport const TEAM = \"{{vars.taem}}\";\n" });
    await expectRefused(["--template", "./fork", "--var", "team=edge"], 'template ./fork src/team.ts.hbs: line 2: "taem" not defined');
  });

  it("a .hbs file that reaches into the object model or uses a helper we do not offer", async () => {
    await writeFolder(join(scratch, "fork"), { ...FORK, "src/team.ts.hbs": "{{projectName.constructor}}\n" });
    await expectRefused(["--template", "./fork", "--var", "team=edge"], 'template ./fork src/team.ts.hbs: line 1: "constructor" is not allowed');
    await writeFolder(join(scratch, "fork"), { ...FORK, "src/team.ts.hbs": "{{lookup vars 'team'}}\n" });
    await expectRefused(["--template", "./fork", "--var", "team=edge"], "template ./fork src/team.ts.hbs: line 1: unknown helper lookup");
  });

  it("no template.json", async () => {
    await writeFolder(join(scratch, "fork"), { "src/index.ts": "" });
    await expectRefused(["--template", "./fork"], "Template ./fork has no template.json at its root");
  });

  it("an invalid template.json", async () => {
    await writeFolder(join(scratch, "fork"), { ...FORK, "template.json": manifestJson({ variables: [{ name: "team", message: "?", type: "txt" }] }) });
    await expectRefused(["--template", "./fork"], 'template.json in ./fork: "variables[0].type" must be one of text, confirm, select.');
  });

  it("a template.json that needs a newer create-kv-edge", async () => {
    await writeFolder(join(scratch, "fork"), { ...FORK, "template.json": manifestJson({ minVersion: "99.0.0" }) });
    await expectRefused(["--template", "./fork"], /needs create-kv-edge >= 99\.0\.0 .*run npm create kv-edge@latest/);
  });

  it("a private repository that is not found, without printing GIGET_AUTH even with DEBUG", async () => {
    await expectRefused(["--template", "gh:acme/private-templates/kv#v1"], /Template gh:acme\/private-templates\/kv#v1 not found \(404/);
    expect(server().lastHeaders().authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("--offline with nothing cached", async () => {
    await expectRefused(["--offline", "--template", `${server().origin}/never-downloaded.tar.gz`], /No cached copy of .* for --offline/);
  });
});

describe("a text variable without a default", () => {
  const owner = { name: "owner", message: "Owner of the Worker?", type: "text" };
  const writeFork = () =>
    writeFolder(join(scratch, "fork"), {
      ...FORK,
      "template.json": manifestJson({ variables: [{ name: "team", message: "Team name?", type: "text", default: "platform" }, owner] }),
      "src/owner.ts.hbs": "export const OWNER = {{json vars.owner}};\n",
    });

  it("must be given without a terminal", async () => {
    await writeFork();
    const result = await scaffold("--template", "./fork");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("the template ./fork needs: --var owner=<value>");
  });

  it("must be answered at the prompt: an empty answer is refused and asked again", async () => {
    await writeFork();
    const args = ["app", "--template", "./fork", "--features", "cache", "--cache-pattern", "cache-aside", "--envs", ""];
    const cli = interactiveCli([...args, "--no-install", "--no-git"], { cwd: scratch });
    await cli.waitFor("Customise the namespaces");
    await cli.type("n");
    await cli.waitFor("Team name?");
    await cli.type("\r"); // a question with a default takes it
    await cli.waitFor("Owner of the Worker?");
    await cli.type("\r");
    await cli.waitFor("an answer is needed");
    await cli.type("ops\r");
    const result = await cli.exit();
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(projectDir(), "src/owner.ts"), "utf8")).toBe('export const OWNER = "ops";\n');
  });
});
