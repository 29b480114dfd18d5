import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UserError } from "../../src/errors.js";
import { loadTemplate, type LoadTemplateOptions } from "../../src/template/source.js";
import type { LoadedTemplate } from "../../src/template/types.js";
import { startFileServer, useFileServer } from "../support/file-server.js";
import { inFolder, tarGz } from "../support/tar.js";
import { manifestJson, writeFolder } from "../support/template-fixture.js";

// Every test gets its own scratch folder: cwd for relative paths, TMPDIR (where
// loadTemplate and giget make their temporary folders), and XDG_CACHE_HOME (giget's
// cache), so no test sees another's downloads and leftovers can be counted.
let scratch: string;
let options: LoadTemplateOptions;
const server = useFileServer();

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-source-test-"));
  await mkdir(join(scratch, "tmp"));
  await mkdir(join(scratch, "cwd"));
  vi.stubEnv("TMPDIR", join(scratch, "tmp"));
  vi.stubEnv("XDG_CACHE_HOME", join(scratch, "cache"));
  vi.stubEnv("GIGET_AUTH", undefined);
  vi.stubEnv("GIGET_REGISTRY", undefined);
  vi.stubEnv("GIGET_GITHUB_URL", server().origin);
  vi.stubEnv("GIGET_GITLAB_URL", server().origin);
  options = { cwd: join(scratch, "cwd"), builtinDir: join(scratch, "builtin"), version: "0.1.0" };
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await rm(scratch, { recursive: true, force: true });
});

/** The UserError loadTemplate rejects with. */
async function loadError(source: string | undefined, overrides: Partial<LoadTemplateOptions> = {}): Promise<UserError> {
  const error = await loadTemplate(source, { ...options, ...overrides }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).not.toContain("\n");
  return error as UserError;
}

/** Paths and text of a loaded template's files. */
function contents(template: LoadedTemplate): Record<string, string> {
  return Object.fromEntries(template.files.map((file) => [file.path, Buffer.from(file.bytes).toString()]));
}

/** Temporary folders loadTemplate left behind in this test's TMPDIR. */
async function leftovers(): Promise<string[]> {
  return (await readdir(join(scratch, "tmp"))).filter((name) => name.startsWith("create-kv-edge-template-"));
}

const FORK = {
  "template.json": manifestJson(),
  "package.json.hbs": '{ "name": {{json projectName}} }',
  "src/index.ts": "export default {};\n",
  "src/sessions.ts": "export const sessions = true;\n",
};

