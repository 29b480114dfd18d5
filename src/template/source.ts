import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { isProcessGone, removeOnSignal } from "../signals.js";
import { homedir, tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { ACCEPTED_FORMS, downloadInto, toDownload } from "./download.js";
import { checkMinVersion, parseManifest } from "./manifest.js";
import type { LoadedTemplate, TemplateFile } from "./types.js";

/**
 * Where a template comes from: the built-in folder, a local folder, or a download
 * through giget (download.ts). Whatever the source, the result is the same in-memory
 * template. A downloaded template lands in a fresh temporary folder that is always
 * removed.
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

const MANIFEST_FILE = "template.json";
/** A download's temporary folder: `<prefix><pid>-<random>`, so a killed run's can be found. */
const DOWNLOAD_PREFIX = "create-kv-edge-template-";
/** Skipped wherever they appear, whatever they are (a folder, a file, a link). */
const IGNORED_NAMES = new Set([".git", "node_modules"]);
const USUAL_MISSING_MANIFEST_FIX = "copy templates/default to start a fork";

export async function loadTemplate(source: string | undefined, options: LoadTemplateOptions): Promise<LoadedTemplate> {
  if (source === undefined) return readTemplateFolder(options.builtinDir, "built-in", options.version);
  if (source.trim() === "") throw new UserError(`--template is empty; give ${ACCEPTED_FORMS}.`);

  const folder = await localFolder(source, options.cwd);
  if (folder) return readTemplateFolder(folder, source, options.version);

  const download = toDownload(source, options.cwd);
  await removeStaleDownloads();
  const tempDir = await mkdtemp(join(tmpdir(), `${DOWNLOAD_PREFIX}${process.pid}-`));
  const release = removeOnSignal(tempDir);
  try {
    const root = await downloadInto(download, join(tempDir, "template"), options.offline ?? false);
    return await readTemplateFolder(root, download.display, options.version, download.missingManifestFix);
  } finally {
    await rm(tempDir, { recursive: true, force: true });
    release();
  }
}

/** Download folders of runs that were killed outright (their process is gone). */
async function removeStaleDownloads(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(/^create-kv-edge-template-(\d+)-/.exec(name)?.[1]);
    if (pid && isProcessGone(pid)) await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** The absolute folder a source names, or undefined when the source is not a folder path. */
async function localFolder(source: string, cwd: string): Promise<string | undefined> {
  const looksLikePath = source.startsWith(".") || source.startsWith("~") || isAbsolute(source);
  const path = source === "~" || source.startsWith("~/") ? join(homedir(), source.slice(1)) : resolve(cwd, source);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return path;
  if (info && looksLikePath) {
    throw new UserError(`--template ${source} is a file, not a folder; unpack it, or serve it over https://.`);
  }
  if (looksLikePath) throw new UserError(`Template folder ${source} does not exist; check the path.`);
  return undefined;
}

/**
 * Reads a template folder into memory: template.json is parsed and checked, every
 * other regular file becomes { path, bytes }. .git/ and node_modules/ are skipped;
 * a link or any other special file is refused.
 */
async function readTemplateFolder(
  root: string,
  source: string,
  version: string,
  missingManifestFix = USUAL_MISSING_MANIFEST_FIX,
): Promise<LoadedTemplate> {
  const files: TemplateFile[] = [];
  let manifestText: string | undefined;

  // Folders and files are read in parallel: the file list is sorted when planned.
  const walk = async (folder: string, prefix: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const path = prefix + entry.name;
        const absolute = join(folder, entry.name);
        if (IGNORED_NAMES.has(entry.name)) return;
        if (entry.isDirectory()) {
          await walk(absolute, `${path}/`);
        } else if (entry.isFile()) {
          const bytes = new Uint8Array(await readFile(absolute));
          if (path === MANIFEST_FILE) manifestText = new TextDecoder().decode(bytes);
          else files.push({ path, bytes });
        } else {
          const kind = entry.isSymbolicLink() ? "a symbolic link" : "a special file";
          throw new UserError(
            `Template ${source} contains ${kind} at ${path}; links and special files are refused for safety, replace it with a regular file.`,
          );
        }
      }),
    );
  };
  await walk(root, "");

  const where = `${MANIFEST_FILE} in ${source === "built-in" ? root : source}`;
  if (manifestText === undefined) {
    throw new UserError(`Template ${source} has no ${MANIFEST_FILE} at its root; ${missingManifestFix}.`);
  }
  const manifest = parseManifest(manifestText, where);
  checkMinVersion(manifest, version, where);
  return { source, manifest, files };
}
