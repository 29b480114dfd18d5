import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { cliEnv, cliPath, runCli, terminalCli } from "../support/cli.js";

// The end of input at a prompt (Ctrl+D, a closed pipe) is a cancel: exit 130, one
// line, the cursor shown again, nothing written. It used to leave the prompt
// waiting until Node gave up with exit 13 and a hidden cursor.

const HIDE_CURSOR = "\u001B[?25l";
const SHOW_CURSOR = "\u001B[?25h";

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-eof-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function expectCancelled(result: { code: number | null; stdout: string; stderr: string }) {
  expect(result.code, result.stdout + result.stderr).toBe(130);
  expect(result.stderr).toBe("✖ Cancelled; nothing was written.\n");
  expect(result.stdout.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(result.stdout.lastIndexOf(HIDE_CURSOR));
}

it("stdin closed at the first question", async () => {
  const result = await runCli(["--interactive"], { cwd: scratch, env: cliEnv() });
  expectCancelled(result);
  expect(await readdir(scratch)).toEqual([]);
});

it("a pipe that ends after the first answer", async () => {
  const child = spawn(process.execPath, [cliPath, "--interactive"], { cwd: scratch, env: cliEnv(), stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    // Answer the directory question, then end the input at the next one.
    if (stdout.includes("Where should the project go?") && child.stdin.writable) child.stdin.end("app\r");
  });
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  expect(stdout).toContain("Which data patterns");
  expectCancelled({ code, stdout, stderr });
  expect(await readdir(scratch)).toEqual([]);
});

// On a real terminal Ctrl+D does not end stdin: the prompt's readline closes and
// pauses it, and the run used to die with Node's "unsettled top-level await"
// warning and exit 13.
it("Ctrl+D at a question on a terminal", async () => {
  const cli = terminalCli(["app"], { cwd: scratch });
  await cli.waitFor("Which data patterns");
  await cli.type("\u0004");
  const result = await cli.exit();
  expect(result.code, result.stdout).toBe(130);
  expect(result.stdout).toContain("✖ Cancelled; nothing was written.");
  expect(result.stdout).not.toContain("unsettled top-level await");
  expect(await readdir(scratch)).toEqual([]);
});
