import { describe, expect, it } from "vitest";
import { keyPart, keys } from "../../src/lib/keys";

describe("keys", () => {
  it("builds each documented key shape", () => {
    expect(keys.user("42")).toBe("user:42");
    expect(keys.session("abc")).toBe("session:abc");
    expect(keys.cache("posts", "7")).toBe("cache:posts:7");
    expect(keys.config("theme")).toBe("config:theme");
    expect(keys.flag("new-ui")).toBe("flag:new-ui");
    expect(keys.rateLimit("1.2.3.4", 29_000_000)).toBe("ratelimit:1.2.3.4:29000000");
    expect(keys.prefs("u1")).toBe("prefs:u1");
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
