import { mkdtemp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CancelledError } from "../../src/errors.js";
import type { PlannedFile } from "../../src/template/plan.js";
import { recoverInterruptedRuns, writeProject } from "../../src/template/write.js";

const file = (filePath: string, text: string): PlannedFile => ({ path: filePath, bytes: new TextEncoder().encode(text) });
const plan = [file("package.json", "{}"), file("src/index.ts", "export {};"), file("README.md", "# new")];
const never = () => false;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-write-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("writeProject", () => {
  it("writes a new folder, creating missing parents", async () => {
    const target = path.join(root, "deep", "app");
    await writeProject(plan, target, { overwrite: false, isCancelled: never });
    expect(await readFile(path.join(target, "src/index.ts"), "utf8")).toBe("export {};");
    expect((await readdir(path.join(root, "deep"))).sort()).toEqual(["app"]);
  });

  it("writes into an empty folder", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    await writeProject(plan, target, { overwrite: false, isCancelled: never });
    expect((await readdir(target)).sort()).toEqual(["README.md", "package.json", "src"]);
  });

  it("refuses a non-empty folder without overwrite and touches nothing", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    await writeFile(path.join(target, "README.md"), "mine");
    await expect(writeProject(plan, target, { overwrite: false, isCancelled: never })).rejects.toThrow(/is not empty.*--overwrite/);
    expect(await readdir(target)).toEqual(["README.md"]);
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("mine");
    expect(await readdir(root)).toEqual(["app"]);
  });

  it("with overwrite, replaces only planned files, says which, and keeps the rest byte for byte", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    await writeFile(path.join(target, "README.md"), "mine");
    await writeFile(path.join(target, "notes.txt"), "keep me");
    const result = await writeProject(plan, target, { overwrite: true, isCancelled: never });
    expect(result.replaced).toEqual(["README.md"]);
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("# new");
    expect(await readFile(path.join(target, "notes.txt"), "utf8")).toBe("keep me");
    expect(await readdir(root)).toEqual(["app"]);
  });

  it("with overwrite, leaves a file that already holds the same bytes untouched and does not list it", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    await writeFile(path.join(target, "package.json"), "{}");
    await writeFile(path.join(target, "README.md"), "# old");
    const before = await stat(path.join(target, "package.json"));
    const result = await writeProject(plan, target, { overwrite: true, isCancelled: never });
    expect(result.replaced).toEqual(["README.md"]);
    const after = await stat(path.join(target, "package.json"));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it("leaves nothing behind when writing fails half way", async () => {
    const target = path.join(root, "app");
    const broken = [file("a.txt", "1"), file("a.txt/b.txt", "cannot: a.txt is a file")];
    await expect(writeProject(broken, target, { overwrite: false, isCancelled: never })).rejects.toThrow();
    expect(await readdir(root)).toEqual([]);
  });

  it("rolls an overwrite back when cancelled: every existing file as before, nothing of ours left", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    await writeFile(path.join(target, "README.md"), "mine");
    let polls = 0;
    // The staging write polls once per 32 files; moving in polls once per file.
    // Cancel at the second move, after README.md has already been replaced.
    const isCancelled = () => ++polls > 2;
    const readmeFirst = [file("README.md", "# new"), file("package.json", "{}"), file("src/index.ts", "export {};")];
    await expect(writeProject(readmeFirst, target, { overwrite: true, isCancelled })).rejects.toBeInstanceOf(CancelledError);
    expect(polls).toBe(3);
    expect(await readdir(target)).toEqual(["README.md"]);
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("mine");
    expect(await readdir(root)).toEqual(["app"]);
  });

  it("stops staging a large plan between two batches when cancelled, and leaves nothing", async () => {
    const target = path.join(root, "app");
    const many = Array.from({ length: 100 }, (_, index) => file(`src/file-${index}.ts`, "export {};"));
    let polls = 0;
    await expect(writeProject(many, target, { overwrite: false, isCancelled: () => ++polls > 1 })).rejects.toBeInstanceOf(CancelledError);
    expect(polls).toBe(2);
    expect(await readdir(root)).toEqual([]);
  });

  it("never writes through a symbolic link in the target", async () => {
    const target = path.join(root, "app");
    const outside = path.join(root, "outside");
    await mkdir(target);
    await mkdir(outside);
    await symlink(outside, path.join(target, "src"));
    await expect(writeProject(plan, target, { overwrite: true, isCancelled: never })).rejects.toThrow(/symbolic link/);
    expect(await readdir(outside)).toEqual([]);
    expect((await readdir(target)).sort()).toEqual(["src"]);
  });

  it("refuses a target that is itself a link", async () => {
    const real = path.join(root, "real");
    await mkdir(real);
    await symlink(real, path.join(root, "app"));
    await expect(writeProject(plan, path.join(root, "app"), { overwrite: true, isCancelled: never })).rejects.toThrow(/symbolic link/);
    expect(await readdir(real)).toEqual([]);
  });

  it("refuses a plan without files before touching anything, even an empty folder", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    await expect(writeProject([], target, { overwrite: true, isCancelled: never })).rejects.toThrow(/yields no files/);
    expect(await readdir(root)).toEqual(["app"]);
  });

  it("writes a target whose name is 255 bytes long (the working folder's name has a fixed length)", async () => {
    const target = path.join(root, "a".repeat(255));
    await writeProject(plan, target, { overwrite: false, isCancelled: never });
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("# new");
    expect(await readdir(root)).toEqual(["a".repeat(255)]);
  });
});

