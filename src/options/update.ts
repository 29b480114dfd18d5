/**
 * argv -> UpdateFlags for `create-kv-edge update` (its options are in table.ts,
 * marked for the update command). `--set name=value` takes the name of a create option that
 * is an answer (see SETTABLE) and is checked by the same parser as that option.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import { describeParseError, parseFlags, type Flags } from "./parse.js";
import { optionsOf } from "./table.js";

/** Create options that are answers, and so can be changed with --set. */
export const SETTABLE = [
  "features",
  "ttl",
  "binding",
  "namespace",
  "session-ttl",
  "session-refresh",
  "session-max-lifetime",
  "rate-limit",
  "rate-limit-backend",
  "document-writes",
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
    optionsOf("update").map((option) => [
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
  const value = item.slice(at + 1);
  try {
    return { name, flags: parseFlags([`--${name}`, value]) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // The check speaks of "--session-ttl 59"; the user typed "--set session-ttl=59".
    const asCreateFlag = `--${name} ${value}`;
    const problem = error.message.startsWith(asCreateFlag) ? error.message.slice(asCreateFlag.length) : `: ${error.message}`;
    throw new UsageError(`--set ${item}${problem}`);
  }
}