describe("local folders", () => {
  it("reads the built-in folder when no source is given", async () => {
    await writeFolder(options.builtinDir, FORK);
    const template = await loadTemplate(undefined, options);
    expect(template.source).toBe("built-in");
    expect(template.manifest.name).toBe("acme-kv");
    expect(contents(template)).toEqual({
      "package.json.hbs": FORK["package.json.hbs"],
      "src/index.ts": FORK["src/index.ts"],
      "src/sessions.ts": FORK["src/sessions.ts"],
    });
  });

  it("reads a relative folder with literal names, skipping .git/ and node_modules/", async () => {
    await writeFolder(join(options.cwd, "my-fork"), {
      ...FORK,
      "{{projectName}}/literal.txt": "not rendered",
      ".git/HEAD": "ref: refs/heads/main",
      "node_modules/x/index.js": "",
      "src/.git": "gitdir: elsewhere",
    });
    const template = await loadTemplate("./my-fork", options);
    expect(template.source).toBe("./my-fork");
    expect(Object.keys(contents(template)).sort()).toEqual([
      "package.json.hbs",
      "src/index.ts",
      "src/sessions.ts",
      "{{projectName}}/literal.txt",
    ]);
  });

  it("reads an existing folder named without ./", async () => {
    await writeFolder(join(options.cwd, "my-fork"), FORK);
    const template = await loadTemplate("my-fork", options);
    expect(template.files).toHaveLength(3);
  });

  it("refuses a symlink to a file outside, naming it", async () => {
    const fork = join(options.cwd, "my-fork");
    await writeFolder(fork, FORK);
    await writeFile(join(scratch, "secret.txt"), "SECRET");
    await symlink(join(scratch, "secret.txt"), join(fork, "src", "config.ts"));
    const error = await loadError("./my-fork");
    expect(error.message).toBe(
      "Template ./my-fork contains a symbolic link at src/config.ts; links and special files are refused for safety, replace it with a regular file.",
    );
  });

  it("refuses a symlinked folder without following it", async () => {
    const fork = join(options.cwd, "my-fork");
    await writeFolder(fork, FORK);
    await writeFolder(join(scratch, "outside"), { "secret.txt": "SECRET" });
    await symlink(join(scratch, "outside"), join(fork, "shared"));
    expect((await loadError("./my-fork")).message).toMatch(/symbolic link at shared;/);
  });

  it("refuses a folder without template.json", async () => {
    await writeFolder(join(options.cwd, "my-fork"), { "src/index.ts": "" });
    expect((await loadError("./my-fork")).message).toBe(
      "Template ./my-fork has no template.json at its root; copy templates/default to start a fork.",
    );
  });

  it("refuses an invalid manifest, naming the file and the field", async () => {
    await writeFolder(join(options.cwd, "my-fork"), { ...FORK, "template.json": manifestJson({ features: ["queues"] }) });
    expect((await loadError("./my-fork")).message).toMatch(
      /^template.json in \.\/my-fork: "features\[0\]" must be a feature id \(cache, sessions, .*\), got "queues"\.$/,
    );
  });

  it("refuses a template that needs a newer create-kv-edge", async () => {
    await writeFolder(join(options.cwd, "my-fork"), { ...FORK, "template.json": manifestJson({ minVersion: "0.2.0" }) });
    expect((await loadError("./my-fork")).message).toBe(
      "template.json in ./my-fork needs create-kv-edge >= 0.2.0 (this is 0.1.0); run npm create kv-edge@latest.",
    );
  });

  it("refuses a file given as a folder", async () => {
    await writeFolder(options.cwd, { "fork.tar.gz": "not a folder" });
    expect((await loadError("./fork.tar.gz")).message).toBe(
      "--template ./fork.tar.gz is a file, not a folder; unpack it, or serve it over https://.",
    );
  });

  it("refuses a path that does not exist", async () => {
    expect((await loadError("./nope")).message).toBe("Template folder ./nope does not exist; check the path.");
  });
});

describe("source forms refused before any download", () => {
  // Fail loudly instead of reaching another host if a check ever breaks.
  let fetchSpy: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    fetchSpy = vi.spyOn(globalThis, "fetch").mockRejectedValue(new Error("fetch must not be called"));
  });
  afterEach(async () => {
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(await readdir(join(scratch, "tmp"))).toEqual([]);
  });

  it.each(["foo:bar/baz", "acme/templates", "ftp://example.com/x.tar.gz"])("refuses %s, listing the accepted forms", async (source) => {
    const error = await loadError(source);
    expect(error.message).toContain(`Unknown template source "${source}"`);
    expect(error.message).toContain("gh:owner/repo[/subdir][#ref]");
    expect(error.message).toContain("https:// tarball URL");
  });

  it.each([
    ["gh:", "gh:"],
    ["github:acme", "github:"],
    ["gitlab:/templates", "gitlab:"],
    ["gh:#main", "gh:"],
  ])("refuses %s, a git host source without owner/repo", async (source, prefix) => {
    expect((await loadError(source)).message).toBe(
      `--template ${source}: give owner/repo after ${prefix}, e.g. ${prefix}acme/worker-templates/kv#main.`,
    );
  });

  it.each([
    "git:https://git.example.com/team/templates/kv",
    "git:git@git.example.com:team/templates/kv#v2",
    "git:gh:acme/templates/kv",
    "git:acme/templates/kv",
  ])("refuses %s, a subfolder in the repository address, and says where it goes", async (source) => {
    const error = await loadError(source);
    expect(error.message).toContain("put the subfolder after the ref, e.g. git:<owner/repo URL>#main:path/to/template");
  });

  it.each([
    [
      "plain http:// to another host",
      "http://example.com/fork.tar.gz",
      "--template http://example.com/fork.tar.gz: plain http:// is only allowed for localhost; use https://.",
    ],
    [
      "a user and password in the URL, without showing them",
      "https://deploy:hunter2@example.com/fork.tar.gz",
      "--template https://***@example.com/fork.tar.gz: a user or password in the URL is not supported; set GIGET_AUTH instead.",
    ],
  ])("refuses %s", async (_case, source, message) => {
    expect((await loadError(source)).message).toBe(message);
  });
});

