import path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { parseFlags } from "../../src/options/parse.js";
import {
  isInteractive,
  missingAnswers,
  noQuestionsReason,
  packageManagerFromUserAgent,
  resolveOptions,
} from "../../src/options/resolve.js";
import { toProjectName } from "../../src/options/validate.js";

const cwd = "/work/here";
const resolve = (argv: string[], answers = {}) => resolveOptions(parseFlags(argv), answers, { cwd });

describe("resolveOptions", () => {
  it("gives every feature its default binding and TTL", () => {
    const options = resolve(["app", "--yes"]);
    expect(options.targetDir).toBe(path.resolve(cwd, "app"));
    expect(options.namespaces).toEqual([
      { binding: "CACHE", feature: "cache", ttl: 300 },
      { binding: "SESSIONS", feature: "sessions", ttl: 86400 },
      { binding: "FLAGS", feature: "flags", ttl: 0 },
      { binding: "CONFIG", feature: "config", ttl: 0 },
      // No namespace for ratelimit (a Durable Object counts) or counters (a Durable Object).
      { binding: "PREFS", feature: "prefs", ttl: 0 },
    ]);
    expect(options).toMatchObject({
      session: { ttl: 86400, refreshThreshold: 3600, maxLifetime: 2592000 },
      rateLimit: { limit: 100, window: 60 },
      rateLimitBackend: "durable-object",
      cachePattern: "stale-while-revalidate",
      envs: [],
      install: true,
      git: true,
      createNamespaces: false,
      packageManager: "npm",
    });
  });

  it("keeps only the chosen features, then the extra namespaces", () => {
    const options = resolve(["app", "--features", "prefs,cache", "--binding", "cache=EDGE_CACHE", "--ttl", "prefs=3600", "--namespace", "AUDIT=600"]);
    expect(options.namespaces).toEqual([
      { binding: "EDGE_CACHE", feature: "cache", ttl: 300 },
      { binding: "PREFS", feature: "prefs", ttl: 3600 },
      { binding: "AUDIT", feature: null, ttl: 600 },
    ]);
  });

  it("derives the sessions and rate-limit TTLs from their own settings", () => {
    const options = resolve(["app", "--session-ttl", "7200", "--rate-limit", "10/600", "--rate-limit-backend", "kv"]);
    expect(options.namespaces[1]).toEqual({ binding: "SESSIONS", feature: "sessions", ttl: 7200 });
    expect(options.namespaces[4]).toEqual({ binding: "RATE_LIMITS", feature: "ratelimit", ttl: 600 });
    // A window under KV's 60 s minimum still gives counters a TTL KV accepts.
    expect(resolve(["app", "--rate-limit", "5/10", "--rate-limit-backend", "kv"]).namespaces[4]?.ttl).toBe(60);
  });

  it("refuses a rate limit the chosen backend cannot enforce, naming the backend that can", () => {
    expect(resolve(["app", "--features", "flags"]).documentWrites).toBe("durable-object");
    expect(resolve(["app", "--features", "config", "--document-writes", "kv"]).documentWrites).toBe("kv");
    expect(() => resolve(["app", "--document-writes", "sometimes"])).toThrow(/--document-writes sometimes: unknown document-writes mode; choose one of durable-object, kv/);
    expect(() => resolve(["app", "--rate-limit", "100/30", "--rate-limit-backend", "binding"])).toThrow(
      /--rate-limit 100\/30 with --rate-limit-backend binding: .*windows of 10 or 60 seconds.*--rate-limit-backend durable-object/,
    );
    expect(() => resolve(["app", "--rate-limit", "100/60", "--rate-limit-backend", "kv"])).toThrow(
      /--rate-limit 100\/60 with --rate-limit-backend kv: KV takes one write per second per key.*--rate-limit-backend durable-object/,
    );
    for (const argv of [["--rate-limit", "100/10", "--rate-limit-backend", "binding"], ["--rate-limit", "60/60", "--rate-limit-backend", "kv"], ["--rate-limit", "1000/7"]]) {
      expect(resolve(["app", ...argv]).rateLimit).toBeDefined();
    }
    // Without the ratelimit feature the backend counts nothing, so nothing is refused.
    expect(resolve(["app", "--features", "cache", "--rate-limit", "100/30", "--rate-limit-backend", "binding"]).features).toEqual(["cache"]);
  });

  it("refuses a KV binding name that a Durable Object or the Rate Limiting binding already uses", () => {
    expect(() => resolve(["app", "--namespace", "COUNTERS"])).toThrow(/binding COUNTERS is used by both the CounterObject Durable Object and --namespace/);
    expect(() => resolve(["app", "--rate-limit-backend", "binding", "--binding", "cache=RATE_LIMITER"])).toThrow(
      /binding RATE_LIMITER is used by both the Rate Limiting binding and the cache namespace/,
    );
  });

  it("refuses --binding and --ttl for counters, which has no KV namespace", () => {
    expect(() => resolve(["app", "--binding", "counters=C"])).toThrow(/--binding counters=C: the counters feature keeps no KV namespace/);
    expect(() => resolve(["app", "--binding", "ratelimit=R"])).toThrow(/the durable-object rate-limit backend keeps no KV namespace \(only --rate-limit-backend kv does\)/);
    expect(() => resolve(["app", "--ttl", "counters=600"])).toThrow(/counters and locks live in a Durable Object/);
  });

  it("refuses --ttl and --binding for a feature that was not chosen", () => {
    expect(() => resolve(["app", "--features", "cache", "--ttl", "prefs=3600"])).toThrow(
      /--ttl prefs=3600: the prefs feature is not chosen \(features: cache\)/,
    );
    expect(() => resolve(["app", "--features", "cache", "--binding", "sessions=AUTH"])).toThrow(
      /--binding sessions=AUTH: the sessions feature is not chosen/,
    );
  });

  it("refuses a cache that never expires with a pattern that needs stale entries", () => {
    expect(() => resolve(["app", "--ttl", "cache=0"])).toThrow(
      /--ttl cache=0 with --cache-pattern stale-while-revalidate: a cache entry that never expires is never stale/,
    );
    expect(() => resolve(["app", "--ttl", "cache=0", "--cache-pattern", "refresh-ahead"])).toThrow(UsageError);
    expect(resolve(["app", "--ttl", "cache=0", "--cache-pattern", "cache-aside"]).namespaces[0]?.ttl).toBe(0);
  });

  it("prefers prompt answers over nothing, and flags stay as given", () => {
    const options = resolve(["--envs", "staging"], { directory: "from-prompt", cachePattern: "cache-aside" });
    expect(options.directory).toBe("from-prompt");
    expect(options.cachePattern).toBe("cache-aside");
    expect(options.envs).toEqual(["staging"]);
  });

  it("refuses a session refresh that is not below the session TTL", () => {
    expect(() => resolve(["app", "--session-ttl", "600", "--session-refresh", "600"])).toThrow(
      /--session-refresh 600: must be less than the session TTL \(600 s\)/,
    );
    expect(() => resolve(["app", "--features", "cache", "--session-ttl", "600", "--session-refresh", "600"])).not.toThrow();
  });

  it("refuses a session max lifetime shorter than the session TTL, and defaults it to 30 days", () => {
    expect(() => resolve(["app", "--session-ttl", "7200", "--session-max-lifetime", "3600"])).toThrow(
      /--session-max-lifetime 3600: must be at least the session TTL \(7200 s\)/,
    );
    expect(resolve(["app", "--session-ttl", "7200", "--session-max-lifetime", "7200"]).session.maxLifetime).toBe(7200);
    expect(resolve(["app"]).session.maxLifetime).toBe(2592000);
  });

  it("refuses two namespaces with one binding, naming both", () => {
    const attempt = () => resolve(["app", "--binding", "cache=SHARED", "--binding", "prefs=SHARED"]);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/binding SHARED is used by both the cache namespace and the prefs namespace/);
    expect(() => resolve(["app", "--namespace", "CACHE"])).toThrow(/binding CACHE is used by both the cache namespace and --namespace/);
  });

  it("turns a directory name into a valid package and Worker name", () => {
    expect(resolve(["My Cool_App!"]).projectName).toBe("my-cool-app");
    expect(toProjectName("---")).toBe("kv-edge-app");
    expect(toProjectName("Ünïcode Dir")).toBe("unicode-dir");
    expect(toProjectName("a".repeat(100))).toHaveLength(63);
  });
});

