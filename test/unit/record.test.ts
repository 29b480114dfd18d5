import { describe, expect, it } from "vitest";
import { parseRecord, pickAnswers, serializeRecord, type ProjectRecord } from "../../src/project/record.js";

const RECORD: ProjectRecord = {
  format: 1,
  toolVersion: "0.1.0",
  template: { source: "git:../forks/acme#v1:kv", commit: "a".repeat(40), digest: `sha256:${"0".repeat(64)}` },
  answers: {
    projectName: "my-app",
    features: ["cache", "sessions"],
    namespaces: [
      { binding: "CACHE", feature: "cache", ttl: 300 },
      { binding: "SESSIONS", feature: "sessions", ttl: 86400 },
      { binding: "EXTRA", feature: null, ttl: 0 },
    ],
    session: { ttl: 86400, refreshThreshold: 3600, maxLifetime: 2592000 },
    rateLimit: { limit: 100, window: 60 },
    cachePattern: "cache-aside",
    envs: ["staging"],
    packageManager: "npm",
    vars: { team: "edge", sentry: false },
  },
  toolchain: { compatibilityDate: "2026-11-02", versions: { wrangler: "4.156.2" } },
};

/** The record's text with one field replaced (dotted path), for the error cases. */
function withField(path: string, value: unknown): string {
  const data = JSON.parse(serializeRecord(RECORD));
  const keys = path.split(".");
  const last = keys.pop() as string;
  let target = data;
  for (const key of keys) target = target[key];
  if (value === undefined) delete target[last];
  else target[last] = value;
  return JSON.stringify(data);
}

describe("the project record", () => {
  it("reads back exactly what it wrote, in a stable key order", () => {
    const text = serializeRecord(RECORD);
    expect(parseRecord(text)).toEqual(RECORD);
    expect(serializeRecord(parseRecord(text))).toBe(text);
    expect(Object.keys(JSON.parse(text))).toEqual(["format", "toolVersion", "template", "answers", "toolchain"]);
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("keeps the rate-limit backend when there is one (older records have none)", () => {
    const answers = { ...RECORD.answers, rateLimitBackend: "binding" as const };
    const text = serializeRecord({ ...RECORD, answers });
    expect(parseRecord(text).answers.rateLimitBackend).toBe("binding");
    expect(parseRecord(serializeRecord(RECORD)).answers).not.toHaveProperty("rateLimitBackend");
  });

  it("keeps only the answers out of a larger options object", () => {
    const options = { ...RECORD.answers, targetDir: "/tmp/x", install: true, token: "secret" };
    const picked = pickAnswers(options);
    expect(Object.keys(picked)).not.toContain("targetDir");
    expect(JSON.stringify(picked)).not.toContain("secret");
    expect(picked).toEqual(RECORD.answers);
  });

  it.each([
    ["answers.session.ttl", "1h", /answers\.session\.ttl must be a whole number >= 60, got "1h"/],
    ["answers.session.maxLifetime", 30, /answers\.session\.maxLifetime must be a whole number >= 60, got 30/],
    ["answers.features", ["cache", "queues"], /answers\.features\[1\] must be one of cache, .*got "queues"/],
    ["answers.namespaces", [{ binding: "CACHE", feature: "cache", ttl: 30 }], /answers\.namespaces\[0\]\.ttl must be 0 .* at least 60/],
    ["answers.namespaces", [{ binding: "my-cache", feature: "cache", ttl: 300 }], /answers\.namespaces\[0\]\.binding must be a JavaScript identifier/],
    ["answers.cachePatern", "cache-aside", /answers\.cachePatern is not a known field/],
    ["answers.rateLimitBackend", "token-bucket", /answers\.rateLimitBackend must be one of durable-object, binding, kv, got "token-bucket"/],
    ["answers.vars", { team: 3 }, /answers\.vars\.team must be a string or true\/false, got 3/],
    ["template.source", "", /template\.source must be a non-empty string/],
    ["template.digest", "md5:abc", /template\.digest must be "sha256:"/],
    ["template.commit", "main", /template\.commit must be a hexadecimal commit id, got "main"/],
    ["format", 2, /format must be 1/],
    ["toolVersion", "latest", /toolVersion must be a version like 1\.2\.3/],
    ["toolchain.compatibilityDate", "soon", /toolchain\.compatibilityDate must be YYYY-MM-DD/],
    ["answers.packageManager", undefined, /answers\.packageManager must be one of npm, pnpm, yarn, bun, got nothing/],
  ])("names the field when %s is wrong", (field, value, message) => {
    expect(() => parseRecord(withField(field, value))).toThrow(new RegExp(`^\\.kv-edge\\.json: ${message.source}`));
  });

  it("gives a record written before --session-max-lifetime existed its 30-day default", () => {
    expect(parseRecord(withField("answers.session.maxLifetime", undefined)).answers.session).toEqual({
      ttl: 86400,
      refreshThreshold: 3600,
      maxLifetime: 2592000,
    });
  });

  it("requires the version of a built-in template", () => {
    const builtIn = JSON.parse(withField("template.source", "built-in"));
    delete builtIn.template.commit;
    expect(() => parseRecord(JSON.stringify(builtIn))).toThrow(/template\.version is required for the built-in template/);
    builtIn.template.version = "0.1.0";
    expect(parseRecord(JSON.stringify(builtIn)).template).toMatchObject({ source: "built-in", version: "0.1.0" });
  });

  it("says so when the file is not JSON", () => {
    expect(() => parseRecord("{ format: 1 ")).toThrow(/^\.kv-edge\.json is not valid JSON .*restore it from git/);
  });
});
