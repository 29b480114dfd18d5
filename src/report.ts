/**
 * What we print at the end (and for --dry-run): the reference card of the new
 * project — its namespaces with binding, TTL and key pattern, what its files are
 * for, and the commands to run next with the chosen package manager.
 */
import path from "node:path";
import { durableObjectsFor, RATE_LIMITER_BINDING, usesRateLimitBinding } from "./durable-objects.js";
import { FEATURES } from "./features/index.js";
import type { Options } from "./options/resolve.js";
import { commandsOf } from "./package-managers.js";
import { shellQuote } from "./shell.js";
import type { PlannedFile } from "./template/plan.js";
import { formatTtl } from "./ttl.js";
import { color } from "./ui.js";

const FILE_PURPOSES: [prefix: string, purpose: string][] = [
  ["wrangler.jsonc", "Worker config: KV bindings (one namespace per feature), Durable Objects, environments"],
  ["src/index.ts", "demo router: one route group per feature"],
  ["src/config.ts", "namespace TTLs, session and rate-limit settings, typed namespace access"],
  ["src/lib/", "the KV toolkit: typed store, keys, and one module per feature"],
  ["src/routes/", "the demo routes of each feature"],
  ["test/", "tests that run inside workerd (the test script)"],
  ["seed/", "seed data for `kv bulk put` (kv:seed script)"],
  ["scripts/", "project scripts (kv:namespaces)"],
  ["README.md", "namespace layout, key naming, TTL policy, consistency model"],
  ["AGENTS.md", "the same facts, in brief, for coding agents"],
];

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("   ").trimEnd()}`);
}

/** The KV namespaces, then the Durable Objects and the Rate Limiting binding, one row each. */
export function namespaceLines(options: Options): string[] {
  const rows = options.namespaces.map((namespace) => {
    const feature = FEATURES.find((f) => f.id === namespace.feature);
    return [namespace.binding, namespace.feature ?? "extra", formatTtl(namespace.ttl), feature?.keyPattern ?? "your own"];
  });
  for (const object of durableObjectsFor(options.features, options)) {
    rows.push([object.binding, object.feature, "-", `Durable Object ${object.name}: ${object.objects}`]);
  }
  if (usesRateLimitBinding(options.features, options)) {
    rows.push([RATE_LIMITER_BINDING, "ratelimit", "-", "Rate Limiting binding: counted per location"]);
  }
  return table([["binding", "feature", "default TTL", "keys"], ...rows]);
}

export function fileLines(files: PlannedFile[]): string[] {
  const rows = FILE_PURPOSES.filter(([prefix]) => files.some((file) => file.path === prefix || (prefix.endsWith("/") && file.path.startsWith(prefix))));
  return table(rows.map(([prefix, purpose]) => [prefix, purpose]));
}

export function nextCommands(options: Options, installed: boolean): string[] {
  const commands = commandsOf(options.packageManager);
  const where = whereFromHere(options);
  return [
    where === "" ? undefined : `cd ${shellQuote(where)}`,
    installed ? undefined : commands.install,
    installed ? undefined : `${commands.run} types`,
    `${commands.run} test`,
    `${commands.run} dev`,
    chosenUnits(options).some((feature) => feature.files.seed.length > 0) ? `${commands.run} kv:seed` : undefined,
    `${commands.run} deploy`,
  ].filter((line): line is string => line !== undefined);
}

/** The project folder as the user would `cd` to it from here. */
export function whereFromHere(options: Pick<Options, "targetDir">): string {
  // A folder outside the current one reads better as its absolute path than as ../../x.
  const relative = path.relative(process.cwd(), options.targetDir);
  return relative.startsWith("..") ? options.targetDir : relative;
}

export function sessionAndLimitLines(options: Options): string[] {
  const lines = chosenUnits(options).flatMap((feature) => feature.summary?.(options) ?? []);
  if (options.envs.length > 0) lines.push(`environments: ${options.envs.join(", ")} (each with its own namespaces)`);
  return lines.map((line) => `  ${line}`);
}

function chosenUnits(options: Options) {
  return FEATURES.filter((feature) => options.features.includes(feature.id));
}

export function section(title: string, lines: string[]): string {
  return lines.length === 0 ? "" : `\n${color.bold(title)}\n${lines.join("\n")}\n`;
}

/** --dry-run: every file and every namespace, nothing written. */
export function formatPlan(options: Options, files: PlannedFile[]): string {
  const fileRows = table(files.map((file) => [file.path, `${file.bytes.byteLength} B`]));
  const steps = [
    options.install ? `install dependencies with ${options.packageManager}, then wrangler types` : undefined,
    options.createNamespaces ? "create the KV namespaces on your account (kv:namespaces)" : undefined,
    options.git ? "git init and a first commit" : undefined,
  ].filter((line): line is string => line !== undefined);
  return [
    `Dry run: nothing was written. The project ${options.projectName} would go to ${options.targetDir}.`,
    section(`Files (${files.length})`, fileRows),
    section("Bindings: KV namespaces and Durable Objects", namespaceLines(options)),
    section("Settings", sessionAndLimitLines(options)),
    section("Then", steps.map((step) => `  ${step}`)),
  ].join("");
}
