/**
 * The backends a user can pick where KV cannot be exact, each scaffolded once (in
 * parallel, sharing the npm cache) and checked the way a user would: the project's
 * own tests, type check and deploy dry run. The defaults (Durable Objects for rate
 * limits and for saving flags and config) are covered by all-features.test.ts.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, runCli, type CliResult } from "../support/cli.js";
import { runIn } from "../support/project.js";

const variants = [
  {
    name: "rate-limit-binding",
    args: ["--features", "ratelimit,counters", "--rate-limit-backend", "binding", "--envs", "staging"],
    // The dry run lists what the Worker is bound to.
    bindings: [/env\.RATE_LIMITER \(100 requests\/60s\)\s+Rate Limit/, /env\.COUNTERS \(CounterObject\)\s+Durable Object/],
  },
  {
    // Everything in KV: rate limits counted there, flags and config saved straight to it.
    name: "kv-backends",
    args: ["--features", "ratelimit,cache,flags,config", "--rate-limit-backend", "kv", "--rate-limit", "60/60", "--document-writes", "kv"],
    bindings: [/env\.RATE_LIMITS\s+KV Namespace/, /env\.FLAGS\s+KV Namespace/, /env\.CONFIG\s+KV Namespace/],
    absent: [/Durable Object/],
    // Saved straight to KV: the project carries no writer code.
    absentFiles: ["src/lib/document-writer.ts"],
  },
];

let root: string;
const scaffolds = new Map<string, CliResult>();

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-backends-"));
  await Promise.all(
    variants.map(async (variant) => {
      const result = await runCli([variant.name, "--no-git", "--pm", "npm", ...variant.args], {
        cwd: root,
        env: cliEnv({ CI: "true" }),
        timeoutMs: 600_000,
      });
      scaffolds.set(variant.name, result);
    }),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each(variants)("a project with $name", (variant) => {
  const project = () => path.join(root, variant.name);

  it("is scaffolded and installed", () => {
    const result = scaffolds.get(variant.name)!;
    expect(result.code, result.stderr + result.stdout).toBe(0);
    for (const file of variant.absentFiles ?? []) expect(existsSync(path.join(project(), file)), file).toBe(false);
  });

  it("passes npm test, the type check and wrangler deploy --dry-run, which lists its bindings", async () => {
    for (const [command, args] of [
      ["npm", ["test"]],
      ["npm", ["run", "typecheck"]],
    ] as const) {
      const result = await runIn(project(), command, [...args]);
      expect(result.code, `${command} ${args.join(" ")}\n${result.output}`).toBe(0);
    }
    const dryRun = await runIn(project(), "npx", ["wrangler", "deploy", "--dry-run", "--outdir", path.join(project(), ".dry-run")]);
    expect(dryRun.code, dryRun.output).toBe(0);
    for (const binding of variant.bindings) expect(dryRun.output).toMatch(binding);
    for (const binding of variant.absent ?? []) expect(dryRun.output).not.toMatch(binding);
  });
});
