import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/keys";
import { clientKey, ipv6Prefix64, rateLimitHeaders } from "../../src/lib/rate-limit";

const from = (address?: string) =>
  new Request("http://example.com/", { headers: address === undefined ? {} : { "CF-Connecting-IP": address } });

describe("clientKey", () => {
  it("hashes the client address, so no raw address becomes a key or an object name", async () => {
    const key = await clientKey(from("203.0.113.7"));
    expect(key).toBe(await sha256Hex("203.0.113.7"));
    expect(key).not.toContain("203.0.113.7");
  });

  it("counts a whole IPv6 /64 as one client", async () => {
    const a = await clientKey(from("2001:db8:1:2:aaaa::1"));
    expect(await clientKey(from("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"))).toBe(a);
    expect(await clientKey(from("2001:db8:1:3::1"))).not.toBe(a);
  });

  it("treats an IPv4 address written as IPv6 as that IPv4 client", async () => {
    expect(await clientKey(from("::ffff:198.51.100.4"))).toBe(await clientKey(from("198.51.100.4")));
    expect(await clientKey(from("::ffff:198.51.100.5"))).not.toBe(await clientKey(from("198.51.100.4")));
  });

  it("counts requests without the header (local tests) as one client", async () => {
    expect(await clientKey(from())).toBe(await clientKey(from()));
  });
});

describe("ipv6Prefix64", () => {
  it("writes the first four groups out in full", () => {
    expect(ipv6Prefix64("2001:db8::1")).toBe("2001:0db8:0000:0000");
    expect(ipv6Prefix64("::1")).toBe("0000:0000:0000:0000");
    expect(ipv6Prefix64("2001:DB8:a:b:c:d:e:f")).toBe("2001:0db8:000a:000b");
    expect(ipv6Prefix64("fe80::")).toBe("fe80:0000:0000:0000");
  });
});

describe("rateLimitHeaders", () => {
  it("leaves out what the backend does not know", () => {
    expect(rateLimitHeaders({ allowed: true, limit: 10 })).toEqual({ "X-RateLimit-Limit": "10" });
    expect(rateLimitHeaders({ allowed: false, limit: 10, remaining: 0, resetAt: 61_500, retryAfter: 5 })).toEqual({
      "X-RateLimit-Limit": "10",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": "62",
      "Retry-After": "5",
    });
  });
});
