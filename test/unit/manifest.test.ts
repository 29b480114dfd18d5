import { describe, expect, it } from "vitest";
import { EXIT, UsageError, UserError } from "../../src/errors.js";
import { checkMinVersion, compareVersions, parseManifest, parseVariableValue } from "../../src/template/manifest.js";
import type { TemplateVariable } from "../../src/template/types.js";
import { manifestJson } from "../support/template-fixture.js";

const WHERE = "template.json in ./my-fork";

/** The UserError parseManifest throws for this manifest text. */
function manifestError(text: string): UserError {
  try {
    parseManifest(text, WHERE);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error("parseManifest accepted an invalid manifest");
}

describe("parseManifest", () => {
  it("returns every field of a valid manifest", () => {
    const manifest = parseManifest(
      manifestJson({
        variables: [
          { name: "team", message: "Team?", type: "text", default: "platform", pattern: "[a-z-]+" },
          { name: "ci", message: "Add CI?", type: "confirm", default: false },
          { name: "region", message: "Region?", type: "select", options: [{ value: "eu", label: "Europe" }, { value: "us" }], default: "us" },
        ],
        filesByChoice: { "rate-limit-backend": { kv: ["src/kv-limiter.ts"], "durable-object": ["src/do-limiter.ts"] } },
      }),
      WHERE,
    );
    expect(manifest).toEqual({
      name: "acme-kv",
      description: "Acme's Worker template",
      minVersion: "0.1.0",
      features: ["cache", "sessions"],
      files: { sessions: ["src/sessions.ts"] },
      filesByChoice: { "rate-limit-backend": { kv: ["src/kv-limiter.ts"], "durable-object": ["src/do-limiter.ts"] } },
      variables: [
        { name: "team", message: "Team?", type: "text", default: "platform", pattern: "[a-z-]+" },
        { name: "ci", message: "Add CI?", type: "confirm", default: false },
        { name: "region", message: "Region?", type: "select", options: [{ value: "eu", label: "Europe" }, { value: "us" }], default: "us" },
      ],
    });
  });

  it("defaults files and variables to empty", () => {
    const manifest = parseManifest(JSON.stringify({ name: "a", description: "b", minVersion: "1.2.3", features: ["flags"] }), WHERE);
    expect(manifest.files).toEqual({});
    expect(manifest.filesByChoice).toEqual({});
    expect(manifest.variables).toEqual([]);
  });

  it.each([
    ["not JSON", "{ name: ", /not valid JSON/],
    ["an array", "[]", /"\(root\)" must be a JSON object/],
    ["a misspelt key", manifestJson({ feature: ["cache"] }), /"feature" is not a known key/],
    ["a missing name", manifestJson({ name: undefined }), /"name" must be a non-empty string/],
    ["a numeric description", manifestJson({ description: 3 }), /"description" must be a non-empty string/],
    ["a two-part minVersion", manifestJson({ minVersion: "1.2" }), /"minVersion" must be a version x.y.z/],
    ["no features", manifestJson({ features: [] }), /"features" must be a non-empty array/],
    ["an unknown feature", manifestJson({ features: ["cache", "queues"] }), /"features\[1\]" must be a feature id \(cache, sessions/],
    ["a repeated feature", manifestJson({ features: ["cache", "cache"] }), /"features\[1\]" repeats "cache"/],
    ["files for an unknown feature", manifestJson({ files: { queue: ["a.ts"] } }), /"files.queue" must be a feature id/],
    ["files for an unlisted feature", manifestJson({ files: { flags: ["a.ts"] } }), /"files.flags" names a feature missing from "features"/],
    ["files not an array", manifestJson({ files: { cache: "a.ts" } }), /"files.cache" must be an array/],
    ["a .. path", manifestJson({ files: { cache: ["src/../../etc/passwd"] } }), /"files.cache\[0\]" must be a plain relative path/],
    ["an absolute path", manifestJson({ files: { cache: ["/etc/passwd"] } }), /"files.cache\[0\]" must be a relative path/],
    ["a backslash path", manifestJson({ files: { cache: ["src\\cache.ts"] } }), /"files.cache\[0\]" must use "\/" separators/],
    ["filesByChoice not an object", manifestJson({ filesByChoice: ["a.ts"] }), /"filesByChoice" must be an object mapping choices \(rate-limit-backend, document-writes, cache-pattern\)/],
    ["an unknown choice", manifestJson({ filesByChoice: { backend: { kv: ["a.ts"] } } }), /"filesByChoice.backend" is not a choice \(expected rate-limit-backend/],
    ["__proto__ as a choice", '{"name":"a","description":"b","minVersion":"0.1.0","features":["cache"],"filesByChoice":{"__proto__":{"kv":["a.ts"]}}}', /"filesByChoice.__proto__" is not a choice/],
    ["an unknown value of a choice", manifestJson({ filesByChoice: { "rate-limit-backend": { redis: ["a.ts"] } } }), /"filesByChoice.rate-limit-backend.redis" is not a value of --rate-limit-backend \(expected durable-object, binding, kv\)/],
    ["a choice's paths not an array", manifestJson({ filesByChoice: { "document-writes": { kv: "a.ts" } } }), /"filesByChoice.document-writes.kv" must be an array of paths/],
    ["a .. path under a choice", manifestJson({ filesByChoice: { "cache-pattern": { "cache-aside": ["../x.ts"] } } }), /"filesByChoice.cache-pattern.cache-aside\[0\]" must be a plain relative path/],
    ["variables not an array", manifestJson({ variables: {} }), /"variables" must be an array/],
    ["a variable name that is not an identifier", manifestJson({ variables: [{ name: "team-name", message: "?", type: "text" }] }), /"variables\[0\].name" must be an identifier/],
    ["a repeated variable", manifestJson({ variables: [{ name: "a", message: "?", type: "text" }, { name: "a", message: "?", type: "text" }] }), /"variables\[1\].name" repeats "a"/],
    ["an unknown variable type", manifestJson({ variables: [{ name: "a", message: "?", type: "number" }] }), /"variables\[0\].type" must be one of text, confirm, select/],
    ["a misspelt variable key", manifestJson({ variables: [{ name: "a", message: "?", type: "text", defualt: "x" }] }), /"variables\[0\].defualt" is not a known key/],
    ["a select without options", manifestJson({ variables: [{ name: "a", message: "?", type: "select" }] }), /"variables\[0\].options" must be a non-empty array/],
    ["options on a text variable", manifestJson({ variables: [{ name: "a", message: "?", type: "text", options: [{ value: "x" }] }] }), /"variables\[0\].options" is only allowed for type "select"/],
    ["a broken pattern", manifestJson({ variables: [{ name: "a", message: "?", type: "text", pattern: "[a-" }] }), /"variables\[0\].pattern" is not a valid regular expression/],
    ["a default that misses the pattern", manifestJson({ variables: [{ name: "a", message: "?", type: "text", pattern: "[a-z]+", default: "Abc" }] }), /"variables\[0\].default" "Abc" does not match/],
    ["a select default not among the options", manifestJson({ variables: [{ name: "a", message: "?", type: "select", options: [{ value: "x" }], default: "y" }] }), /"variables\[0\].default" must be one of the options/],
    ["a string default for a confirm", manifestJson({ variables: [{ name: "a", message: "?", type: "confirm", default: "yes" }] }), /"variables\[0\].default" must be true or false/],
  ])("refuses %s, naming the file and the field", (_case, text, expected) => {
    const error = manifestError(text);
    expect(error.message).toMatch(expected);
    expect(error.message.startsWith(`${WHERE}:`)).toBe(true);
    expect(error.exitCode).toBe(EXIT.failed);
    expect(error.message).not.toContain("\n");
  });
});

describe("checkMinVersion", () => {
  const manifest = parseManifest(manifestJson({ minVersion: "0.3.0" }), WHERE);

  it("accepts the same or a newer create-kv-edge", () => {
    expect(() => checkMinVersion(manifest, "0.3.0", WHERE)).not.toThrow();
    expect(() => checkMinVersion(manifest, "0.10.0", WHERE)).not.toThrow();
    expect(() => checkMinVersion(manifest, "1.0.0", WHERE)).not.toThrow();
  });

  it("refuses an older one with the upgrade command", () => {
    expect(() => checkMinVersion(manifest, "0.2.9", WHERE)).toThrow(
      new UserError(`${WHERE} needs create-kv-edge >= 0.3.0 (this is 0.2.9); run npm create kv-edge@latest.`),
    );
  });
});

describe("compareVersions", () => {
  it("compares numerically, part by part", () => {
    expect(compareVersions("0.10.0", "0.9.9")).toBe(1);
    expect(compareVersions("1.2.3", "1.2.3")).toBe(0);
    expect(compareVersions("1.2.3", "1.3.0")).toBe(-1);
    expect(compareVersions("2.0.0", "10.0.0")).toBe(-1);
    expect(compareVersions("1.0.0-beta.1", "1.0.0")).toBe(0);
  });
});

describe("parseVariableValue", () => {
  const text: TemplateVariable = { name: "team", message: "?", type: "text", pattern: "[a-z-]+" };
  const confirm: TemplateVariable = { name: "ci", message: "?", type: "confirm" };
  const select: TemplateVariable = { name: "region", message: "?", type: "select", options: [{ value: "eu" }, { value: "us" }] };

  it("accepts text that matches the whole pattern", () => {
    expect(parseVariableValue(text, "edge-team")).toBe("edge-team");
    expect(() => parseVariableValue(text, "edge team")).toThrow(new UsageError("--var team=edge team: must match the pattern [a-z-]+."));
    expect(() => parseVariableValue(text, "Edge")).toThrow(UsageError);
  });

  it("accepts any text when there is no pattern", () => {
    expect(parseVariableValue({ name: "x", message: "?", type: "text" }, "anything at all")).toBe("anything at all");
  });

  it("reads yes/no/true/false for a confirm", () => {
    expect(parseVariableValue(confirm, "yes")).toBe(true);
    expect(parseVariableValue(confirm, "TRUE")).toBe(true);
    expect(parseVariableValue(confirm, "no")).toBe(false);
    expect(parseVariableValue(confirm, "false")).toBe(false);
    expect(() => parseVariableValue(confirm, "maybe")).toThrow(new UsageError("--var ci=maybe: expected yes, no, true or false."));
  });

  it("accepts only a listed option for a select", () => {
    expect(parseVariableValue(select, "eu")).toBe("eu");
    const error = (() => {
      try {
        parseVariableValue(select, "asia");
      } catch (caught) {
        return caught as UsageError;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.exitCode).toBe(EXIT.usage);
    expect(error?.message).toBe("--var region=asia: expected one of eu, us.");
  });
});
