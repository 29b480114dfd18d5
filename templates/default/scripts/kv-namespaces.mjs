// @ts-check
/**
 * Creates this project's KV namespaces on your Cloudflare account and writes their
 * IDs into wrangler.jsonc.
 *
 *   npm run kv:namespaces                 (or: node scripts/kv-namespaces.mjs)
 *   npm run kv:namespaces -- --timeout 60 (seconds per wrangler call; default 30,
 *                                          or set KV_NAMESPACES_TIMEOUT)
 *
 * For every entry of `kv_namespaces`, at the top level and in each `env.<name>`, it
 * needs two namespaces: a production one (`id`) and a preview one (`preview_id`, used
 * by `wrangler dev --remote`). They are titled the way `wrangler deploy` titles the
 * namespace it creates for a binding without an `id`:
 *
 *   <worker>-<binding>           <worker>-<binding>_preview
 *
 * where <worker> is the Worker's name (the top-level "name"; in env.<env> its own
 * "name", else "<name>-<env>") and <binding> is the binding lower-cased with "_" as
 * "-" (SESSION_DATA -> session-data). A title that already exists on the account is
 * adopted, so a namespace `wrangler deploy` already created (with your data in it)
 * is the one that gets pinned, and running this twice gives the same IDs. An `id` or
 * `preview_id` already written in wrangler.jsonc is kept as it is. Namespace IDs are
 * not secrets: commit wrangler.jsonc with them.
 *
 * It uses this project's own wrangler, so it sees the same login as `wrangler deploy`:
 * CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID) or `wrangler login`.
 *
 * If anything fails, the IDs created so far are kept, the rest stay out of
 * wrangler.jsonc (wrangler creates a namespace for an id-less binding on deploy), the
 * script prints the command that creates each missing one, and exits with code 1.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { stripVTControlCharacters } from "node:util";

const CONFIG_FILE = "wrangler.jsonc";
const DEFAULT_TIMEOUT_SECONDS = 30;

/**
 * One namespace this project needs.
 * @typedef {object} Namespace
 * @property {string | null} env   the `env.<name>` section it belongs to; null for the top level
 * @property {string} binding      e.g. "CACHE"
 * @property {"id" | "preview_id"} field  the field of the binding that holds its ID
 * @property {string} title        its title on the Cloudflare account
 * @property {string | undefined} existingId  an ID already written in wrangler.jsonc
 */

/**
 * How one `wrangler` call ended.
 * @typedef {object} WranglerResult
 * @property {boolean} ok
 * @property {string} stdout  what the command printed as its result, colours removed
 *   (warnings and errors go to stderr)
 * @property {string} reason  one line saying why it failed ("" when ok)
 */

async function main() {
  const projectDir = process.cwd();
  const timeoutMs = readTimeoutSeconds() * 1000;
  const configPath = join(projectDir, CONFIG_FILE);
  if (!existsSync(configPath)) {
    return fail(`No ${CONFIG_FILE} in ${projectDir}: run this from the project's folder.`);
  }
  const wranglerPath = join(projectDir, "node_modules", "wrangler", "bin", "wrangler.js");
  if (!existsSync(wranglerPath)) {
    return fail("This project's wrangler is not installed: run `npm install` first.");
  }

  let text = readFileSync(configPath, "utf8");
  const namespaces = listNamespaces(parseJsonc(text));
  const missing = namespaces.filter((namespace) => namespace.existingId === undefined);
  for (const namespace of namespaces) {
    if (namespace.existingId !== undefined) {
      say(`kept     ${namespace.title} (${namespace.field} already in ${CONFIG_FILE})`);
    }
  }
  if (missing.length === 0) return;

  const listed = await runWrangler(wranglerPath, ["kv", "namespace", "list"], timeoutMs);
  const existingIds = listed.ok ? parseNamespaceList(listed.stdout) : undefined;
  if (existingIds === undefined) {
    say(`failed   could not list your namespaces: ${listed.reason || "wrangler printed no list"}`);
    return giveUp(missing);
  }

  for (const [index, namespace] of missing.entries()) {
    let id = existingIds.get(namespace.title);
    if (id !== undefined) {
      say(`adopted  ${namespace.title} ${id}`);
    } else {
      const created = await createNamespace(wranglerPath, namespace.title, timeoutMs);
      if (created.id === undefined) {
        say(`failed   ${namespace.title}: ${created.reason}`);
        // The other calls would most likely fail the same way (no login, no
        // network), each only after its timeout: stop here.
        return giveUp(missing.slice(index));
      }
      id = created.id;
      say(`created  ${namespace.title} ${id}`);
    }
    // Written after each namespace, so an interrupted run keeps what it created.
    text = setBindingField(text, namespace.env, namespace.binding, namespace.field, id);
    writeFileSync(configPath, text);
  }
}

