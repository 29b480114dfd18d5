import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/steps/run.js";

// run() stops a child that reaches its time limit (or is aborted) together with
// everything it started, as an install's scripts or git's helpers would be.

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-run-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Running: it exists and is not a zombie (killed, waiting for a parent that may never reap it, as in a container). */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
};

/** A shell that starts a long sleep in the background, writes its pid, and waits for it. */
const parentOfSleeper = (pidFile: string) => ["-c", `sleep 30 & echo $! > ${pidFile}; wait`];

async function grandchildOf(pidFile: string): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const text = await readFile(pidFile, "utf8").catch(() => "");
    if (text.trim() !== "") return Number(text);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the shell never wrote the sleeper's pid");
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return !isAlive(pid);
}

describe("run()", () => {
  it("at its time limit, stops the child and the programs the child started", async () => {
    const pidFile = join(scratch, "sleeper.pid");
    const result = await run("sh", parentOfSleeper(pidFile), { cwd: scratch, timeoutMs: 500 });
    expect(result).toMatchObject({ ok: false, reason: "timed out after 1 s" });
    expect(await goneWithin(await grandchildOf(pidFile), 2000)).toBe(true);
  });

  it("when aborted, stops the child and the programs the child started", async () => {
    const pidFile = join(scratch, "sleeper.pid");
    const stop = new AbortController();
    const running = run("sh", parentOfSleeper(pidFile), { cwd: scratch, timeoutMs: 60_000, signal: stop.signal });
    const sleeper = await grandchildOf(pidFile);
    stop.abort();
    expect(await running).toMatchObject({ ok: false, reason: "cancelled" });
    expect(await goneWithin(sleeper, 2000)).toBe(true);
  });
});