describe("tarballs over http (giget, 127.0.0.1)", () => {
  it("downloads, reads and removes its temporary folder", async () => {
    server().serve("/plain-fork.tar.gz", tarGz(inFolder("fork", FORK)));
    const url = `${server().origin}/plain-fork.tar.gz`;
    const template = await loadTemplate(url, options);
    expect(template.source).toBe(url);
    expect(template.manifest.features).toEqual(["cache", "sessions"]);
    expect(contents(template)["src/sessions.ts"]).toBe(FORK["src/sessions.ts"]);
    expect(await leftovers()).toEqual([]);
  });

  it("uses only the cache with --offline", async () => {
    server().serve("/cached-fork.tar.gz", tarGz(inFolder("fork", FORK)));
    const url = `${server().origin}/cached-fork.tar.gz`;
    await loadTemplate(url, options);
    const requestsBefore = server().requests.length;
    const template = await loadTemplate(url, { ...options, offline: true });
    expect(template.files).toHaveLength(3);
    expect(server().requests).toHaveLength(requestsBefore);
  });

  it("caches two URLs with the same file name apart", async () => {
    const forkNamed = (name: string) => tarGz(inFolder("fork", { ...FORK, "template.json": manifestJson({ name }) }));
    server().serve("/team-a/template.tar.gz", forkNamed("team-a"));
    server().serve("/team-b/template.tar.gz", forkNamed("team-b"));
    const urlA = `${server().origin}/team-a/template.tar.gz`;
    const urlB = `${server().origin}/team-b/template.tar.gz`;
    await loadTemplate(urlA, options);
    await loadTemplate(urlB, options);
    expect((await loadTemplate(urlA, { ...options, offline: true })).manifest.name).toBe("team-a");
    expect((await loadTemplate(urlB, { ...options, offline: true })).manifest.name).toBe("team-b");
  });

  it("refuses --offline with an empty cache", async () => {
    server().serve("/never-cached.tar.gz", tarGz(inFolder("fork", FORK)));
    const url = `${server().origin}/never-cached.tar.gz`;
    expect((await loadError(url, { offline: true })).message).toBe(
      `No cached copy of ${url} for --offline; run once without --offline to download it.`,
    );
    expect(await leftovers()).toEqual([]);
  });

  it("reports a 404 as not found", async () => {
    const url = `${server().origin}/missing.tar.gz`;
    expect((await loadError(url)).message).toBe(
      `Template ${url} not found (404 Not Found); check the repository, subfolder and #ref, and set GIGET_AUTH for a private repository.`,
    );
    expect(await leftovers()).toEqual([]);
  });

  it("reports a server that is down", async () => {
    const closed = await startFileServer();
    await closed.close();
    const url = `${closed.origin}/fork.tar.gz`;
    expect((await loadError(url)).message).toBe(
      `Could not download ${url}: the network or the server is down; retry, or use --offline to use the cached copy.`,
    );
  });

  it("refuses a body that is not a gzip tarball", async () => {
    server().serve("/login-page.tar.gz", Buffer.from("<html>Please sign in</html>"), "text/html");
    const url = `${server().origin}/login-page.tar.gz`;
    expect((await loadError(url)).message).toBe(
      `${url} is not a gzip tarball (.tar.gz); point --template at a .tar.gz archive.`,
    );
    expect(await leftovers()).toEqual([]);
  });

  it("explains how to pack a tarball whose files sit at its root", async () => {
    server().serve("/flat-fork.tar.gz", tarGz(Object.entries(FORK).map(([path, content]) => ({ path, content }))));
    const url = `${server().origin}/flat-fork.tar.gz`;
    expect((await loadError(url)).message).toBe(
      `Template ${url} has no template.json at its root; pack the template in one top-level folder ` +
        "(tar -czf fork.tar.gz my-fork), template.json directly inside it.",
    );
  });

  it("refuses a tarball holding a symlink to a file outside, naming it", async () => {
    server().serve(
      "/linked-fork.tar.gz",
      tarGz([...inFolder("fork", FORK), { path: "fork/src/config.ts", type: "symlink", target: "/etc/passwd" }]),
    );
    const error = await loadError(`${server().origin}/linked-fork.tar.gz`);
    expect(error.message).toMatch(/contains a symbolic link at src\/config.ts;/);
    expect(await leftovers()).toEqual([]);
  });

  it("never holds a link whose target climbs out: extraction drops it", async () => {
    server().serve(
      "/climbing-link.tar.gz",
      tarGz([...inFolder("fork", FORK), { path: "fork/src/config.ts", type: "symlink", target: "../../../../etc/passwd" }]),
    );
    const template = await loadTemplate(`${server().origin}/climbing-link.tar.gz`, options);
    expect(template.files.map((file) => file.path)).not.toContain("src/config.ts");
    expect(template.files.some((file) => Buffer.from(file.bytes).toString().includes("root:"))).toBe(false);
  });

  it("writes nothing outside for a .. entry or an absolute path", async () => {
    // Unique names, so a file found later can only have come from this tarball.
    const marker = `kv-edge-escape-${process.pid}-${Date.now()}`;
    server().serve(
      "/escaping-fork.tar.gz",
      tarGz([
        ...inFolder("fork", FORK),
        { path: `fork/../../../${marker}-dotdot.txt`, content: "escaped" },
        { path: `fork/../${marker}-sibling.txt`, content: "escaped" },
        { path: `/${marker}-absolute.txt`, content: "escaped" },
      ]),
    );
    const template = await loadTemplate(`${server().origin}/escaping-fork.tar.gz`, options);

    const outside = [scratch, join(scratch, "tmp"), join(scratch, "cwd"), tmpdir(), "/"];
    for (const folder of outside) {
      for (const suffix of ["dotdot", "sibling", "absolute"]) {
        expect(existsSync(join(folder, `${marker}-${suffix}.txt`))).toBe(false);
      }
    }
    // What survived extraction stayed inside the template, as a plain relative path.
    expect(template.files.every((file) => !file.path.startsWith("/") && !file.path.split("/").includes(".."))).toBe(true);
    expect(await leftovers()).toEqual([]);
  });
});

