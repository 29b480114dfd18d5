import { describe, expect, it } from "vitest";
import { FEATURES, featureById, type FeatureUnit } from "../../src/features/index.js";
import { classify, importPathFrom, pasteLines, settingsAfterAdd } from "../../src/project/add-plan.js";
import type { ProjectSettings } from "../../src/template/context.js";
import { loadCompiler } from "../../src/template/render.js";

// Unit tests run src/, where nothing is precompiled: every source compiles at run time, as a fork's does.
await loadCompiler();

const bytes = (text: string) => new TextEncoder().encode(text);

describe("classify", () => {
  it("a missing file is created, an identical one left alone", () => {
    expect(classify({ path: "a", bytes: bytes("x") }, undefined).action).toBe("create");
    expect(classify({ path: "a", bytes: bytes("x") }, bytes("x")).action).toBe("unchanged");
  });

  it("a generated file is updated only while it is as generated; anything else that differs is a conflict", () => {
    const wanted = { path: "src/config.ts", bytes: bytes("new"), generated: bytes("old") };
    expect(classify(wanted, bytes("old")).action).toBe("update");
    expect(classify(wanted, bytes("old, edited"))).toMatchObject({ action: "conflict", reason: "changed since it was generated" });
    expect(classify({ path: "src/kv/keys.ts", bytes: bytes("ours") }, bytes("theirs"))).toMatchObject({
      action: "conflict",
      reason: "exists with other content",
    });
  });
});

describe("settingsAfterAdd", () => {
  it("keeps the recorded namespaces, puts the new feature in unit order, extras last", () => {
    const before: ProjectSettings = {
      projectName: "app",
      features: ["cache", "prefs"],
      namespaces: [
        { binding: "EDGE", feature: "cache", ttl: 600 },
        { binding: "PREFS", feature: "prefs", ttl: 0 },
        { binding: "AUDIT", feature: null, ttl: 60 },
      ],
      session: { ttl: 86400, refreshThreshold: 3600, maxLifetime: 2592000 },
      rateLimit: { limit: 100, window: 60 },
      rateLimitBackend: "durable-object",
      documentWrites: "durable-object",
      cachePattern: "cache-aside",
      envs: [],
      packageManager: "npm",
      vars: {},
    };
    const after = settingsAfterAdd(before, ["sessions"], [{ binding: "AUTH", feature: "sessions", ttl: 7200 }]);
    expect(after.features).toEqual(["cache", "sessions", "prefs"]);
    expect(after.namespaces.map((namespace) => namespace.binding)).toEqual(["EDGE", "AUTH", "PREFS", "AUDIT"]);
  });
});

describe("pasteLines", () => {
  const settings = {
    session: { ttl: 600, refreshThreshold: 60, maxLifetime: 3600 },
    rateLimit: { limit: 5, window: 10 },
    rateLimitBackend: "kv" as const,
    documentWrites: "durable-object" as const,
    cachePattern: "cache-aside" as const,
  };

  it("renders each unit's lines with its binding and the import path", () => {
    const [lines] = pasteLines([featureById("sessions")], [{ binding: "AUTH", feature: "sessions", ttl: 600 }], settings, "./lib/kv");
    expect(lines?.lines).toContain('import { SessionStore } from "./lib/kv/sessions";');
    expect(lines?.lines).toContain("new SessionStore(env.AUTH, { ttl: 600, refreshThreshold: 60, maxLifetime: 3600 })");
  });

  it("starts with the export line of every Durable Object class a unit declares", () => {
    // A unit with a class, as a Durable Object feature declares it.
    const withClass: FeatureUnit<"ratelimit"> = { ...featureById("ratelimit"), classes: [{ name: "Limiter", module: "lib/limiter.ts" }] } as FeatureUnit<"ratelimit">;
    const [lines] = pasteLines([withClass], [], settings, "./kv");
    expect(lines?.lines.split("\n")[0]).toBe('export { Limiter } from "./kv/limiter";');
  });

  it("every unit has lines to paste that use its binding", () => {
    for (const unit of FEATURES) {
      const [lines] = pasteLines([unit], [{ binding: "MY_NS", feature: unit.id, ttl: 60 }], settings, "./kv");
      expect(lines?.lines, unit.id).toContain("env.MY_NS");
      expect(lines?.lines, unit.id).toMatch(/from "\.\/kv\//);
    }
  });

  it("exports a Durable Object class only when the answers use it, and the limiter follows the backend", () => {
    const ratelimit = featureById("ratelimit");
    const [kv] = pasteLines([ratelimit], [{ binding: "LIMITS", feature: "ratelimit", ttl: 60 }], settings, "./kv");
    expect(kv?.lines).not.toContain("SlidingWindowLimiter");
    expect(kv?.lines).toContain("new KVRateLimiter(env.LIMITS");
    const [exact] = pasteLines([ratelimit], [], { ...settings, rateLimitBackend: "durable-object" }, "./kv");
    expect(exact?.lines.split("\n")[0]).toBe('export { SlidingWindowLimiter } from "./kv/rate-limit-object";');
    expect(exact?.lines).toContain("new SlidingWindowRateLimiter(env.RATE_LIMITER");
  });
});

describe("importPathFrom", () => {
  it("is the library folder as the entry module imports it", () => {
    expect(importPathFrom("src/index.ts", "src/kv")).toBe("./kv");
    expect(importPathFrom("src/worker/main.ts", "src/kv")).toBe("../kv");
    expect(importPathFrom("index.ts", "lib/kv")).toBe("./lib/kv");
    expect(importPathFrom(undefined, "src/kv")).toBe("./kv");
  });
});
