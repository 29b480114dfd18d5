/**
 * A fork is untrusted: its package.json can run code on install, and its
 * dependencies (wrangler among them) run when we call `wrangler types` or its
 * namespaces script. None of that runs without the user's consent: asked on a
 * terminal, --trust-template-scripts otherwise. The built-in template is ours and
 * needs none.
 */

/** The scripts of the project itself that `<pm> install` runs. */
const INSTALL_LIFECYCLE = ["preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare", "dependencies"];

export interface LifecycleScript {
  name: string;
  command: string;
}

/** The install-time scripts of a rendered package.json (none when it has none or does not parse). */
export function lifecycleScripts(packageJson: Uint8Array | undefined): LifecycleScript[] {
  if (!packageJson) return [];
  let scripts: unknown;
  try {
    scripts = (JSON.parse(new TextDecoder().decode(packageJson)) as { scripts?: unknown }).scripts;
  } catch {
    return [];
  }
  if (typeof scripts !== "object" || scripts === null) return [];
  return INSTALL_LIFECYCLE.flatMap((name) => {
    const command = (scripts as Record<string, unknown>)[name];
    return typeof command === "string" ? [{ name, command }] : [];
  });
}

/** The question shown on a terminal, listing what would run. */
export function consentQuestion(source: string, scripts: LifecycleScript[]): string {
  const listed =
    scripts.length === 0
      ? "It has no install scripts of its own"
      : `Its install scripts:\n${scripts.map((script) => `    ${script.name}: ${script.command}`).join("\n")}\n `;
  return (
    `The template ${source} is not the built-in one. ${listed}; its dependencies also run for \`wrangler types\` ` +
    "and the namespaces script. Let its code run on this machine?"
  );
}

/** One line for the summary when the fork's code did not run. */
export function notRunLine(scripts: LifecycleScript[], commands: { install: string; run: string }): string {
  const skipped = scripts.length > 0 ? `its install scripts (${scripts.map((script) => script.name).join(", ")}) were skipped, ` : "";
  return (
    `The template's code was not run: ${skipped}\`wrangler types\` and the namespaces script were not started. ` +
    `Review package.json, then run: ${commands.install} && ${commands.run} types (or pass --trust-template-scripts).`
  );
}
