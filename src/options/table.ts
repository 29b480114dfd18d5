/**
 * Every command-line option, in the order --help shows them. The flag parser
 * (parse.ts), the help text and the README's flag list all come from here;
 * the prompts ask the same questions with the same rules (validate.ts).
 */
import { DOCUMENT_WRITES, RATE_LIMIT_BACKENDS } from "../durable-objects.js";
import { CACHE_PATTERNS, FEATURE_IDS, FEATURES } from "../features/index.js";
import { PACKAGE_MANAGERS } from "../package-managers.js";

export interface OptionSpec {
  /** The long flag without "--". */
  name: string;
  short?: string;
  type: "boolean" | "string";
  /** May be given more than once (values collect into a list). */
  multiple?: boolean;
  /** Also accepts --no-<name>. */
  negatable?: boolean;
  /** Shown after the flag in --help, e.g. "<list>". */
  value?: string;
  help: string;
  /** The commands that take it; default: create only. */
  commands?: readonly Command[];
  /** Its help under `add`, when it differs. */
  addHelp?: string;
  /** Its help under `update`, when it differs. */
  updateHelp?: string;
}

export type Command = "create" | "add" | "update";
const BOTH: readonly Command[] = ["create", "add"];
const ALL: readonly Command[] = ["create", "add", "update"];

// The bindings of KV namespaces: ratelimit keeps one only with --rate-limit-backend kv, counters none.
const defaultBindings = [
  ...FEATURES.filter((feature) => feature.hasNamespace === undefined).map((feature) => feature.binding),
  "RATE_LIMITS (with --rate-limit-backend kv)",
].join(", ");

export const OPTIONS: readonly OptionSpec[] = [
  {
    name: "yes",
    short: "y",
    type: "boolean",
    help: "default answer for every question no flag answered",
    commands: BOTH,
    addHelp: "apply the plan without asking",
  },
  {
    name: "interactive",
    type: "boolean",
    negatable: true,
    help: "default: interactive only when stdin and stdout are TTYs and CI is not set",
    commands: BOTH,
  },
  {
    name: "features",
    type: "string",
    value: "<list>",
    help: `comma list of: ${FEATURE_IDS.join(", ")} (default: all)`,
  },
  {
    name: "ttl",
    type: "string",
    multiple: true,
    value: "<feature=seconds>",
    help: "default TTL of the cache or prefs namespace, 60 to 34560000 (400 days) or 0 for none, repeatable (e.g. --ttl cache=300); sessions and rate-limit counters take theirs from --session-ttl and --rate-limit, flags and config never expire",
    commands: BOTH,
  },
  {
    name: "binding",
    type: "string",
    multiple: true,
    value: "<feature=NAME>",
    help: `binding name of that feature's namespace, repeatable (defaults: ${defaultBindings})`,
    commands: BOTH,
  },
  {
    name: "namespace",
    type: "string",
    multiple: true,
    value: "<NAME[=seconds]>",
    help: "an extra general-purpose namespace with its default TTL, repeatable",
  },
  { name: "session-ttl", type: "string", value: "<seconds>", help: "60 to 34560000 (400 days); default 86400", commands: BOTH },
  {
    name: "session-refresh",
    type: "string",
    value: "<seconds>",
    help: "refresh a session when less than this is left; default 3600",
    commands: BOTH,
  },
  {
    name: "session-max-lifetime",
    type: "string",
    value: "<seconds>",
    help: "no session lives longer than this after login, however often it is used; 60 to 34560000 (400 days); default 2592000 (30 days)",
    commands: BOTH,
  },
  { name: "rate-limit", type: "string", value: "<requests/seconds>", help: "1 to 1000 requests per 1 to 86400 seconds; default 100/60", commands: BOTH },
  {
    name: "rate-limit-backend",
    type: "string",
    commands: BOTH,
    value: `<${RATE_LIMIT_BACKENDS.join("|")}>`,
    help: "what counts the requests: a Durable Object per client (exact, any window; default), the Rate Limiting binding (per location, approximate; a 10 or 60 s window) or KV counters (approximate; at most one request per second of window)",
  },
  {
    name: "document-writes",
    type: "string",
    commands: BOTH,
    value: `<${DOCUMENT_WRITES.join("|")}>`,
    help: "how the flags and config documents are saved: through one Durable Object per document, so saves made at once never overwrite each other (default), or straight to KV (two saves within KV's propagation delay can lose one); only with flags or config, ignored otherwise",
    addHelp:
      "how the added flags or config document is saved: durable-object (one writer object per document, the default in a project made by create-kv-edge) or kv (straight to KV, the only way in another Worker); refused unless flags or config is added, and a project's two documents are saved the same way",
  },
  {
    name: "cache-pattern",
    type: "string",
    value: `<${CACHE_PATTERNS.join("|")}>`,
    help: "the pattern the demo route uses; default stale-while-revalidate",
    commands: BOTH,
  },
  {
    name: "envs",
    type: "string",
    value: "<list>",
    help: "extra wrangler environments, e.g. staging,production; default none",
  },
  {
    name: "template",
    type: "string",
    value: "<source>",
    help: "a folder, gh:owner/repo/dir#ref (also gitlab:, bitbucket:, sourcehut:), git:<repository>#ref:subdir or an https:// tarball; default: the built-in template",
  },
  {
    name: "var",
    type: "string",
    multiple: true,
    value: "<name=value>",
    help: "answer to a template variable (see the template's template.json), repeatable",
  },
  {
    name: "offline",
    type: "boolean",
    help: "fetch a remote --template only from the local cache",
    commands: ["create", "update"],
    updateHelp: "fetch a forked template only from the local cache",
  },
  {
    name: "trust-template-scripts",
    type: "boolean",
    help: "let a --template fork's install scripts and dependencies run without asking; default: asked on a terminal, skipped otherwise",
  },
  {
    name: "pm",
    type: "string",
    value: `<${PACKAGE_MANAGERS.join("|")}>`,
    help: "default: the one that launched it (npm_config_user_agent), else npm",
  },
  {
    name: "install",
    type: "boolean",
    negatable: true,
    help: "default: install",
    commands: ["create", "update"],
    updateHelp: "reinstall dependencies when package.json changed; default: say so instead",
  },
  {
    name: "git",
    type: "boolean",
    negatable: true,
    help: "default: init a repository and make the first commit, unless already inside one",
  },
  {
    name: "create-namespaces",
    type: "boolean",
    negatable: true,
    help: "create the KV namespaces on your Cloudflare account and write their IDs; default off",
    commands: BOTH,
    addHelp: "create the new KV namespaces on your account (a project made by create-kv-edge); default off",
  },
  {
    name: "overwrite",
    type: "boolean",
    help: "allow a non-empty target directory",
    commands: BOTH,
    addHelp: "replace files that differ from what add would write (each one listed)",
  },
  {
    name: "dry-run",
    type: "boolean",
    help: "print the plan (every file, every namespace), write nothing",
    commands: ALL,
    updateHelp: "print the plan and each file's outcome, write nothing",
  },
  {
    name: "cwd",
    type: "string",
    value: "<dir>",
    help: "the Worker project to add to; default: the current folder",
    commands: ["add"],
  },
  {
    name: "dir",
    type: "string",
    value: "<dir>",
    help: "where the library files go in a project not made by create-kv-edge; default src/kv",
    commands: ["add"],
  },
  {
    name: "json",
    type: "boolean",
    help: "for scripts and coding agents: one JSON document on stdout at the end (files, namespaces, settings, each step's outcome, next commands), human text on stderr; asks no questions",
    commands: ALL,
    addHelp: "print the plan as JSON on stdout (human text on stderr)",
    updateHelp: "print the plan (or the --check answer) as JSON on stdout (human text on stderr)",
  },
  {
    name: "to",
    type: "string",
    value: "<ref|version>",
    help: "the template version to update to: a branch, tag or commit of a git fork, a tarball URL, or a create-kv-edge version for the built-in template; default: the newest the source offers",
    commands: ["update"],
  },
  {
    name: "check",
    type: "boolean",
    help: "only say whether an update exists: exit 0 when up to date, 1 when one exists",
    commands: ["update"],
  },
  {
    name: "set",
    type: "string",
    multiple: true,
    value: "<option=value>",
    help: "change one recorded answer and re-render at the same template version, repeatable (e.g. --set session-ttl=7200)",
    commands: ["update"],
  },
  { name: "allow-dirty", type: "boolean", help: "run even when the project has uncommitted changes", commands: ["update"] },
  { name: "help", short: "h", type: "boolean", help: "show this help", commands: ALL },
  { name: "version", short: "v", type: "boolean", help: "show the version" },
];

