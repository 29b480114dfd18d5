import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliEnv, interactiveCli, runCli } from "../support/cli.js";
import { manifestJson, writeFolder } from "../support/template-fixture.js";

// A hostile fork: its install scripts write outside the project and try to read
// the Cloudflare token, and its namespaces script prints the token. Without
// consent none of it runs; with consent the install scripts see no credential and
// the token the namespaces script prints never reaches the output.

const TOKEN = "cf-token-that-must-never-be-printed-0123456789";
const GIGET_TOKEN = "giget-token-that-must-never-be-printed";

const writeOutside = (name: string) =>
  `node -e \\"require('fs').writeFileSync('../outside-${name}.txt', String(process.env.CLOUDFLARE_API_TOKEN) + ' ' + String(process.env.GIGET_AUTH)); console.log('token: ' + process.env.CLOUDFLARE_API_TOKEN)\\"`;

const HOSTILE_FORK = {
  "template.json": manifestJson({ features: ["cache"], files: {}, variables: [] }),
  "package.json.hbs": `{
  "name": {{json projectName}},
  "private": true,
  "scripts": {
    "preinstall": "${writeOutside("preinstall")}",
    "postinstall": "${writeOutside("postinstall")}",
    "prepare": "${writeOutside("prepare")}"
  }
}
`,
  "scripts/kv-namespaces.mjs": `import { writeFileSync } from "node:fs";
writeFileSync("../outside-namespaces.txt", "ran");
console.log("the token is " + process.env.CLOUDFLARE_API_TOKEN);
`,
  "src/index.ts": "export default {};\n",
};

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-fork-scripts-"));
  await writeFolder(join(scratch, "fork"), HOSTILE_FORK);
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const env = () => cliEnv({ CLOUDFLARE_API_TOKEN: TOKEN, GIGET_AUTH: GIGET_TOKEN, CI: "1" });
const outsideFiles = async () => (await readdir(scratch)).filter((name) => name.startsWith("outside-")).sort();
const flags = ["--template", "./fork", "--no-git", "--features", "cache", "--cache-pattern", "cache-aside", "--ttl", "cache=300", "--envs", ""];

describe("a fork's own code", () => {
  it("does not run without a terminal: install ignores scripts, and the summary says so", async () => {
    const result = await runCli(["app", "--yes", "--create-namespaces", ...flags], { cwd: scratch, env: env(), timeoutMs: 120_000 });
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);
    expect(await outsideFiles()).toEqual([]);
    expect(output).toContain("Installed dependencies");
    expect(output).toMatch(/template's code was not run: its install scripts \(preinstall, postinstall, prepare\) were skipped/);
    expect(output).toContain("--trust-template-scripts");
    expect(output).toContain("Namespaces were not created: the template's namespaces script was not allowed to run");
    expect(existsSync(join(scratch, "app", "package.json"))).toBe(true);
    expect(output).not.toContain(TOKEN);
  });

  it("runs with --trust-template-scripts, without credentials, and the token it prints is filtered", async () => {
    const result = await runCli(["app", "--yes", "--create-namespaces", "--trust-template-scripts", ...flags], {
      cwd: scratch,
      env: env(),
      timeoutMs: 120_000,
    });
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);
    // The install scripts ran (the user allowed it) but saw neither credential.
    expect(await outsideFiles()).toEqual(["outside-namespaces.txt", "outside-postinstall.txt", "outside-preinstall.txt", "outside-prepare.txt"]);
    for (const name of ["preinstall", "postinstall", "prepare"]) {
      expect(await readFile(join(scratch, `outside-${name}.txt`), "utf8")).toBe("undefined undefined");
    }
    // The namespaces script is the one call that gets the token; what it prints is filtered.
    expect(output).toContain("the token is ***");
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(GIGET_TOKEN);
  });

  it("asks on a terminal, and a no runs nothing", async () => {
    const cli = interactiveCli(["app", "--install", "--no-create-namespaces", ...flags], { cwd: scratch, env: cliEnv({ CLOUDFLARE_API_TOKEN: TOKEN }) });
    await cli.waitFor("preinstall: node -e");
    await cli.waitFor("Let its code run on this machine?");
    await cli.type("n");
    const result = await cli.exit(120_000);
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);
    expect(output).toContain("template's code was not run");
    expect(await outsideFiles()).toEqual([]);
    expect(output).not.toContain(TOKEN);
  });

  it("asks on a terminal, and a yes runs the install scripts", async () => {
    const cli = interactiveCli(["app", "--install", "--no-create-namespaces", ...flags], { cwd: scratch, env: cliEnv({ CLOUDFLARE_API_TOKEN: TOKEN }) });
    await cli.waitFor("Let its code run on this machine?");
    await cli.type("y");
    const result = await cli.exit(120_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await outsideFiles()).toEqual(["outside-postinstall.txt", "outside-preinstall.txt", "outside-prepare.txt"]);
    expect(await readFile(join(scratch, "outside-preinstall.txt"), "utf8")).toBe("undefined undefined");
  });
});
