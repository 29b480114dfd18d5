import type { FilesByChoice } from "../features/choices.js";
import type { FeatureId } from "../features/index.js";

/** template.json at the root of every template, the built-in one included. */
export interface TemplateManifest {
  name: string;
  description: string;
  /** The oldest create-kv-edge (x.y.z) that can render this template. */
  minVersion: string;
  /** The features this template can produce; --features may only name these. */
  features: FeatureId[];
  /**
   * Template paths (as they sit in the template folder, e.g. "src/lib/cache.ts" or
   * "seed/flags.json") that are written only when their feature is chosen. A path
   * ending in "/" stands for a whole folder. Every file listed nowhere is always written.
   */
  files: Partial<Record<FeatureId, string[]>>;
  /**
   * Template paths written only when a choice has one of the values they are listed
   * under, e.g. { "rate-limit-backend": { kv: ["src/lib/rate-limiter.ts"] } }: a project
   * carries the backend it uses, not all three. A path here that is also listed in
   * `files` needs both: its feature chosen and the value.
   */
  filesByChoice: FilesByChoice;
  /** Extra questions a fork asks; answers land in the render context under `vars`. */
  variables: TemplateVariable[];
}

export interface TemplateVariable {
  /** An identifier: [a-zA-Z_][a-zA-Z0-9_]*. Set with --var name=value. */
  name: string;
  /** The prompt text. */
  message: string;
  type: "text" | "confirm" | "select";
  default?: string | boolean;
  /** text only: a regular expression the whole answer must match. */
  pattern?: string;
  /** select only. */
  options?: { value: string; label?: string }[];
}

/** One file of a template, read into memory. `path` is relative, with "/" separators. */
export interface TemplateFile {
  path: string;
  bytes: Uint8Array;
}

/** A template resolved from its source and read into memory, ready to plan from. */
export interface LoadedTemplate {
  /** What the user asked for ("built-in", a folder, gh:..., https://...), for messages. */
  source: string;
  manifest: TemplateManifest;
  files: TemplateFile[];
}
