/**
 * The install step of the built CLI with a real npm: its failure message (npm's own
 * last lines and a retry command quoted for the shell, whatever the folder name) and
 * Ctrl+C during the install (SIGINT to the whole process group, as a terminal sends
 * it): exit 130, the project kept, and the one command that finishes it.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, cliPath, runCli, terminalCli, type CliResult } from "../support/cli.js";
import { freePort } from "../support/project.js";
import { manifestJson } from "../support/template-fixture.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-install-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("the install step", () => {
  it("shows npm's last lines and a retry command quoted for the shell when the install fails", async () => {
    // Nothing listens on this port: npm fails fast with its own reason.
    const registry = `http://127.0.0.1:${await freePort()}/`;
    const folder = "it's my $app";
    const result = await runCli([folder, "--yes", "--no-git", "--features", "cache", "--pm", "npm"], {
      cwd: root,
      env: cliEnv({
        CI: "true",
        npm_config_registry: registry,
        npm_config_fetch_retries: "0",
        npm_config_cache: path.join(root, "empty-npm-cache"),
      }),
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`retry with: cd 'it'\\''s my $app' && npm install`);
    expect(result.stderr).toMatch(/ECONNREFUSED|npm error/);
    // The project itself is complete.
    await stat(path.join(root, folder, "package.json"));
  });

  it("Ctrl+C during the install exits 130, keeps the project and names the command that finishes it", async () => {
    const child = spawn(process.execPath, [cliPath, "my app", "--yes", "--no-git", "--features", "cache", "--pm", "npm"], {
      cwd: root,
      env: cliEnv({ CI: "true" }),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<CliResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes("Installing dependencies with npm") && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stdout).toContain("Installing dependencies with npm");
    // What a terminal does on Ctrl+C: SIGINT to the CLI and npm alike.
    process.kill(-child.pid!, "SIGINT");
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 30_000);
    const result = await exited;
    clearTimeout(timer);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain("Cancelled while installing dependencies");
    expect(result.stderr).toContain("Finish with: cd 'my app' && npm install");
    expect(JSON.parse(await readFile(path.join(root, "my app", "package.json"), "utf8")).name).toBe("my-app");
  });

  // On a terminal the install runs under clack's spinner, which put the terminal in raw
  // mode and answered Ctrl+C with process.exit(0): exit 0, no word of the state, and npm
  // left running.
  it("Ctrl+C typed on a terminal during the install exits 130 and stops npm", async () => {
    const fork = path.join(root, "slow-fork");
    await mkdir(path.join(fork, "src"), { recursive: true });
    await writeFile(path.join(fork, "template.json"), manifestJson({ features: ["cache"], files: {}, variables: [] }));
    await writeFile(path.join(fork, "src/index.ts"), "export default {};\n");
    // An install script that says it is running, then waits; only a stop ends it early.
    const sleeper = `node -e \\"require('fs').writeFileSync('../sleeper.pid', String(process.pid)); setTimeout(() => {}, 60000)\\"`;
    await writeFile(path.join(fork, "package.json.hbs"), `{ "name": {{json projectName}}, "private": true, "scripts": { "preinstall": "${sleeper}" } }\n`);
    const args = ["tty-app", "--template", "./slow-fork", "--trust-template-scripts", "--features", "cache", "--cache-pattern", "cache-aside"];
    const cli = terminalCli([...args, "--envs", "", "--install", "--no-git"], { cwd: root });
    await cli.waitFor("Customise the namespaces");
    await cli.type("n");
    const pidFile = path.join(root, "sleeper.pid");
    const deadline = Date.now() + 60_000;
    while (!(await stat(pidFile).catch(() => undefined)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sleeperPid = Number(await readFile(pidFile, "utf8"));
    await cli.type("\u0003");
    const { code, stdout: output } = await cli.exit();
    expect(code, output).toBe(130);
    expect(output).toContain("Cancelled while installing dependencies");
    expect(output).toContain("Finish with: cd tty-app && npm install");
    // npm and its script were stopped with the CLI (the stop escalates to SIGKILL within seconds).
    const stopped = Date.now() + 10_000;
    const alive = () => {
      try {
        process.kill(sleeperPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < stopped) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive()).toBe(false);
  }, 120_000);
});