/** The --help text. */
export function optionsOf(command: Command): OptionSpec[] {
  return OPTIONS.filter((option) => (option.commands ?? ["create"]).includes(command));
}

export function helpText(version: string, command: Command = "create"): string {
  const helpOf = (option: OptionSpec) =>
    (command === "add" && option.addHelp) || (command === "update" && option.updateHelp) || option.help;
  const rows = optionRows(optionsOf(command), helpOf);
  if (command === "update") {
    return [
      `create-kv-edge ${version}: update a project to its template's newer version, keeping your changes`,
      "",
      "Usage: create-kv-edge update [options]        (run inside the project)",
      "       npm create kv-edge@latest -- update [options]",
      "",
      "Options:",
      ...rows,
      "",
      "Exit codes: 0 done (or up to date), 1 failed, a conflict to resolve, or (--check) an update exists, 2 usage error, 130 cancelled.",
    ].join("\n");
  }
  return [
    `create-kv-edge ${version}: a Cloudflare Worker with its state in Workers KV`,
    "",
    ...(command === "add"
      ? [
          "Usage: create-kv-edge add <feature...> [options]",
          "       npm create kv-edge@latest -- add <feature...> [options]",
          "",
          `Adds features (${FEATURE_IDS.join(", ")}) to an existing Worker: a project made by`,
          "create-kv-edge, or any Worker with a wrangler.jsonc, wrangler.json or wrangler.toml.",
          "Shows the plan first; never replaces a file that differs without --overwrite.",
        ]
      : [
          "Usage: create-kv-edge [directory] [options]",
          "       npm create kv-edge@latest [directory] -- [options]",
          "       create-kv-edge add <feature...> [options]   (see create-kv-edge add --help)",
          "       create-kv-edge update [options]             (see create-kv-edge update --help)",
        ]),
    "",
    "Options:",
    ...rows,
    "",
    "Exit codes: 0 done, 1 failed, 2 usage error, 130 cancelled (143 SIGTERM, 129 SIGHUP).",
  ].join("\n");
}

/** The --help lines of a list of options (create's, add's, update's). */
export function optionRows(options: readonly OptionSpec[], helpOf = (option: OptionSpec) => option.help): string[] {
  return options.map((option) => {
    const names = [
      option.short ? `-${option.short}, ` : "    ",
      `--${option.name}`,
      option.negatable ? ` / --no-${option.name}` : "",
      option.value ? ` ${option.value}` : "",
    ].join("");
    return `  ${names}\n        ${helpOf(option)}`;
  });
}