describe("git hosts (giget's GitHub provider, pointed at 127.0.0.1)", () => {
  // GitHub's tarball API packs a repository under one top-level folder "<owner>-<repo>-<sha>".
  const repository = inFolder("acme-templates-1a2b3c", {
    "README.md": "# Acme templates",
    ...Object.fromEntries(Object.entries(FORK).map(([path, text]) => [`kv/${path}`, text])),
  });

  it("selects a subfolder at a ref", async () => {
    server().serve("/repos/acme/templates/tarball/v2", tarGz(repository));
    const template = await loadTemplate("gh:acme/templates/kv#v2", options);
    expect(template.source).toBe("gh:acme/templates/kv#v2");
    expect(Object.keys(contents(template)).sort()).toEqual(["package.json.hbs", "src/index.ts", "src/sessions.ts"]);
    expect(server().requests).toContain("GET /repos/acme/templates/tarball/v2");
    expect(await leftovers()).toEqual([]);
  });

  it("reads gitlab: sources, with a nested group and \"::\" before the subfolder (GIGET_GITLAB_URL)", async () => {
    server().serve("/acme/platform/templates/-/archive/v2.tar.gz", tarGz(repository));
    const template = await loadTemplate("gitlab:acme/platform/templates::kv#v2", options);
    expect(Object.keys(contents(template)).sort()).toEqual(["package.json.hbs", "src/index.ts", "src/sessions.ts"]);
  });

  it("refuses a subfolder that is not there", async () => {
    server().serve("/repos/acme/templates/tarball/main", tarGz(repository));
    expect((await loadError("github:acme/templates/missing")).message).toBe(
      'Subfolder "missing" not found in github:acme/templates/missing; check the path and the #ref.',
    );
    expect(await leftovers()).toEqual([]);
  });

  it("reports a repository or ref that is not there", async () => {
    const error = await loadError("gh:acme/templates#no-such-tag");
    expect(error.message).toMatch(/^Template gh:acme\/templates#no-such-tag not found \(404 Not Found\); /);
  });

  it("sends GIGET_AUTH and never prints it, not even with DEBUG", async () => {
    const token = "ghp_do-not-print-this-1234";
    vi.stubEnv("GIGET_AUTH", token);
    vi.stubEnv("DEBUG", "1");
    const debugLines: string[] = [];
    vi.spyOn(console, "debug").mockImplementation((...args: unknown[]) => {
      debugLines.push(args.map(String).join(" "));
    });
    server().serve("/repos/acme/private/tarball/main", tarGz(inFolder("acme-private-9f", FORK)));

    await loadTemplate("gh:acme/private", options);
    expect(server().lastHeaders().authorization).toBe(`Bearer ${token}`);

    const error = await loadError("gh:acme/private#gone");
    expect(error.message).not.toContain(token);
    expect(debugLines.length).toBeGreaterThan(0);
    expect(debugLines.join("\n")).not.toContain(token);
  });
});

describe("git repositories (giget's git provider, a local repository)", () => {
  let repositoryDir: string;

  beforeEach(async () => {
    repositoryDir = join(options.cwd, "templates-repo");
    await writeFolder(repositoryDir, {
      "README.md": "# templates",
      ...Object.fromEntries(Object.entries(FORK).map(([path, text]) => [`kv/${path}`, text])),
    });
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
        cwd: repositoryDir,
        stdio: "pipe",
      });
    git("init", "--quiet", "--initial-branch=main");
    git("add", ".");
    git("commit", "--quiet", "--message", "templates");
    git("tag", "v1");
  });

  it("clones a relative repository path and picks the subfolder at a ref", async () => {
    const template = await loadTemplate("git:./templates-repo#v1:kv", options);
    expect(template.source).toBe("git:./templates-repo#v1:kv");
    expect(Object.keys(contents(template)).sort()).toEqual(["package.json.hbs", "src/index.ts", "src/sessions.ts"]);
    expect(await leftovers()).toEqual([]);
  });

  it("uses only the cache with --offline", async () => {
    expect((await loadError("git:./templates-repo#v1:kv", { offline: true })).message).toMatch(/^No cached copy of git:/);
    await loadTemplate("git:./templates-repo#v1:kv", options);
    await rm(repositoryDir, { recursive: true });
    const template = await loadTemplate("git:./templates-repo#v1:kv", { ...options, offline: true });
    expect(template.files).toHaveLength(3);
  });

  it("refuses a subfolder that is not there", async () => {
    expect((await loadError("git:./templates-repo#main:nope")).message).toBe(
      'Subfolder "nope" not found in git:./templates-repo#main:nope; check the path and the #ref.',
    );
  });

  it("refuses an unsafe subfolder before cloning", async () => {
    expect((await loadError("git:./templates-repo#main:../..")).message).toMatch(/the subfolder must be a plain relative path/);
  });

  it("reports a ref that is not there", async () => {
    expect((await loadError("git:./templates-repo#no-such-tag:kv")).message).toBe(
      "Ref not found in git:./templates-repo#no-such-tag:kv; check the branch, tag or commit after #.",
    );
  });

  it("reports a repository that is not there", async () => {
    expect((await loadError("git:./no-such-repo")).message).toBe(
      "Could not clone git:./no-such-repo: repository not found or not reachable; check the URL or path.",
    );
  });
});
