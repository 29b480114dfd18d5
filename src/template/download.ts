import { lstat, readdir } from "node:fs/promises";
import { basename, isAbsolute, join, resolve } from "node:path";
import { Readable } from "node:stream";
import type { DownloadTemplateResult, TemplateProvider } from "giget";
import { UserError } from "../errors.js";
import { sha256 } from "../sha256.js";
import { gitProvider } from "./git-clone.js";
import { unsafePathProblem } from "./manifest.js";

/**
 * Remote templates through giget: check a --template source, turn it into what giget
 * expects, download it into a folder, and turn giget's errors (plain Errors, told
 * apart by their text) into one-line UserErrors that say what to do.
 */

export const ACCEPTED_FORMS =
  "a folder (./my-fork), gh:owner/repo[/subdir][#ref] (also github:, gitlab:, bitbucket:, sourcehut:), " +
  "git:<repository url or path>[#ref][:subdir], or an https:// tarball URL";

const GIT_HOST_PREFIXES = ["gh:", "github:", "gitlab:", "bitbucket:", "sourcehut:"];

export interface Download {
  /** The input handed to giget. */
  input: string;
  /** The source as shown in messages. */
  display: string;
  /** A subfolder we pick ourselves after download (git: sources only). */
  subdir?: string;
  /** What to say when template.json is missing, if not the usual advice. */
  missingManifestFix?: string;
}

/** Checks a remote source and turns it into what giget expects. */
export function toDownload(source: string, cwd: string): Download {
  const hostPrefix = GIT_HOST_PREFIXES.find((prefix) => source.startsWith(prefix));
  if (hostPrefix) {
    // giget would go to the host with an empty owner or repository and fail with a network error.
    if (!/^[^/#]+\/[^/#]+/.test(source.slice(hostPrefix.length))) {
      throw new UserError(`--template ${source}: give owner/repo after ${hostPrefix}, e.g. ${hostPrefix}acme/worker-templates/kv#main.`);
    }
    return { input: source, display: source };
  }

  if (source.startsWith("https://") || source.startsWith("http://")) {
    const url = parseUrl(source);
    const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
    if (url.protocol === "http:" && !local) {
      throw new UserError(`--template ${displayUrl(url)}: plain http:// is only allowed for localhost; use https://.`);
    }
    if (url.username || url.password) {
      throw new UserError(`--template ${displayUrl(url)}: a user or password in the URL is not supported; set GIGET_AUTH instead.`);
    }
    return {
      input: source,
      display: url.href,
      missingManifestFix: "pack the template in one top-level folder (tar -czf fork.tar.gz my-fork), template.json directly inside it",
    };
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
  if (!isPath && repositoryPathSegments(repository).length > 2) {
    throw new UserError(
      `--template git:${rest}: put the subfolder after the ref, e.g. git:<owner/repo URL>#main:path/to/template.`,
    );
  }
  const repositoryUri = isPath ? resolve(cwd, repository) : repository;
  return {
    input: `git:${repositoryUri}${ref ? `#${ref}` : ""}`,
    display: `git:${rest}`,
    ...(subdir ? { subdir } : {}),
  };
}

/**
 * The owner/repo/... part of a repository address, as giget reads it. giget takes
 * anything past owner/repo for a subfolder and sparse-checks it out, which crashes
 * the process when that subfolder is missing; so such addresses are refused.
 */
function repositoryPathSegments(repository: string): string[] {
  return repositoryPath(repository).replace(/\.git\/?$/, "").split("/").filter(Boolean);
}

function repositoryPath(repository: string): string {
  if (/^https?:\/\//.test(repository)) return parseUrl(repository).pathname;
  const scpLike = /^[^@/]+@[^:/]+:(.*)$/.exec(repository); // git@host:owner/repo
  if (scpLike) return scpLike[1] ?? "";
  const hostShorthand = /^(?:gh|github|gitlab|bitbucket|sourcehut):(.*)$/.exec(repository);
  if (hostShorthand) return hostShorthand[1] ?? "";
  if (/^[a-z+]+:\/\//.test(repository)) return ""; // file://, ssh://...: giget keeps these whole
  return repository; // owner/repo, on GitHub
}

/** Downloads into `dir` and returns the folder that holds the template. */
export async function downloadInto(download: Download, dir: string, offline: boolean): Promise<string> {
  // Loaded only for remote sources: the built-in template and folders never need it.
  const { downloadTemplate } = await import("giget");
  let result: DownloadTemplateResult;
  const limitMs = downloadTimeLimitMs();
  const timeIsUp = new AbortController();
  const git = gitProvider({ workDir: `${dir}-git`, signal: timeIsUp.signal });
  const failures: unknown[] = [];
  const tarball = tarballProvider(failures, timeIsUp.signal);
  try {
    result = await withTimeLimit(
      downloadTemplate(download.input, {
        dir,
        offline,
        registry: false,
        providers: { http: tarball, https: tarball, git: git.provider },
      }),
      { limitMs, source: download.display },
      // Out of time: stop the clone (git and its helpers) and wait until its partial folder is gone.
      async () => {
        timeIsUp.abort();
        await git.finished();
      },
    );
    // giget used its cached copy after the download failed: say so instead (--offline is there for that copy).
    if (failures.length > 0) throw failures[0];
  } catch (error) {
    if (error instanceof UserError) throw error;
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

/** giget has no time limit of its own: a server that accepts and never answers would hang us. */
const DEFAULT_DOWNLOAD_LIMIT_S = 120;
const DOWNLOAD_LIMIT_VARIABLE = "CREATE_KV_EDGE_DOWNLOAD_TIMEOUT";
/** A line on stderr every so often while a download runs, so a slow one is never silent. */
const PROGRESS_EVERY_MS = 5000;

function downloadTimeLimitMs(): number {
  const seconds = Number(process.env[DOWNLOAD_LIMIT_VARIABLE]);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_DOWNLOAD_LIMIT_S) * 1000;
}

/**
 * The download, or a UserError when it takes longer than the limit (after `stop` has
 * stopped what it started); progress lines meanwhile.
 */
async function withTimeLimit<T>(download: Promise<T>, { limitMs, source }: { limitMs: number; source: string }, stop: () => Promise<void>): Promise<T> {
  const started = Date.now();
  const progress = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stderr.write(`… still downloading ${source} (${seconds} s; the limit is ${limitMs / 1000} s)\n`);
  }, PROGRESS_EVERY_MS);
  let timer: NodeJS.Timeout | undefined;
  let timeIsUp = false;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timeIsUp = true;
      const error = new UserError(
        `Could not download ${source} within ${limitMs / 1000} s: the server stopped answering or the connection is too slow. ` +
          `Retry, use --offline for a cached copy, or allow more time with ${DOWNLOAD_LIMIT_VARIABLE}=<seconds>.`,
      );
      void stop().finally(() => reject(error));
    }, limitMs);
  });
  try {
    const result = await Promise.race([download, expired]);
    if (timeIsUp) await expired;
    return result;
  } catch (error) {
    // Once the time is up, how the stopped download ended (a failed clone, a cached copy) no longer counts.
    if (timeIsUp) await expired;
    throw error;
  } finally {
    clearInterval(progress);
    clearTimeout(timer);
  }
}

