/**
 * The template decides which features and variables exist: flags are checked
 * against it before any question, and every variable gets a checked value.
 */
import { UsageError } from "../errors.js";
import { parseVariableValue } from "../template/manifest.js";
import type { LoadedTemplate } from "../template/types.js";
import type { Flags } from "./parse.js";

type TemplateInfo = Pick<LoadedTemplate, "source" | "manifest">;

export function checkFlagsFitTemplate(flags: Pick<Flags, "features" | "vars">, template: TemplateInfo): void {
  const { manifest } = template;
  const unsupported = (flags.features ?? []).filter((feature) => !manifest.features.includes(feature));
  if (unsupported.length > 0) {
    throw new UsageError(
      `--features ${unsupported.join(",")}: the template ${template.source} supports only ${manifest.features.join(", ")}`,
    );
  }
  const known = new Set(manifest.variables.map((variable) => variable.name));
  const unknown = Object.keys(flags.vars).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--var ${unknown[0]}: the template ${template.source} has no such variable${known.size > 0 ? ` (it has ${[...known].join(", ")})` : ""}`,
    );
  }
}

/** Every template variable gets a checked value: the answer, the flag or the default. */
export function resolveVariables(template: TemplateInfo, given: Record<string, string | boolean>): Record<string, string | boolean> {
  const vars: Record<string, string | boolean> = {};
  const missing: string[] = [];
  for (const variable of template.manifest.variables) {
    const value = given[variable.name];
    if (typeof value === "string") vars[variable.name] = parseVariableValue(variable, value);
    else if (typeof value === "boolean") vars[variable.name] = value;
    else if (variable.default !== undefined) vars[variable.name] = variable.default;
    else missing.push(`--var ${variable.name}=<value>`);
  }
  if (missing.length > 0) {
    throw new UsageError(`the template ${template.source} needs: ${missing.join(", ")}`);
  }
  return vars;
}