describe("writeProject with removals (update)", () => {
  it("replaces and removes files in one step", async () => {
    const target = path.join(root, "app");
    await mkdir(path.join(target, "src"), { recursive: true });
    await writeFile(path.join(target, "README.md"), "old");
    await writeFile(path.join(target, "src/gone.ts"), "bye");
    await writeFile(path.join(target, "mine.txt"), "kept");
    await writeProject([file("README.md", "new")], target, { overwrite: true, isCancelled: never, remove: ["src/gone.ts", "never-there.ts"] });
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("new");
    expect(await readdir(path.join(target, "src"))).toEqual([]);
    expect(await readFile(path.join(target, "mine.txt"), "utf8")).toBe("kept");
  });

  it("puts a removed file back when the write is cancelled", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    await writeFile(path.join(target, "gone.ts"), "bye");
    await writeFile(path.join(target, "README.md"), "old");
    let polls = 0;
    // Cancelled at the last poll: after the files moved, before the removal.
    const cancelLate = () => ++polls > 2;
    await expect(
      writeProject([file("README.md", "new")], target, { overwrite: true, isCancelled: cancelLate, remove: ["gone.ts"] }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(await readFile(path.join(target, "gone.ts"), "utf8")).toBe("bye");
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("old");
    expect((await readdir(root)).sort()).toEqual(["app"]);
  });

  it("refuses to remove through a link", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    await mkdir(path.join(root, "elsewhere"));
    await writeFile(path.join(root, "elsewhere", "x.ts"), "outside");
    await symlink(path.join(root, "elsewhere"), path.join(target, "lib"));
    await writeFile(path.join(target, "README.md"), "old");
    await expect(
      writeProject([file("README.md", "new")], target, { overwrite: true, isCancelled: never, remove: ["lib/x.ts"] }),
    ).rejects.toThrow(/symbolic link/);
    expect(await readFile(path.join(root, "elsewhere", "x.ts"), "utf8")).toBe("outside");
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("old");
  });
});

describe("recoverInterruptedRuns", () => {
  it("removes the working folder of a run whose process is gone, and leaves a live run's alone", async () => {
    const target = path.join(root, "app");
    await mkdir(target);
    const { spawnSync } = await import("node:child_process");
    const gonePid = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const gone = `.create-kv-edge-0123abcd-${gonePid}-a1b2c3`;
    const alive = `.create-kv-edge-0123abcd-${process.ppid}-d4e5f6`;
    await mkdir(path.join(target, gone, "files"), { recursive: true });
    await mkdir(path.join(target, alive, "files"), { recursive: true });
    const lines = await recoverInterruptedRuns(target);
    expect(lines).toEqual([`Rolled back an interrupted run in ${target}`]);
    expect(await readdir(target)).toEqual([alive]);
  });
});