describe("packageManagerFromUserAgent", () => {
  it.each([
    ["pnpm/9.1.0 npm/? node/v22.12.0 linux x64", "pnpm"],
    ["yarn/4.5.0 npm/? node/v22.12.0", "yarn"],
    ["bun/1.2.0 npm/? node/v22.12.0", "bun"],
    ["npm/11.19.1 node/v22.23.3", "npm"],
    [undefined, "npm"],
    ["deno/2.0", "npm"],
  ])("%s -> %s", (agent, pm) => {
    expect(packageManagerFromUserAgent(agent)).toBe(pm);
  });
});

describe("isInteractive", () => {
  it("needs both TTYs and no CI, unless a flag decides", () => {
    expect(isInteractive({}, {}, true, true)).toBe(true);
    expect(isInteractive({}, {}, false, true)).toBe(false);
    expect(isInteractive({}, {}, true, false)).toBe(false);
    expect(isInteractive({}, { CI: "true" }, true, true)).toBe(false);
    expect(isInteractive({ interactive: true }, { CI: "true" }, false, false)).toBe(true);
    expect(isInteractive({ interactive: false }, {}, true, true)).toBe(false);
    expect(isInteractive({ json: true }, {}, true, true)).toBe(false);
    expect(isInteractive({ json: true, interactive: true }, {}, true, true)).toBe(false);
  });
});

describe("noQuestionsReason", () => {
  it("names what turned the questions off", () => {
    expect(noQuestionsReason({ json: true }, { CI: "1" })).toBe("--json asks no questions");
    expect(noQuestionsReason({ interactive: false }, {})).toBe("--no-interactive asks no questions");
    expect(noQuestionsReason({}, { CI: "true" })).toBe("CI is set, so no questions are asked");
    expect(noQuestionsReason({}, {})).toBe("no terminal to ask in");
  });
});

describe("missingAnswers", () => {
  it("lists the directory and --features when nobody can be asked", () => {
    expect(missingAnswers(parseFlags([]))).toEqual(["[directory]", "--features <list>"]);
    expect(missingAnswers(parseFlags(["app"]))).toEqual(["--features <list>"]);
    expect(missingAnswers(parseFlags(["app", "--features", "cache"]))).toEqual([]);
    expect(missingAnswers(parseFlags(["--yes"]))).toEqual([]);
  });
});
