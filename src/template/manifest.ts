// Placeholder until the template-fork work lands (branch forks).
import { UsageError } from "../errors.js";
import type { TemplateVariable } from "./types.js";

export function parseVariableValue(variable: TemplateVariable, raw: string): string | boolean {
  if (variable.type === "confirm") return raw === "true" || raw === "yes";
  if (variable.pattern && !new RegExp(`^(?:${variable.pattern})$`).test(raw)) {
    throw new UsageError(`--var ${variable.name}=${raw}: must match ${variable.pattern}`);
  }
  return raw;
}
