/**
 * `git init` and a first commit. Skipped, with the reason, when git is missing,
 * when the project already sits inside a repository, or when git has no identity
 * to commit with (we never invent one).
 */
import { run } from "./run.js";

export type GitResult = { done: true } | { done: false; reason: string };

export async function initRepository(projectDir: string): Promise<GitResult> {
  const git = (args: string[]) => run("git", args, { cwd: projectDir, timeoutMs: 60_000 });

  if (!(await git(["--version"])).ok) return { done: false, reason: "git is not installed" };
  const inside = await git(["rev-parse", "--is-inside-work-tree"]);
  if (inside.ok && inside.stdout.trim() === "true") {
    return { done: false, reason: "the project is inside an existing git repository" };
  }
  const name = await git(["config", "user.name"]);
  const email = await git(["config", "user.email"]);
  if (!name.ok || !email.ok) {
    return { done: false, reason: "git has no user.name / user.email to commit with" };
  }
  for (const args of [["init", "--quiet"], ["add", "-A"], ["commit", "--quiet", "-m", "Initial commit from create-kv-edge"]]) {
    const result = await git(args);
    if (!result.ok) return { done: false, reason: `git ${args[0]} failed: ${result.stderr.trim().split("\n")[0] ?? result.reason}` };
  }
  return { done: true };
}
