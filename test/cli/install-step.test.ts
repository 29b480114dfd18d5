/**
 * The install step of the built CLI with a real npm: its failure message (npm's own
 * last lines and a retry command quoted for the shell, whatever the folder name) and
 * Ctrl+C during the install (SIGINT to the whole process group, as a terminal sends
 * it): exit 130, the project kept, and the one command that finishes it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, cliPath, runCli, type CliResult } from "../support/cli.js";
import { freePort } from "../support/project.js";

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
});
