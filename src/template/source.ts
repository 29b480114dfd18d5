import { lstat, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { checkMinVersion, parseManifest, unsafePathProblem } from "./manifest.js";
import type { LoadedTemplate, TemplateFile } from "./types.js";

/**
 * Where a template comes from: the built-in folder, a local folder, or a download
 * through giget (a git host, a git repository, or a tarball URL). Whatever the source,
 * the result is the same in-memory template. A downloaded template lands in a fresh
 * temporary folder that is always removed.
 *
 * A template is untrusted input: names are read as literal paths, links and other
 * special files are refused, and nothing is ever followed or written here.
 */

export interface LoadTemplateOptions {
  /** Relative folder paths are resolved against this. */
  cwd: string;
  /** Absolute path of templates/default, used when no source is given. */
  builtinDir: string;
  /** This create-kv-edge's version, checked against the manifest's minVersion. */
  version: string;
  /** --offline: use only giget's cache. */
  offline?: boolean;
}

const GIT_HOST_PREFIXES = ["gh:", "github:", "gitlab:", "bitbucket:", "sourcehut:"];
const MANIFEST_FILE = "template.json";
/** Skipped wherever they appear, whatever they are (a folder, a file, a link). */
const IGNORED_NAMES = new Set([".git", "node_modules"]);
const ACCEPTED_FORMS =
  "a folder (./my-fork), gh:owner/repo[/subdir][#ref] (also github:, gitlab:, bitbucket:, sourcehut:), " +
  "git:<repository url or path>[#ref][:subdir], or an https:// tarball URL";

export async function loadTemplate(source: string | undefined, options: LoadTemplateOptions): Promise<LoadedTemplate> {
  if (source === undefined) return readTemplateFolder(options.builtinDir, "built-in", options.version);
  if (source.trim() === "") throw new UserError(`--template is empty; give ${ACCEPTED_FORMS}.`);

  const folder = await localFolder(source, options.cwd);
  if (folder) return readTemplateFolder(folder, source, options.version);

  const download = toDownload(source, options.cwd);
  const tempDir = await mkdtemp(join(tmpdir(), "create-kv-edge-template-"));
  try {
    const root = await downloadInto(download, join(tempDir, "template"), options.offline ?? false);
    return await readTemplateFolder(root, download.display, options.version);
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** The absolute folder a source names, or undefined when the source is not a folder path. */
async function localFolder(source: string, cwd: string): Promise<string | undefined> {
  const looksLikePath = source.startsWith(".") || source.startsWith("~") || isAbsolute(source);
  const path = source === "~" || source.startsWith("~/") ? join(homedir(), source.slice(1)) : resolve(cwd, source);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return path;
  if (looksLikePath) throw new UserError(`Template folder ${source} does not exist; check the path.`);
  return undefined;
}

interface Download {
  /** The input handed to giget. */
  input: string;
  /** The source as shown in messages. */
  display: string;
  /** A subfolder we pick ourselves after download (git: sources only). */
  subdir?: string;
}

/** Checks a remote source and turns it into what giget expects. */
function toDownload(source: string, cwd: string): Download {
  if (GIT_HOST_PREFIXES.some((prefix) => source.startsWith(prefix))) return { input: source, display: source };

  if (source.startsWith("https://") || source.startsWith("http://")) {
    const url = parseUrl(source);
    const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
    if (url.protocol === "http:" && !local) {
      throw new UserError(`--template ${displayUrl(url)}: plain http:// is only allowed for localhost; use https://.`);
    }
    if (url.username || url.password) {
      throw new UserError(`--template ${displayUrl(url)}: a user or password in the URL is not supported; set GIGET_AUTH instead.`);
    }
    return { input: source, display: url.href };
  }

  if (source.startsWith("git:")) return gitDownload(source.slice("git:".length), cwd);

  throw new UserError(`Unknown template source "${source}"; give ${ACCEPTED_FORMS}.`);
}

/**
 * git:<repository>[#ref][:subdir]. giget clones the whole repository and we pick the
 * subfolder ourselves: giget's own sparse checkout crashes the process when the
 * subfolder is missing. A relative repository path is resolved against cwd (giget
 * would use the process's working directory).
 */
function gitDownload(rest: string, cwd: string): Download {
  const [repository = "", hash] = splitOnce(rest, "#");
  const [ref, subdir] = hash === undefined ? [undefined, undefined] : splitOnce(hash, ":");
  if (repository === "") throw new UserError(`--template git:${rest}: give a repository URL or path after git:.`);
  if (subdir !== undefined) {
    const problem = unsafePathProblem(subdir);
    if (problem) throw new UserError(`--template git:${rest}: the subfolder ${problem}.`);
  }
  const isPath = repository.startsWith(".") || isAbsolute(repository);
  const repositoryUri = isPath ? resolve(cwd, repository) : repository;
  return {
    input: `git:${repositoryUri}${ref ? `#${ref}` : ""}`,
    display: `git:${rest}`,
    ...(subdir ? { subdir } : {}),
  };
}

/** Downloads into `dir` and returns the folder that holds the template. */
async function downloadInto(download: Download, dir: string, offline: boolean): Promise<string> {
  // Loaded only for remote sources: the built-in template and folders never need it.
  const { downloadTemplate } = await import("giget");
  let result: Awaited<ReturnType<typeof downloadTemplate>>;
  try {
    result = await downloadTemplate(download.input, { dir, offline, registry: false });
  } catch (error) {
    throw downloadError(error, download.display, offline);
  }
  const subdir = download.subdir ?? result.subdir?.replace(/^\/+|\/+$/g, "");
  const root = download.subdir ? join(dir, download.subdir) : dir;
  const rootInfo = await lstat(root).catch(() => undefined);
  const empty = rootInfo?.isDirectory() ? (await readdir(root)).length === 0 : true;
  if (subdir && empty) {
    throw new UserError(`Subfolder "${subdir}" not found in ${download.display}; check the path and the #ref.`);
  }
  return root;
}

/** Turns giget's errors (plain Errors, told apart by their text) into one-line UserErrors. */
function downloadError(error: unknown, source: string, offline: boolean): Error {
  const message = hideAuth(error instanceof Error ? error.message : String(error));
  const code = (error as { code?: unknown }).code;
  if (/^Tarball not found: /.test(message) && offline) {
    return new UserError(`No cached copy of ${source} for --offline; run once without --offline to download it.`);
  }
  if (/: 40[134] /.test(message)) {
    return new UserError(
      `Template ${source} not found (${message.match(/40[134] .*/)?.[0]}); check the repository, subfolder and #ref, ` +
        "and set GIGET_AUTH for a private repository.",
    );
  }
  if (/fetch failed/.test(message)) {
    return new UserError(
      `Could not download ${source}: the network or the server is down; retry, or use --offline to use the cached copy.`,
    );
  }
  if (code === "TAR_BAD_ARCHIVE" || code === "Z_DATA_ERROR" || /TAR_BAD_ARCHIVE|zlib|incorrect header/i.test(message)) {
    return new UserError(`${source} is not a gzip tarball (.tar.gz); point --template at a .tar.gz archive.`);
  }
  if (/^git clone exited/.test(message)) {
    return new UserError(`Could not clone ${source}: repository not found or not reachable; check the URL or path.`);
  }
  if (/^git checkout exited/.test(message)) {
    return new UserError(`Ref not found in ${source}; check the branch, tag or commit after #.`);
  }
  return error instanceof Error ? error : new Error(message);
}

/**
 * Reads a template folder into memory: template.json is parsed and checked, every
 * other regular file becomes { path, bytes }. .git/ and node_modules/ are skipped;
 * a link or any other special file is refused.
 */
async function readTemplateFolder(root: string, source: string, version: string): Promise<LoadedTemplate> {
  const files: TemplateFile[] = [];
  let manifestText: string | undefined;

  const walk = async (folder: string, prefix: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = prefix + entry.name;
      const absolute = join(folder, entry.name);
      if (IGNORED_NAMES.has(entry.name)) continue;
      if (entry.isDirectory()) {
        await walk(absolute, `${path}/`);
      } else if (entry.isFile()) {
        const bytes = new Uint8Array(await readFile(absolute));
        if (path === MANIFEST_FILE) manifestText = new TextDecoder().decode(bytes);
        else files.push({ path, bytes });
      } else {
        const kind = entry.isSymbolicLink() ? "a symbolic link" : "a special file";
        throw new UserError(
          `Template ${source} contains ${kind} at ${path}; links are refused for safety, replace it with a regular file.`,
        );
      }
    }
  };
  await walk(root, "");

  const where = `${MANIFEST_FILE} in ${source === "built-in" ? root : source}`;
  if (manifestText === undefined) {
    throw new UserError(`Template ${source} has no ${MANIFEST_FILE} at its root; copy templates/default to start a fork.`);
  }
  const manifest = parseManifest(manifestText, where);
  checkMinVersion(manifest, version, where);
  return { source, manifest, files };
}

function parseUrl(source: string): URL {
  try {
    return new URL(source);
  } catch {
    throw new UserError(`--template ${source} is not a valid URL.`);
  }
}

/** A URL for messages: user and password never shown. */
function displayUrl(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const hidden = new URL(url.href);
  hidden.username = "***";
  hidden.password = "";
  return hidden.href;
}

/** GIGET_AUTH is a secret: never let it into a message. */
function hideAuth(text: string): string {
  const auth = process.env.GIGET_AUTH;
  return auth ? text.split(auth).join("***") : text;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index === -1 ? [text, undefined] : [text.slice(0, index), text.slice(index + separator.length)];
}