/**
 * @param {string} wranglerPath
 * @param {string} title
 * @param {number} timeoutMs
 * @returns {Promise<{ id: string; reason?: undefined } | { id?: undefined; reason: string }>}
 */
async function createNamespace(wranglerPath, title, timeoutMs) {
  // The title is passed whole and without --env/--preview, which would add
  // "<env>-" and "_preview" to it. --update-config=false: we edit wrangler.jsonc ourselves.
  const created = await runWrangler(
    wranglerPath,
    ["kv", "namespace", "create", title, "--update-config=false"],
    timeoutMs,
  );
  if (!created.ok) return { reason: created.reason };
  const id = parseCreatedId(created.stdout);
  return id === undefined ? { reason: "wrangler printed no namespace id" } : { id };
}

/**
 * Ends a run that could not create every namespace: says which ones are missing and
 * how to create them, and makes the script exit with 1.
 * @param {Namespace[]} notCreated
 */
function giveUp(notCreated) {
  say("");
  say(`warning: ${notCreated.length} KV namespace(s) were not created; their bindings have no ID yet.`);
  say("`wrangler deploy` creates a namespace for a binding without an ID. To create them now,");
  say("log in (`npx wrangler login`, or set CLOUDFLARE_API_TOKEN) and run `npm run kv:namespaces`,");
  say(`or create each one yourself and copy its ID into ${CONFIG_FILE}:`);
  for (const namespace of notCreated) {
    const where = namespace.env === null ? "top level" : `env.${namespace.env}`;
    say(`  npx wrangler kv namespace create ${namespace.title}   # ${namespace.binding} ${namespace.field} (${where})`);
  }
  process.exitCode = 1;
}

/**
 * Every KV namespace wrangler.jsonc asks for: both IDs of each binding, at the top
 * level and in each environment (KV bindings are not inherited by `env.<name>`).
 * @param {any} config  the parsed wrangler.jsonc
 * @returns {Namespace[]}
 */
export function listNamespaces(config) {
  const name = config.name;
  if (typeof name !== "string" || name === "") {
    throw new Error(`${CONFIG_FILE} has no "name"; it is needed to title the namespaces.`);
  }
  /** @type {[string | null, any][]} */
  const sections = [[null, config]];
  for (const [envName, envConfig] of Object.entries(config.env ?? {})) {
    sections.push([envName, envConfig]);
  }
  /** @type {Namespace[]} */
  const namespaces = [];
  for (const [env, section] of sections) {
    const worker = env === null ? name : typeof section.name === "string" && section.name !== "" ? section.name : `${name}-${env}`;
    for (const entry of section.kv_namespaces ?? []) {
      const base = autoProvisionedTitle(worker, entry.binding);
      for (const field of /** @type {const} */ (["id", "preview_id"])) {
        namespaces.push({
          env,
          binding: entry.binding,
          field,
          title: field === "id" ? base : `${base}_preview`,
          existingId: typeof entry[field] === "string" && entry[field] !== "" ? entry[field] : undefined,
        });
      }
    }
  }
  return namespaces;
}

/**
 * The title `wrangler deploy` gives the namespace it creates for a binding without
 * an `id`: the Worker's name, "-", the binding lower-cased with "_" as "-".
 * @param {string} worker
 * @param {string} binding
 */
export function autoProvisionedTitle(worker, binding) {
  return `${worker}-${binding.toLowerCase().replaceAll("_", "-")}`;
}

/**
 * Each wrangler call runs in a process group of its own (not on Windows), so that a
 * time-out also stops the node process wrangler's launcher starts. Being in its own
 * group, it would not get the Ctrl+C (or SIGTERM) that stops this script: the call
 * in flight is stopped by hand then (see the end of this file).
 */
const OWN_GROUP = process.platform !== "win32";
/** @type {import("node:child_process").ChildProcess | undefined} */
let inFlight;

