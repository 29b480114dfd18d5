import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slowOrigin } from "../../src/routes/cache";

// The Worker runs in this isolate: its fake origin answers at once here instead of
// after 50 ms, so the tests wait for nothing (whether it was asked is in the stats).
const originDelayMs = slowOrigin.delayMs;
beforeAll(() => {
  slowOrigin.delayMs = 0;
});
afterAll(() => {
  slowOrigin.delayMs = originDelayMs;
});

interface Item {
  id: string;
  value: string;
  generatedAt: string;
}

async function getItem(id: string): Promise<Item> {
  const response = await exports.default.fetch(`http://example.com/cached/${id}`);
  expect(response.status).toBe(200);
  return response.json<Item>();
}

async function stats(): Promise<{ hits: number; misses: number }> {
  return (await exports.default.fetch("http://example.com/__kv/stats")).json();
}

describe("cached route", () => {
  it("loads from the origin once, then serves the cached copy", async () => {
    const before = await stats();
    const first = await getItem("first");
    const second = await getItem("first");
    expect(first.value).toBe("value of first");
    expect(second).toEqual(first); // same generatedAt: the origin was not asked again
    const after = await stats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(1);
  });

  it("serves the new value after a PUT", async () => {
    await getItem("changing");
    const put = await exports.default.fetch("http://example.com/cached/changing", {
      method: "PUT",
      body: JSON.stringify({ value: "new value" }),
    });
    expect(put.status).toBe(200);
    expect((await getItem("changing")).value).toBe("new value");
  });

  it("refuses a PUT without a string value", async () => {
    const put = await exports.default.fetch("http://example.com/cached/x", { method: "PUT", body: "{}" });
    expect(put.status).toBe(400);
  });

  it("answers 400 for an id too long for a KV key", async () => {
    const response = await exports.default.fetch(`http://example.com/cached/${"x".repeat(600)}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringContaining("512") });
  });

  it("keeps ids with separators apart", async () => {
    expect((await getItem(encodeURIComponent("a:b"))).id).toBe("a:b");
    expect((await getItem("a")).id).toBe("a");
  });
});
