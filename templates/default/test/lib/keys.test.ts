import { describe, expect, it } from "vitest";
import { keyPart, keys, sha256Hex } from "../../src/lib/keys";

describe("keys", () => {
  it("builds each documented key shape", () => {
    expect(keys.user("42")).toBe("user:42");
    expect(keys.session("abc")).toBe("session:abc");
    expect(keys.cache("posts", "7")).toBe("cache:posts:7");
    expect(keys.config("theme")).toBe("config:theme");
    expect(keys.flag("new-ui")).toBe("flag:new-ui");
    expect(keys.rateLimit("1.2.3.4", 29_000_000)).toBe("ratelimit:1.2.3.4:29000000");
    expect(keys.prefs("u1")).toBe("prefs:u1");
    expect(keys.userSession("a:b", "f00d")).toBe("user-session:a%3Ab:f00d");
  });

  it("escapes the separator so different ids never make the same key", () => {
    expect(keys.cache("a:b", "c")).not.toBe(keys.cache("a", "b:c"));
    expect(keys.cache("a:b", "c")).toBe("cache:a%3Ab:c");
    expect(keys.rateLimit("::1", 5)).toBe("ratelimit:%3A%3A1:5");
  });

  it("escapes the escape character too, so escaped and literal text stay apart", () => {
    expect(keyPart("a%3Ab")).not.toBe(keyPart("a:b"));
    expect(keyPart("100%")).toBe("100%25");
  });

  it("is one-to-one over tricky pairs", () => {
    const pairs: [string, string][] = [
      ["a:", "b"], ["a", ":b"], ["a%", "3Ab"], ["a%3A", "b"], ["", "a:b"], ["a:b", ""],
    ];
    const built = pairs.map(([resource, id]) => keys.cache(resource, id));
    expect(new Set(built).size).toBe(pairs.length);
  });
});

describe("sha256Hex", () => {
  it("matches the standard SHA-256 test vector", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