/** @param {import("node:child_process").ChildProcess} child */
function stopWrangler(child) {
  try {
    if (OWN_GROUP && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    // it has already exited
  }
}

/**
 * Runs this project's wrangler with a time limit. Never throws.
 * wrangler gets no terminal on stdin, so it never stops to ask a question.
 * @param {string} wranglerPath
 * @param {string[]} args
 * @param {number} timeoutMs
 * @returns {Promise<WranglerResult>}
 */
function runWrangler(wranglerPath, args, timeoutMs) {
  const child = spawn(process.execPath, [wranglerPath, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: OWN_GROUP,
    env: { ...process.env, WRANGLER_HIDE_BANNER: "true" },
  });
  inFlight = child;
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));

  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopWrangler(child);
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      inFlight = undefined;
      resolve({ ok: false, stdout, reason: `could not start wrangler: ${error.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      inFlight = undefined;
      const clean = stripVTControlCharacters(stdout);
      if (timedOut) {
        resolve({ ok: false, stdout: clean, reason: `wrangler took longer than ${timeoutMs / 1000} s` });
      } else if (code !== 0) {
        const reason = errorLine(stripVTControlCharacters(stderr + stdout));
        resolve({ ok: false, stdout: clean, reason: reason ?? `wrangler exited with code ${code}` });
      } else {
        resolve({ ok: true, stdout: clean, reason: "" });
      }
    });
  });
}

/**
 * The first line of wrangler's error message ("✘ [ERROR] ..."), plus the next line
 * when the first one is only a heading like "A request to the Cloudflare API failed."
 * @param {string} output
 * @returns {string | undefined}
 */
function errorLine(output) {
  const lines = output.split("\n").map((line) => line.trim());
  const start = lines.findIndex((line) => line.includes("[ERROR]"));
  if (start === -1) return undefined;
  const heading = (lines[start] ?? "").replace(/^.*\[ERROR\]\s*/, "");
  const detail = lines.slice(start + 1).find((line) => line !== "");
  const isBareHeading = heading.endsWith("failed.") && detail !== undefined && !detail.startsWith("If you think");
  return isBareHeading ? `${heading} ${detail}` : heading;
}

/**
 * `wrangler kv namespace list` prints a JSON array of { id, title } on stdout,
 * indented, so it starts with a line "[" and ends with a line "]" (or is "[]").
 * Wrangler may print notices around it, e.g. that a newer version exists.
 * @param {string} stdout
 * @returns {Map<string, string> | undefined}  title -> id
 */
export function parseNamespaceList(stdout) {
  const json = /^\[(?:\]|\n[\s\S]*?\n\])$/m.exec(stdout)?.[0];
  if (json === undefined) return undefined;
  try {
    /** @type {{ id: string; title: string }[]} */
    const list = JSON.parse(json);
    return new Map(list.map((namespace) => [namespace.title, namespace.id]));
  } catch {
    return undefined;
  }
}

/**
 * `wrangler kv namespace create` has no JSON output; it ends with a config snippet
 * holding the new ID: { "kv_namespaces": [ { "binding": "...", "id": "<id>" } ] }
 * @param {string} stdout
 * @returns {string | undefined}
 */
export function parseCreatedId(stdout) {
  return /"id":\s*"([0-9a-f]{32})"/.exec(stdout)?.[1];
}

// ---------------------------------------------------------------------------------
// wrangler.jsonc: read it, and change one field of one binding without touching the
// rest of the text (comments, order, indentation, trailing commas).
// ---------------------------------------------------------------------------------

/**
 * The text with comments and trailing commas replaced by spaces. Every character
 * stays at its offset, so positions found in the result are positions in the original.
 * @param {string} text
 * @returns {string}
 */
export function blankOutJsoncExtras(text) {
  let result = "";
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      const end = endOfString(text, i);
      result += text.slice(i, end);
      i = end;
    } else if (char === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i) === -1 ? text.length : text.indexOf("\n", i);
      result += " ".repeat(end - i);
      i = end;
    } else if (char === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      const end = close === -1 ? text.length : close + 2;
      result += text.slice(i, end).replace(/[^\n]/g, " ");
      i = end;
    } else {
      result += char;
      i += 1;
    }
  }
  // A comma followed only by whitespace and then } or ] is a trailing comma.
  return result.replace(/,(\s*[}\]])/g, " $1");
}

/**
 * @param {string} text
 * @returns {any}
 */
export function parseJsonc(text) {
  return JSON.parse(blankOutJsoncExtras(text));
}

/**
 * Sets `field` of the `{ "binding": binding, ... }` entry of kv_namespaces in the
 * given section (null = top level), adding the field if it is not there.
 * @param {string} text  wrangler.jsonc
 * @param {string | null} env
 * @param {string} binding
 * @param {string} field
 * @param {string} value
 * @returns {string}  the new text
 */
export function setBindingField(text, env, binding, field, value) {
  const blanked = blankOutJsoncExtras(text);
  const root = parseNode(blanked, skipSpace(blanked, 0));
  const section = env === null ? root : property(property(root, "env"), env);
  const list = property(section, "kv_namespaces");
  const entry = list?.items?.find((item) => property(item, "binding")?.value === binding);
  const last = entry?.properties?.at(-1);
  if (entry?.properties === undefined || last === undefined) {
    throw new Error(`${CONFIG_FILE} has no kv_namespaces entry "${binding}"${env ? ` in env.${env}` : ""}.`);
  }
  const json = JSON.stringify(value);
  const existing = entry.properties.find((prop) => prop.key === field);
  if (existing !== undefined) {
    return text.slice(0, existing.value.start) + json + text.slice(existing.value.end);
  }
  const closeBrace = entry.end - 1;
  const lineStartOfBrace = text.lastIndexOf("\n", closeBrace) + 1;
  const braceOnOwnLine = text.slice(lineStartOfBrace, closeBrace).trim() === "" && lineStartOfBrace > last.value.end;
  if (!braceOnOwnLine) {
    // { "binding": "CACHE" }  ->  { "binding": "CACHE", "id": "..." }
    return text.slice(0, last.value.end) + `, ${JSON.stringify(field)}: ${json}` + text.slice(last.value.end);
  }
  // A multi-line entry: add a line in the style of the last property, before the "}".
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const hasTrailingComma = text.slice(last.value.end, closeBrace).trimStart().startsWith(",");
  const indent = /^[ \t]*/.exec(text.slice(text.lastIndexOf("\n", last.start) + 1))?.[0] ?? "";
  const newLine = `${indent}${JSON.stringify(field)}: ${json}${hasTrailingComma ? "," : ""}${eol}`;
  const withComma = hasTrailingComma
    ? text
    : text.slice(0, last.value.end) + "," + text.slice(last.value.end);
  const insertAt = lineStartOfBrace + (hasTrailingComma ? 0 : 1);
  return withComma.slice(0, insertAt) + newLine + withComma.slice(insertAt);
}

/**
 * A JSON value and where it sits in the text: [start, end).
 * @typedef {object} JsonNode
 * @property {number} start
 * @property {number} end
 * @property {unknown} [value]  strings, numbers, booleans, null
 * @property {{ key: string; start: number; value: JsonNode }[]} [properties]  objects
 * @property {JsonNode[]} [items]  arrays
 */

/**
 * @param {JsonNode | undefined} node
 * @param {string} key
 * @returns {JsonNode | undefined}
 */
function property(node, key) {
  return node?.properties?.find((prop) => prop.key === key)?.value;
}

/**
 * Parses the JSON value at `start` of text that has no comments or trailing commas
 * (see blankOutJsoncExtras), recording where each value starts and ends.
 * @param {string} text
 * @param {number} start
 * @returns {JsonNode}
 */
function parseNode(text, start) {
  const char = text[start];
  if (char === "{" || char === "[") {
    const isObject = char === "{";
    const close = isObject ? "}" : "]";
    /** @type {NonNullable<JsonNode["properties"]>} */
    const properties = [];
    /** @type {JsonNode[]} */
    const items = [];
    let i = skipSpace(text, start + 1);
    while (text[i] !== close) {
      if (isObject) {
        const keyEnd = endOfString(text, i);
        const key = JSON.parse(text.slice(i, keyEnd));
        const value = parseNode(text, skipSpace(text, skipSpace(text, keyEnd) + 1));
        properties.push({ key, start: i, value });
        i = value.end;
      } else {
        const item = parseNode(text, i);
        items.push(item);
        i = item.end;
      }
      i = skipSpace(text, i);
      if (text[i] === ",") i = skipSpace(text, i + 1);
    }
    return isObject ? { start, end: i + 1, properties } : { start, end: i + 1, items };
  }
  const end = char === '"' ? endOfString(text, start) : endOfScalar(text, start);
  return { start, end, value: JSON.parse(text.slice(start, end)) };
}

/**
 * @param {string} text
 * @param {number} i
 */
function skipSpace(text, i) {
  while (i < text.length && /\s/.test(text.charAt(i))) i += 1;
  return i;
}

/**
 * The offset just past the closing quote of the string that opens at `start`.
 * @param {string} text
 * @param {number} start
 */
function endOfString(text, start) {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

/**
 * @param {string} text
 * @param {number} start
 */
function endOfScalar(text, start) {
  let i = start;
  while (i < text.length && !/[\s,\]}]/.test(text.charAt(i))) i += 1;
  return i;
}

function readTimeoutSeconds() {
  const flagIndex = process.argv.indexOf("--timeout");
  const raw = flagIndex !== -1 ? process.argv[flagIndex + 1] : process.env.KV_NAMESPACES_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    fail(`The timeout must be a number of seconds, not "${raw}".`);
    process.exit(1);
  }
  return seconds;
}

/**
 * Prints one line. Defence in depth: the API token never reaches the output, even if
 * a wrangler message ever contained it.
 * @param {string} line
 */
function say(line) {
  const token = process.env.CLOUDFLARE_API_TOKEN;
  console.log(token ? line.split(token).join("[token]") : line);
}

/** @param {string} message */
function fail(message) {
  say(`error: ${message}`);
  process.exitCode = 1;
}

// Run only when started as a script, not when imported (the tests import it).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Stopped: the wrangler call in flight stops too. The IDs written so far stay in wrangler.jsonc.
  for (const [signal, exitCode] of /** @type {const} */ ([["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]])) {
    process.on(signal, () => {
      if (inFlight) stopWrangler(inFlight);
      process.exit(exitCode);
    });
  }
  try {
    await main();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}
