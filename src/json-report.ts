/**
 * --json: the one document a script or a coding agent reads at the end of a run.
 * Every field is plain data; the human summary says the same things in prose.
 */
import type { FeatureId } from "./features/index.js";
import type { Options } from "./options/resolve.js";

export type StepName = "install" | "types" | "namespaces" | "git";

/** How one post-step ended ("planned" in a dry run). */
export interface StepOutcome {
  step: StepName;
  status: "done" | "failed" | "skipped" | "cancelled" | "planned";
  detail?: string;
}

export interface JsonReport {
  outcome: "done" | "failed" | "cancelled" | "dry-run";
  exitCode: number;
  project: { name: string; directory: string; packageManager: string; template: string };
  /** Every file written (or, in a dry run, that would be), relative to the project. */
  files: { path: string; bytes: number }[];
  /** Files that were there before and were replaced (--overwrite). */
  replaced: string[];
  /** Each KV binding, where it is declared, and the namespace IDs wrangler.jsonc holds. */
  namespaces: {
    binding: string;
    feature: FeatureId | null;
    ttl: number;
    declared: { env: string | null; id: string | null; previewId: string | null }[];
  }[];
  /** Durable Object bindings of wrangler.jsonc (top level and per environment). */
  durableObjects: { name: string; className: string; env: string | null }[];
  settings: {
    features: FeatureId[];
    envs: string[];
    cachePattern?: string;
    session?: { ttl: number; refreshThreshold: number };
    rateLimit?: { limit: number; window: number };
    vars: Record<string, string | boolean>;
  };
  /** The monorepo workspace the project sits in, if any, and whether its globs cover it. */
  workspace?: { root: string; file: string; packageManager: string; globs: string[]; relative: string; covered: boolean };
  steps: StepOutcome[];
  next: string[];
}

export function buildJsonReport(input: {
  outcome: JsonReport["outcome"];
  exitCode: number;
  options: Options;
  files: { path: string; bytes: Uint8Array }[];
  replaced?: string[];
  /** wrangler.jsonc as it stands at the end (with the IDs a namespaces step wrote). */
  wranglerConfig?: string;
  workspace?: JsonReport["workspace"] & object;
  steps: StepOutcome[];
  next: string[];
}): JsonReport {
  const { options } = input;
  const config = readWranglerConfig(input.wranglerConfig);
  const has = (feature: FeatureId) => options.features.includes(feature);
  return {
    outcome: input.outcome,
    exitCode: input.exitCode,
    project: {
      name: options.projectName,
      directory: options.targetDir,
      packageManager: options.packageManager,
      template: options.template ?? "built-in",
    },
    files: input.files.map((file) => ({ path: file.path, bytes: file.bytes.byteLength })),
    replaced: input.replaced ?? [],
    namespaces: options.namespaces.map((namespace) => ({
      ...namespace,
      declared: config.sections.flatMap(({ env, section }) =>
        (section.kv_namespaces ?? [])
          .filter((entry) => entry.binding === namespace.binding)
          .map((entry) => ({ env, id: entry.id ?? null, previewId: entry.preview_id ?? null })),
      ),
    })),
    durableObjects: config.sections.flatMap(({ env, section }) =>
      (section.durable_objects?.bindings ?? []).map((binding) => ({ name: binding.name, className: binding.class_name, env })),
    ),
    settings: {
      features: [...options.features],
      envs: [...options.envs],
      ...(has("cache") ? { cachePattern: options.cachePattern } : {}),
      ...(has("sessions") ? { session: { ...options.session } } : {}),
      ...(has("ratelimit") ? { rateLimit: { ...options.rateLimit } } : {}),
      vars: { ...options.vars },
    },
    ...(input.workspace
      ? {
          workspace: {
            root: input.workspace.root,
            file: input.workspace.file,
            packageManager: input.workspace.packageManager,
            globs: input.workspace.globs,
            relative: input.workspace.relative,
            covered: input.workspace.covered,
          },
        }
      : {}),
    steps: input.steps,
    next: input.next,
  };
}

interface WranglerSection {
  kv_namespaces?: { binding: string; id?: string; preview_id?: string }[];
  durable_objects?: { bindings?: { name: string; class_name: string }[] };
  env?: Record<string, WranglerSection>;
}

/** The top level and each env.<name> of wrangler.jsonc; none when it is missing or unreadable. */
function readWranglerConfig(text: string | undefined): { sections: { env: string | null; section: WranglerSection }[] } {
  if (text === undefined) return { sections: [] };
  let config: WranglerSection;
  try {
    config = JSON.parse(stripJsonc(text)) as WranglerSection;
  } catch {
    return { sections: [] };
  }
  return {
    sections: [
      { env: null, section: config },
      ...Object.entries(config.env ?? {}).map(([env, section]) => ({ env, section })),
    ],
  };
}

/** JSONC -> JSON: comments outside strings and trailing commas go. */
function stripJsonc(text: string): string {
  const withoutComments = text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_, string: string | undefined) => string ?? "");
  return withoutComments.replace(/("(?:\\.|[^"\\])*")|,(\s*[}\]])/g, (_, string: string | undefined, closing: string | undefined) => string ?? closing ?? "");
}
