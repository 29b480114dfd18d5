/**
 * The generated project's pins must agree with the real packages: wrangler is the
 * exact one @cloudflare/vitest-plugin depends on (one workerd in node_modules), and
 * compatibility_date is the release date of that wrangler's workerd.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { compatibilityDate, versions } from "../../src/versions.js";

const manifestOf = async (name: string) =>
  JSON.parse(await readFile(new URL(`../../node_modules/${name}/package.json`, import.meta.url), "utf8"));

describe("pinned versions of the generated project", () => {
  it("pins wrangler to the exact version the test plugin depends on", async () => {
    const plugin = await manifestOf("@cloudflare/vitest-plugin");
    expect(plugin.version).toBe(versions.vitestPlugin);
    expect(plugin.dependencies.wrangler).toBe(versions.wrangler);
  });

  it("pins compatibility_date to the release of the workerd that wrangler ships", async () => {
    const wrangler = await manifestOf("wrangler");
    const workerdBuild = /^1\.(\d{4})(\d{2})(\d{2})\./.exec(wrangler.dependencies.workerd);
    expect(workerdBuild, wrangler.dependencies.workerd).not.toBeNull();
    expect(compatibilityDate).toBe(`${workerdBuild![1]}-${workerdBuild![2]}-${workerdBuild![3]}`);
  });

  it("pins vite (vitest's peer) and @types/node to versions vitest accepts, the vite this repository tests with", async () => {
    const vite = await manifestOf("vite");
    expect(vite.version).toBe(versions.vite);
    const vitest = await manifestOf("vitest");
    const major = (version: string) => Number(version.split(".")[0]);
    expect(vitest.peerDependencies.vite).toContain(`^${major(versions.vite)}.0.0`);
    expect(vitest.peerDependencies["@types/node"]).toContain(`^${major(versions.typesNode)}.0.0`);
  });

  it("tests the template in this repository with the same versions the project gets", () => {
    const dev = packageJson.devDependencies as Record<string, string>;
    expect(dev.wrangler).toBe(versions.wrangler);
    expect(dev["@cloudflare/vitest-plugin"]).toBe(versions.vitestPlugin);
    expect(dev.vitest).toBe(versions.vitest);
    expect(dev.typescript).toBe(versions.typescript);
  });
});
