/**
 * Options + a loaded template -> the exact list of files to write, in memory.
 * Every path check lives here: a template (perhaps a fork someone else controls)
 * can only ever produce plain relative paths inside the project folder.
 */
import { durableObjectsFor, rateLimitNamespaceId } from "../durable-objects.js";
import { FEATURES, type FeatureId } from "../features.js";
import { UserError } from "../errors.js";
import { compatibilityDate, versions } from "../versions.js";
import type { Options } from "../options/resolve.js";
import type { RenderContext } from "./context.js";
import { render } from "./render.js";
import type { LoadedTemplate, TemplateManifest } from "./types.js";

export interface PlannedFile {
  /** Relative to the project folder, "/"-separated. */
  path: string;
  bytes: Uint8Array;
}

/** Dotfiles ship under another name, since npm pack drops .gitignore and .npmrc. */
const RENAMED_FILES: Record<string, string> = { _gitignore: ".gitignore", _npmrc: ".npmrc" };

export function buildContext(options: Options): RenderContext {
  const pm = options.packageManager;
  return {
    projectName: options.projectName,
    features: Object.fromEntries(
      FEATURES.map((feature) => [feature.id, options.features.includes(feature.id)]),
    ) as Record<FeatureId, boolean>,
    namespaces: options.namespaces.map((namespace) => ({ ...namespace })),
    bindings: Object.fromEntries(
      options.namespaces.flatMap((namespace) =>
        namespace.feature ? [[namespace.feature, namespace.binding]] : [],
      ),
    ),
    session: { ...options.session },
    rateLimit: {
      ...options.rateLimit,
      backend: options.rateLimitBackend,
      namespaceId: rateLimitNamespaceId(options.projectName),
    },
    documentWrites: options.documentWrites,
    durableObjects: durableObjectsFor(options).map(({ binding, className, module, docs }) => ({
      binding,
      className,
      module,
      file: `src/${module.slice("./".length)}.ts`,
      docs: { ...docs },
    })),
    cachePattern: options.cachePattern,
    envs: [...options.envs],
    environments: options.envs.map((name) => ({
      name,
      rateLimitNamespaceId: rateLimitNamespaceId(`${options.projectName}-${name}`),
    })),
    compatibilityDate,
    packageManager: pm,
    commands: {
      install: `${pm} install`,
      // Always "<pm> run": `pnpm deploy` is a pnpm command of its own, not our script.
      run: `${pm} run`,
      exec: { npm: "npx", pnpm: "pnpm exec", yarn: "yarn", bun: "bunx" }[pm],
    },
    versions: { ...versions },
    vars: { ...options.vars },
  };
}

export function buildPlan(template: LoadedTemplate, options: Options): PlannedFile[] {
  const context = buildContext(options);
  const planned = new Map<string, PlannedFile>();
  for (const file of template.files) {
    if (!isWanted(file.path, template.manifest, options.features)) continue;
    const rendered = file.path.endsWith(".hbs");
    const target = outputPath(rendered ? file.path.slice(0, -".hbs".length) : file.path);
    const where = `${template.source === "built-in" ? "" : `${template.source} `}${file.path}`.trim();
    if (planned.has(target)) {
      throw new UserError(`template ${where}: writes ${target} a second time; remove one of the two files`);
    }
    const bytes = rendered
      ? new TextEncoder().encode(render(new TextDecoder().decode(file.bytes), context, where))
      : file.bytes;
    planned.set(target, { path: target, bytes });
  }
  // Byte order, not localeCompare: the same on every machine, and no ICU start-up cost.
  return [...planned.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * A file listed under features in template.json is written when at least one of
 * them is chosen (a helper shared by two features is listed under both); a file
 * listed nowhere is always written.
 */
function isWanted(path: string, manifest: TemplateManifest, chosen: FeatureId[]): boolean {
  const owners = Object.entries(manifest.files)
    .filter(([, paths]) => paths?.some((entry) => (entry.endsWith("/") ? path.startsWith(entry) : path === entry)))
    .map(([feature]) => feature as FeatureId);
  return owners.length === 0 || owners.some((feature) => chosen.includes(feature));
}

/** Renames dotfiles and refuses anything that is not a plain relative path. */
export function outputPath(templatePath: string): string {
  const segments = templatePath.split("/");
  const last = segments.length - 1;
  segments[last] = RENAMED_FILES[segments[last] ?? ""] ?? segments[last] ?? "";
  const unsafe = segments.find(
    (segment) =>
      segment === "" ||
      segment === "." ||
      segment === ".." ||
      segment.includes("\\") ||
      segment.includes("\0") ||
      /^[a-zA-Z]:/.test(segment),
  );
  if (unsafe !== undefined || templatePath.startsWith("/")) {
    throw new UserError(`template file "${templatePath}" has an unsafe path; a template may only hold plain relative paths`);
  }
  if (segments[0] === ".git") {
    throw new UserError(`template file "${templatePath}" would write into .git; remove it from the template`);
  }
  return segments.join("/");
}