/**
 * Replaces giget's http provider, which keys its cache by the file name alone (two
 * URLs ending in template.tar.gz would share one cached copy), follows a JSON answer
 * to another URL, skips the download when the server sends no ETag and a copy is
 * cached (a changed tarball would never be fetched again), and writes the response
 * straight into its cache (a connection that breaks off leaves a truncated copy).
 * Here the URL is always the tarball, the cache key includes a hash of the whole URL,
 * and the whole tarball is fetched before giget caches it. A failed fetch is put in
 * `failures`: giget would fall back to the cached copy without a word, and the
 * cached copy is for --offline.
 */
function tarballProvider(failures: unknown[], signal: AbortSignal): TemplateProvider {
  return (input, { auth }) => {
    const url = new URL(input);
    const urlHash = sha256().update(url.href).digest("hex").slice(0, 16);
    return {
      name: `${basename(url.pathname) || "template"}-${urlHash}`,
      tar: async () => {
        try {
          return Readable.from([await fetchTarball(url, auth, signal)]);
        } catch (error) {
          failures.push(error);
          throw error;
        }
      },
    };
  };
}

/** A compressed tarball larger than a whole template may be (source.ts, TEMPLATE_LIMITS) is refused while it downloads. */
const MAX_TARBALL_BYTES = 100 * 1024 * 1024;

/** The whole tarball; errors worded as giget's, for downloadError. */
async function fetchTarball(url: URL, auth: string | undefined, signal: AbortSignal): Promise<Buffer> {
  const failed = (reason: unknown) => new Error(`Failed to download ${url.href}: ${String(reason)}`);
  const response = await fetch(url, { headers: auth ? { Authorization: `Bearer ${auth}` } : {}, signal }).catch((error: unknown) => {
    throw failed(error);
  });
  if (response.status >= 400) throw failed(`${response.status} ${response.statusText}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > MAX_TARBALL_BYTES) {
        await response.body?.cancel();
        throw new UserError(`${url.href} is larger than 100 MB; a template must be smaller.`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw error instanceof UserError ? error : failed(error);
  }
  return Buffer.concat(chunks);
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
  const status = /: ([45]\d\d)( [^\n]*)?$/m.exec(message);
  if (status) {
    return new UserError(
      `The template host answered ${status[1]}${status[2] ?? ""} for ${source}; ` +
        (status[1]?.startsWith("5") ? "the server has a problem, retry later." : "check the address and your access (GIGET_AUTH)."),
    );
  }
  if (/fetch failed/.test(message)) {
    return new UserError(
      `Could not download ${source}: the network or the server is down; retry, or use --offline to use the cached copy.`,
    );
  }
  if (/terminated|ECONNRESET|other side closed/.test(message)) {
    return new UserError(`Could not download ${source}: the connection broke off before the end; retry, or use --offline to use the cached copy.`);
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
  // A bug, not a user error: keep the stack for DEBUG, still without the token.
  if (!(error instanceof Error)) return new Error(message);
  error.message = message;
  return error;
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
