import { fileURLToPath } from "node:url";

/** The built-in template's folder. src/ and dist/ both sit one level below the package root. */
export const builtinTemplateDir = fileURLToPath(new URL("../templates/default", import.meta.url));
