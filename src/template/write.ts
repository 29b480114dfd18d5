/**
 * Plan -> disk, all or nothing. Files are written into a staging folder beside the
 * target and moved into place only when every one of them is written. If anything
 * fails or the user cancels, what we moved is taken back out, files we replaced
 * are put back byte for byte, and the staging folder is removed.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { CancelledError, UserError } from "../errors.js";
import type { PlannedFile } from "./plan.js";

export interface WriteOptions {
  /** Write into a folder that already has files. */
  overwrite: boolean;
  /** Polled between files; true aborts the write and rolls it back. */
  isCancelled: () => boolean;
  /** Files to delete from a folder that already has files, in the same all-or-nothing step (update). */
  remove?: string[];
}

export interface WriteResult {
  /** Files that were in the folder before and that we replaced. */
  replaced: string[];
}

export type TargetState = "missing" | "empty" | "not-empty";

/** What is at the target path now; refuses links and non-folders. */
export async function inspectTarget(targetDir: string): Promise<TargetState> {
  const stats = await lstat(targetDir).catch(() => undefined);
  if (!stats) return "missing";
  if (stats.isSymbolicLink()) {
    throw new UserError(`${targetDir} is a symbolic link; give the path of a real folder instead`);
  }
  if (!stats.isDirectory()) {
    throw new UserError(`${targetDir} exists and is not a folder; choose another directory name`);
  }
  return (await readdir(targetDir)).length === 0 ? "empty" : "not-empty";
}

export function notEmptyError(directory: string): UserError {
  return new UserError(
    `${directory} is not empty; choose a new directory, or pass --overwrite to write into it (files we replace are listed)`,
  );
}

export async function writeProject(
  files: PlannedFile[],
  targetDir: string,
  options: WriteOptions,
): Promise<WriteResult> {
  const state = await inspectTarget(targetDir);
  if (state === "not-empty" && !options.overwrite) throw notEmptyError(targetDir);
  const parent = path.dirname(targetDir);
  const createdParent = await mkdir(parent, { recursive: true });
  const staging = path.join(parent, `.${path.basename(targetDir)}.create-kv-edge-${randomBytes(4).toString("hex")}`);
  const undo: (() => Promise<unknown>)[] = [];
  if (createdParent) undo.push(() => rm(createdParent, { recursive: true, force: true }));

  try {
    await writeAll(files, staging, options);
    if (state === "not-empty") {
      return { replaced: await mergeInto(files, staging, targetDir, undo, options) };
    }
    if (state === "empty") await rmdir(targetDir);
    await rename(staging, targetDir);
    return { replaced: [] };
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => {});
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function writeAll(files: PlannedFile[], dir: string, options: WriteOptions): Promise<void> {
  if (options.isCancelled()) throw new CancelledError();
  const folders = new Set(files.map((file) => path.dirname(path.join(dir, file.path))));
  for (const folder of [...folders].sort()) await mkdir(folder, { recursive: true });
  // The staging folder is ours alone, so its files can be written in parallel.
  await Promise.all(files.map((file) => writeFile(path.join(dir, file.path), file.bytes, { flag: "wx" })));
  if (options.isCancelled()) throw new CancelledError();
}

/**
 * Moves staged files into a folder that already has files. Checks every path
 * first, so nothing moves when one of them would go through a link.
 */
async function mergeInto(
  files: PlannedFile[],
  staging: string,
  targetDir: string,
  undo: (() => Promise<unknown>)[],
  options: WriteOptions,
): Promise<string[]> {
  const existing = new Set<string>();
  const identical = new Set<string>();
  for (const file of files) {
    if (!(await checkDestination(targetDir, file.path))) continue;
    // A file that already holds exactly these bytes is left alone and not reported as replaced.
    if (Buffer.from(file.bytes).equals(await readFile(path.join(targetDir, file.path)))) identical.add(file.path);
    else existing.add(file.path);
  }
  const removals: string[] = [];
  for (const relativePath of options.remove ?? []) {
    if (await checkDestination(targetDir, relativePath)) removals.push(relativePath);
  }

  const backup = `${staging}-backup`;
  await mkdir(backup);
  undo.push(() => rm(backup, { recursive: true, force: true }));
  /** Moves a file of the target into the backup, to be put back if anything fails. */
  const moveAside = async (relativePath: string) => {
    const destination = path.join(targetDir, relativePath);
    const saved = path.join(backup, relativePath);
    await mkdir(path.dirname(saved), { recursive: true });
    await rename(destination, saved);
    undo.push(() => rename(saved, destination));
  };

  for (const file of files.filter((planned) => !identical.has(planned.path))) {
    if (options.isCancelled()) throw new CancelledError();
    const destination = path.join(targetDir, file.path);
    const made = await mkdir(path.dirname(destination), { recursive: true });
    if (made) undo.push(() => rm(made, { recursive: true, force: true }));
    if (existing.has(file.path)) await moveAside(file.path);
    await rename(path.join(staging, file.path), destination);
    undo.push(() => rm(destination, { force: true }));
  }
  for (const relativePath of removals) {
    if (options.isCancelled()) throw new CancelledError();
    await moveAside(relativePath);
  }
  await rm(backup, { recursive: true, force: true });
  return [...existing].sort();
}

/**
 * True when the file exists already (it will be replaced). Refuses a destination
 * whose folders are links or files, or that is itself a folder or a link.
 */
async function checkDestination(targetDir: string, relativePath: string): Promise<boolean> {
  const segments = relativePath.split("/");
  let current = targetDir;
  for (const [index, segment] of segments.entries()) {
    current = path.join(current, segment);
    const stats = await lstat(current).catch(() => undefined);
    if (!stats) return false;
    const isLast = index === segments.length - 1;
    if (stats.isSymbolicLink()) {
      throw new UserError(`${current} is a symbolic link; we never write through links. Move it away and run again`);
    }
    if (!isLast && !stats.isDirectory()) {
      throw new UserError(`${current} is a file, but the project needs a folder there. Move it away and run again`);
    }
    if (isLast && !stats.isFile()) {
      throw new UserError(`${current} is not a regular file, but the project needs to write ${relativePath} there`);
    }
  }
  return true;
}
