import { createReadStream } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { TemplateProvider } from "giget";
import { run, type RunResult } from "../steps/run.js";

/**
 * giget's provider for `git:` sources, in place of its own. giget's clone has a time
 * limit of its own that stops only git itself, never the helpers git starts
 * (git-remote-http holds the connection), and it runs git with all our environment.
 * Here every git command runs through run(): no credentials, and when the download's
 * time limit expires (or a signal stops us) git and every helper it started are
 * killed, and the partial clone is removed before the download fails.
 *
 * giget caches what the provider returns, a .tar.gz of the checked-out files (for
 * --offline), and unpacks it like any other download.
 */

export interface GitCloneLimits {
  /** Where the clone and its archive go; removed when the clone fails. */
  workDir: string;
  /** Aborted when the download's time is up: the running git command is stopped. */
  signal: AbortSignal;
}

/** How long a git command may outlive the download's own limit, which aborts it first. */
const COMMAND_BACKSTOP_MS = 10 * 60_000;

/** The provider, and a promise that settles once no clone is running and its partial folder is gone. */
export function gitProvider(limits: GitCloneLimits): { provider: TemplateProvider; finished: () => Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const provider: TemplateProvider = (input, { auth }) => {
    const hash = input.indexOf("#");
    const uri = hash === -1 ? input : input.slice(0, hash);
    const ref = hash === -1 ? undefined : input.slice(hash + 1) || undefined;
    return {
      name: cacheName(uri),
      ...(ref ? { version: ref } : {}),
      tar: () => {
        const clone = cloneAndPack(uri, ref, auth, limits);
        running = clone.catch(() => {});
        return clone;
      },
    };
  };
  return { provider, finished: async () => void (await running) };
}

/** The cache folder's name for a repository, as giget's own git provider names it. */
function cacheName(uri: string): string {
  return uri
    .replace(/^https?:\/\//, "")
    .replace(/^.+@/, "")
    .replace(/(\.git)?$/, "")
    .replace(/^\W+/, "")
    .replaceAll(/[:/]/g, "-");
}

async function cloneAndPack(uri: string, ref: string | undefined, auth: string | undefined, limits: GitCloneLimits): Promise<Readable> {
  const checkout = join(limits.workDir, "checkout");
  const archive = join(limits.workDir, "template.tar");
  // GIGET_AUTH goes to git as a header for this call only, as giget does it.
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: "0" };
  if (auth && !/[\r\n]/.test(auth)) {
    Object.assign(env, { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: `Authorization: Bearer ${auth}` });
  }
  const git = async (args: string[], cwd: string): Promise<RunResult> => {
    const result = await run("git", args, { cwd, env, signal: limits.signal, timeoutMs: COMMAND_BACKSTOP_MS });
    // The same words as giget's errors: download.ts turns them into messages.
    if (!result.ok) throw new Error(`git ${args[0]} exited with code ${result.exitCode ?? "?"}: ${result.reason ?? ""}`);
    return result;
  };
  await mkdir(limits.workDir, { recursive: true });
  try {
    await cloneAt(git, uri, ref, checkout, limits);
    // Our own attributes win over the repository's: export-ignore must not drop template files.
    await writeFile(join(checkout, ".git", "info", "attributes"), "* -export-ignore -export-subst\n");
    await git(["archive", "--format=tar", "--prefix=template/", "-o", archive, "HEAD"], checkout);
    await rm(checkout, { recursive: true, force: true });
    // Loaded here, not at the top: zlib costs a scaffold from the built-in template ~10 ms of start-up.
    const { createGzip } = await import("node:zlib");
    return createReadStream(archive).pipe(createGzip());
  } catch (error) {
    // run() returns only after git and its helpers are gone, so nothing writes here any more.
    await rm(limits.workDir, { recursive: true, force: true });
    throw error;
  }
}

/** A shallow clone of the ref; a commit (which --branch cannot name) needs a full fetch and a checkout. */
async function cloneAt(
  git: (args: string[], cwd: string) => Promise<RunResult>,
  uri: string,
  ref: string | undefined,
  checkout: string,
  limits: GitCloneLimits,
): Promise<void> {
  try {
    await git(["clone", "--quiet", "--depth", "1", ...(ref ? ["--branch", ref] : []), "--", uri, checkout], limits.workDir);
    return;
  } catch (error) {
    if (!ref || limits.signal.aborted) throw error;
  }
  await rm(checkout, { recursive: true, force: true });
  await mkdir(checkout);
  await git(["init", "--quiet"], checkout);
  await git(["remote", "add", "origin", uri], checkout);
  await git(["fetch", "--quiet", "origin"], checkout).catch((error: Error) => {
    throw new Error(error.message.replace(/^git fetch/, "git clone"));
  });
  await git(["checkout", "--quiet", ref], checkout);
}
