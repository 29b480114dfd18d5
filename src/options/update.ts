/**
 * The options of `create-kv-edge update`, in the order its --help shows them, and
 * argv -> UpdateFlags. `--set name=value` takes the name of a create option that
 * is an answer (see SETTABLE) and is checked by the same parser as that option.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import { describeParseError, parseFlags, type Flags } from "./parse.js";
import { optionRows, type OptionSpec } from "./table.js";

export const UPDATE_OPTIONS: readonly OptionSpec[] = [
  {
    name: "to",
    type: "string",
    value: "<ref|version>",
    help: "the template version to update to: a branch, tag or commit of a git fork, a tarball URL, or a create-kv-edge version for the built-in template; default: the newest the source offers",
  },
  { name: "check", type: "boolean", help: "only say whether an update exists: exit 0 when up to date, 1 when one exists" },
  { name: "dry-run", type: "boolean", help: "print the plan and each file's outcome, write nothing" },
  { name: "json", type: "boolean", help: "print the plan (or the --check answer) as JSON" },
  {
    name: "set",
    type: "string",
    multiple: true,
    value: "<option=value>",
    help: "change one recorded answer and re-render at the same template version, repeatable (e.g. --set session-ttl=7200)",
  },
  { name: "allow-dirty", type: "boolean", help: "run even when the project has uncommitted changes" },
  { name: "install", type: "boolean", negatable: true, help: "reinstall dependencies when package.json changed; default: say so instead" },
  { name: "offline", type: "boolean", help: "fetch a forked template only from the local cache" },
  { name: "help", short: "h", type: "boolean", help: "show this help" },
];

/** Create options that are answers, and so can be changed with --set. */
export const SETTABLE = [
  "features",
  "ttl",
  "binding",
  "namespace",
  "session-ttl",
  "session-refresh",
  "rate-limit",
  "rate-limit-backend",
  "cache-pattern",
  "envs",
  "var",
  "pm",
] as const;

export interface UpdateFlags {
  to?: string;
  check: boolean;
  dryRun: boolean;
  json: boolean;
  /** Each --set, parsed as the create option it names. */
  sets: { name: string; flags: Flags }[];
  allowDirty: boolean;
  install: boolean;
  offline: boolean;
  help: boolean;
}

/** `args` starts after the word "update". */
export function parseUpdateFlags(args: readonly string[]): UpdateFlags {
  const options = Object.fromEntries(
    UPDATE_OPTIONS.map((option) => [
      option.name,
      { type: option.type, ...(option.multiple ? { multiple: true } : {}), ...(option.short ? { short: option.short } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")) throw error;
    throw new UsageError(`update: ${describeParseError(error, "update")}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UsageError(`update takes no directory (got "${positionals[0]}"); run it inside the project`);
  }
  const to = values.to as string | undefined;
  if (to !== undefined && to.trim() === "") throw new UsageError("--to needs a ref or version, e.g. --to v2");
  const sets = ((values.set as string[] | undefined) ?? []).map(parseSet);
  if (sets.length > 0 && to !== undefined) {
    throw new UsageError("--set and --to go in two runs: update first (--to), then change the answer (--set)");
  }
  return {
    ...(to !== undefined ? { to } : {}),
    check: values.check === true,
    dryRun: values["dry-run"] === true,
    json: values.json === true,
    sets,
    allowDirty: values["allow-dirty"] === true,
    install: values.install === true,
    offline: values.offline === true,
    help: values.help === true,
  };
}

/** "session-ttl=7200" -> the create flags it means, checked as --session-ttl 7200 would be. */
function parseSet(item: string): { name: string; flags: Flags } {
  const at = item.indexOf("=");
  const name = at === -1 ? item : item.slice(0, at);
  if (at === -1 || !(SETTABLE as readonly string[]).includes(name)) {
    throw new UsageError(`--set ${item}: give <option>=<value> with one of ${SETTABLE.join(", ")}`);
  }
  return { name, flags: parseFlags([`--${name}`, item.slice(at + 1)]) };
}

export function updateHelpText(version: string): string {
  return [
    `create-kv-edge ${version}: update a project to its template's newer version, keeping your changes`,
    "",
    "Usage: create-kv-edge update [options]        (run inside the project)",
    "       npm create kv-edge@latest -- update [options]",
    "",
    "Options:",
    ...optionRows(UPDATE_OPTIONS),
    "",
    "Exit codes: 0 done (or up to date), 1 failed, a conflict to resolve, or (--check) an update exists, 2 usage error, 130 cancelled.",
  ].join("\n");
}
