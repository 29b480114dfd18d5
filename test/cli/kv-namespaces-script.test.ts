import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type FakeCloudflare, startFakeCloudflare } from "../support/fake-cloudflare.js";
import { repoRoot as REPO_ROOT } from "../support/cli.js";
import { filesContaining, type KvProject, makeKvProject, REALISTIC_CONFIG, wranglerEnv } from "../support/kv-project.js";

// Runs templates/default/scripts/kv-namespaces.mjs, the real one, with the real
// wrangler of this repo, against a fake Cloudflare API on 127.0.0.1.

const SCRIPT_TIMEOUT_MS = 240_000;
const { setBindingField, parseJsonc, parseNamespaceList, parseCreatedId, autoProvisionedTitle, listNamespaces } = (await import(
  "../../templates/default/scripts/kv-namespaces.mjs" as string
)) as {
  autoProvisionedTitle(worker: string, binding: string): string;
  listNamespaces(config: unknown): { title: string }[];
  parseJsonc(text: string): any;
  parseNamespaceList(stdout: string): Map<string, string> | undefined;
  parseCreatedId(stdout: string): string | undefined;
  setBindingField(text: string, env: string | null, binding: string, field: string, value: string): string;
};

/** wrangler deploy's titles: "<worker>-<binding, lower-cased, _ as ->", the worker of env.<e> being "<name>-<e>". */
const REALISTIC_TITLES = [
  "shop-api-cache",
  "shop-api-sessions",
  "shop-api-flags",
  "shop-api-staging-cache",
  "shop-api-staging-sessions",
  "shop-api-production-cache",
  "shop-api-production-sessions",
].flatMap((title) => [title, `${title}_preview`]);

const ONE_BINDING = `{
  // the smallest project: one binding
  "name": "tiny",
  "main": "src/index.ts",
  "compatibility_date": "2026-11-02",
  "kv_namespaces": [{ "binding": "CACHE" }]
}
`;

async function runScript(project: KvProject, env: Record<string, string>, args: string[] = []) {
  const result = await execa(process.execPath, ["scripts/kv-namespaces.mjs", ...args], {
    cwd: project.dir,
    env,
    extendEnv: false,
    stdin: "ignore",
    all: true,
    reject: false,
    timeout: SCRIPT_TIMEOUT_MS,
  });
  return { exitCode: result.exitCode, output: result.all ?? "" };
}

/** binding entries of wrangler.jsonc, keyed "<env or top>.<BINDING>". */
function bindingsOf(text: string): Map<string, { id?: string; preview_id?: string }> {
  const config = parseJsonc(text);
  const sections: [string, any][] = [["top", config], ...Object.entries<any>(config.env ?? {})];
  const map = new Map<string, { id?: string; preview_id?: string }>();
  for (const [name, section] of sections) {
    for (const entry of section.kv_namespaces ?? []) map.set(`${name}.${entry.binding}`, entry);
  }
  return map;
}

function idOfTitle(fake: FakeCloudflare, title: string): string | undefined {
  return fake.namespaces.find((namespace) => namespace.title === title)?.id;
}

function expectNoToken(project: KvProject, token: string, output: string) {
  expect(output).not.toContain(token);
  expect(filesContaining(project.dir, token)).toEqual([]);
  expect(filesContaining(project.home, token)).toEqual([]);
}

describe("a project with three bindings and two environments", () => {
  let fake: FakeCloudflare;
  let project: KvProject;
  let first: { exitCode: number | undefined; output: string };

  beforeAll(async () => {
    fake = await startFakeCloudflare();
    project = makeKvProject(REALISTIC_CONFIG);
    first = await runScript(project, wranglerEnv(project, fake));
  }, SCRIPT_TIMEOUT_MS);

  afterAll(async () => {
    await fake.stop();
    project.remove();
  });

  test("creates a production and a preview namespace per binding, titled as wrangler deploy titles them", () => {
    expect(first.exitCode, first.output).toBe(0);
    expect(fake.namespaces.map((namespace) => namespace.title).sort()).toEqual([...REALISTIC_TITLES].sort());
    for (const title of REALISTIC_TITLES) {
      expect(first.output).toContain(`created  ${title} ${idOfTitle(fake, title)}`);
    }
  });

  test("writes every id and preview_id into wrangler.jsonc", () => {
    const bindings = bindingsOf(project.readConfig());
    expect([...bindings.keys()].sort()).toEqual(
      ["top.CACHE", "top.SESSIONS", "top.FLAGS", "staging.CACHE", "staging.SESSIONS", "production.CACHE", "production.SESSIONS"].sort(),
    );
    for (const [key, entry] of bindings) {
      const [section, binding] = key.split(".");
      const base = section === "top" ? `shop-api-${binding!.toLowerCase()}` : `shop-api-${section}-${binding!.toLowerCase()}`;
      expect(entry.id, key).toBe(idOfTitle(fake, base));
      expect(entry.preview_id, key).toBe(idOfTitle(fake, `${base}_preview`));
    }
  });

  test("keeps comments, trailing commas and layout: only id lines are added", () => {
    const before = REALISTIC_CONFIG.split("\n");
    const after = project.readConfig().split("\n");
    // Every original line is still there, in order, apart from the commas added after
    // a last property and the one-line entries that gained their ids inline.
    const normalise = (line: string) => line.replace(/,?\s*(\/\/.*)?$/, "").replace(/, "(preview_)?id": "[0-9a-f]+"/g, "");
    const kept = after.map(normalise);
    let cursor = 0;
    for (const line of before.map(normalise)) {
      cursor = kept.indexOf(line, cursor);
      expect(cursor, `line lost: ${line}`).toBeGreaterThanOrEqual(0);
    }
    expect(project.readConfig()).toContain("// keyed by SHA-256 of the token");
    expect(project.readConfig()).toContain('This comment mentions { "binding": "CACHE" } to make sure');
    expect(project.readConfig()).toContain("/* production repeats its bindings: KV bindings are not inherited */");
    const sessions = idOfTitle(fake, "shop-api-sessions");
    expect(project.readConfig()).toContain(
      `      "binding": "SESSIONS", // keyed by SHA-256 of the token\n      "id": "${sessions}",\n`,
    );
  });

  test("wrangler deploy --dry-run accepts the edited config, top level and each env", async () => {
    const outdir = mkdtempSync(join(tmpdir(), "kv-namespaces-out-"));
    try {
      for (const envArgs of [[], ["--env", "staging"], ["--env", "production"]]) {
        const result = await execa(
          process.execPath,
          ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", outdir, ...envArgs],
          { cwd: project.dir, env: wranglerEnv(project, fake), extendEnv: false, stdin: "ignore", all: true, reject: false },
        );
        expect(result.exitCode, result.all).toBe(0);
        // The dry run lists the bound namespaces with their ids.
        const section = envArgs[1] ?? "top";
        const cacheTitle = section === "top" ? "shop-api-cache" : `shop-api-${section}-cache`;
        expect(result.all).toContain(idOfTitle(fake, cacheTitle));
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, SCRIPT_TIMEOUT_MS);

  test("a second run on the original config adopts every title: no new namespace, same ids", async () => {
    const again = makeKvProject(REALISTIC_CONFIG);
    try {
      const posts = () => fake.requests.filter((request) => request.method === "POST").length;
      const postsBefore = posts();
      const second = await runScript(again, wranglerEnv(again, fake));
      expect(second.exitCode, second.output).toBe(0);
      expect(posts()).toBe(postsBefore);
      expect(fake.namespaces).toHaveLength(REALISTIC_TITLES.length);
      for (const title of REALISTIC_TITLES) expect(second.output).toContain(`adopted  ${title}`);
      expect(again.readConfig()).toBe(project.readConfig());
    } finally {
      again.remove();
    }
  }, SCRIPT_TIMEOUT_MS);

  test("a run on a config that has its ids calls no wrangler and changes nothing", async () => {
    const before = project.readConfig();
    const requestsBefore = fake.requests.length;
    const third = await runScript(project, wranglerEnv(project, fake));
    expect(third.exitCode, third.output).toBe(0);
    expect(fake.requests.length).toBe(requestsBefore);
    expect(third.output.match(/^kept /gm)).toHaveLength(REALISTIC_TITLES.length);
    expect(project.readConfig()).toBe(before);
    expectNoToken(project, fake.token, first.output + third.output);
  }, SCRIPT_TIMEOUT_MS);
});

describe("namespaces wrangler deploy already created", () => {
  test("the titles are the ones this repository's wrangler gives an id-less binding on deploy", async () => {
    // wrangler's own function, taken from its bundle: if wrangler renames it or changes
    // its rule, this fails and the script must follow.
    const bundle = await readFile(join(REPO_ROOT, "node_modules", "wrangler", "wrangler-dist", "cli.js"), "utf8");
    const body = /function autoProvisionedResourceName\(scriptName, bindingName\) \{\s*(return [^\n]+)\s*\}/.exec(bundle)?.[1];
    expect(body, "autoProvisionedResourceName not found in wrangler's bundle").toBeDefined();
    const wranglersTitle = new Function("scriptName", "bindingName", body!) as (worker: string, binding: string) => string;
    for (const [worker, binding] of [["shop-api", "CACHE"], ["shop-api-staging", "SESSION_DATA"], ["x", "A_B_C"]] as const) {
      expect(autoProvisionedTitle(worker, binding)).toBe(wranglersTitle(worker, binding));
    }
  });

  test("deploy first, script later: the deployed namespaces (top level and env) are adopted, not duplicated", async () => {
    const fake = await startFakeCloudflare();
    const project = makeKvProject(REALISTIC_CONFIG);
    try {
      // What `wrangler deploy` and `wrangler deploy --env staging` created for the
      // id-less CACHE bindings, with the data in them.
      fake.seed(["shop-api-cache", "shop-api-staging-cache"]);
      const deployed = { top: idOfTitle(fake, "shop-api-cache"), staging: idOfTitle(fake, "shop-api-staging-cache") };
      const result = await runScript(project, wranglerEnv(project, fake));
      expect(result.exitCode, result.output).toBe(0);
      expect(result.output).toContain(`adopted  shop-api-cache ${deployed.top}`);
      expect(result.output).toContain(`adopted  shop-api-staging-cache ${deployed.staging}`);
      const bindings = bindingsOf(project.readConfig());
      expect(bindings.get("top.CACHE")?.id).toBe(deployed.top);
      expect(bindings.get("staging.CACHE")?.id).toBe(deployed.staging);
      // One namespace per binding, environment and field: nothing created twice.
      const titles = fake.namespaces.map((namespace) => namespace.title);
      expect(titles.sort()).toEqual([...REALISTIC_TITLES].sort());
    } finally {
      await fake.stop();
      project.remove();
    }
  }, SCRIPT_TIMEOUT_MS);

  test("script first: every binding has its id, so a later deploy has nothing to provision", async () => {
    const fake = await startFakeCloudflare();
    const project = makeKvProject(REALISTIC_CONFIG);
    try {
      const result = await runScript(project, wranglerEnv(project, fake));
      expect(result.exitCode, result.output).toBe(0);
      // wrangler deploy provisions only bindings without an id.
      for (const [key, entry] of bindingsOf(project.readConfig())) expect(entry.id, key).toMatch(/^[0-9a-f]{32}$/);
      expect(fake.namespaces).toHaveLength(REALISTIC_TITLES.length);
    } finally {
      await fake.stop();
      project.remove();
    }
  }, SCRIPT_TIMEOUT_MS);

  test("an environment with its own Worker name is titled after that name", () => {
    const namespaces = listNamespaces({
      name: "shop-api",
      kv_namespaces: [{ binding: "CACHE" }],
      env: { eu: { name: "shop-eu", kv_namespaces: [{ binding: "SESSION_DATA" }] } },
    });
    expect(namespaces.map((namespace) => namespace.title)).toEqual([
      "shop-api-cache",
      "shop-api-cache_preview",
      "shop-eu-session-data",
      "shop-eu-session-data_preview",
    ]);
  });
});

describe("without CLOUDFLARE_ACCOUNT_ID", () => {
  test("wrangler looks the account up through /accounts and /memberships, then creates", async () => {
    const fake = await startFakeCloudflare();
    const project = makeKvProject(ONE_BINDING);
    try {
      const result = await runScript(project, wranglerEnv(project, fake, { withAccountId: false }));
      expect(result.exitCode, result.output).toBe(0);
      const paths = fake.requests.map((request) => `${request.method} ${request.path}`);
      expect(paths).toContain("GET /accounts");
      expect(paths).toContain("GET /memberships");
      const entry = bindingsOf(project.readConfig()).get("top.CACHE");
      expect(entry?.id).toBe(idOfTitle(fake, "tiny-cache"));
      expect(entry?.preview_id).toBe(idOfTitle(fake, "tiny-cache_preview"));
      expectNoToken(project, fake.token, result.output);
    } finally {
      await fake.stop();
      project.remove();
    }
  }, SCRIPT_TIMEOUT_MS);
});

describe("when the namespaces cannot be created", () => {
  /** Runs the script against a failing fake and checks what every failure must do. */
  async function expectCleanFailure(
    prepare: (fake: FakeCloudflare) => Promise<void> | void,
    args: string[] = [],
  ): Promise<string> {
    const fake = await startFakeCloudflare();
    const project = makeKvProject(ONE_BINDING);
    try {
      await prepare(fake);
      const result = await runScript(project, wranglerEnv(project, fake), args);
      expect(result.exitCode, result.output).toBe(1);
      expect(project.readConfig()).toBe(ONE_BINDING);
      expect(result.output).toContain("2 KV namespace(s) were not created");
      expect(result.output).toContain("npx wrangler kv namespace create tiny-cache   # CACHE id (top level)");
      expect(result.output).toContain("npx wrangler kv namespace create tiny-cache_preview   # CACHE preview_id (top level)");
      expectNoToken(project, fake.token, result.output);
      return result.output;
    } finally {
      await fake.stop();
      project.remove();
    }
  }

  test("a rejected token (401, code 10000)", async () => {
    const output = await expectCleanFailure((fake) => fake.setMode({ kind: "unauthorized" }));
    expect(output).toMatch(/Authentication error \[code: 10000\]/);
  }, SCRIPT_TIMEOUT_MS);

  test("the API server is down (connection refused)", async () => {
    const output = await expectCleanFailure((fake) => fake.stop());
    expect(output).toContain("could not list your namespaces");
  }, SCRIPT_TIMEOUT_MS);

  test("a server slower than the timeout", async () => {
    const output = await expectCleanFailure((fake) => fake.setMode({ kind: "slow", delayMs: 60_000 }), ["--timeout", "4"]);
    expect(output).toContain("wrangler took longer than 4 s");
  }, SCRIPT_TIMEOUT_MS);

  test("no API token in a non-interactive run", async () => {
    const fake = await startFakeCloudflare();
    const project = makeKvProject(ONE_BINDING);
    try {
      const env = wranglerEnv(project, fake);
      delete env.CLOUDFLARE_API_TOKEN;
      const result = await runScript(project, env);
      expect(result.exitCode, result.output).toBe(1);
      expect(result.output).toContain("CLOUDFLARE_API_TOKEN");
      expect(result.output).toContain("npx wrangler kv namespace create tiny-cache_preview");
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.stop();
      project.remove();
    }
  }, SCRIPT_TIMEOUT_MS);
});

describe("stopped while wrangler waits for the API", () => {
  /** Processes of a group that are still running (a killed child whose parent is gone can stay a zombie). */
  const runningIn = async (group: number) =>
    (await execa("ps", ["-o", "stat=", "-g", String(group)], { reject: false })).stdout.split("\n").filter((stat) => stat.trim() !== "" && !stat.startsWith("Z"));

  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    test(`${signal} stops the wrangler call in flight too, exits ${code}, and leaves the config as it was`, async () => {
      const fake = await startFakeCloudflare();
      const project = makeKvProject(ONE_BINDING);
      try {
        fake.setMode({ kind: "slow", delayMs: 60_000 });
        const script = execa(process.execPath, ["scripts/kv-namespaces.mjs", "--timeout", "120"], {
          cwd: project.dir,
          env: wranglerEnv(project, fake),
          extendEnv: false,
          stdin: "ignore",
          reject: false,
          timeout: SCRIPT_TIMEOUT_MS,
        });
        // wrangler runs in a process group of its own, led by the child the script started (its
        // launcher), which starts wrangler proper: wait until both run.
        const childOfScript = async () => Number((await execa("pgrep", ["-P", String(script.pid)], { reject: false })).stdout.split("\n")[0]);
        const deadline = Date.now() + 60_000;
        let wranglerGroup = 0;
        while (Date.now() < deadline) {
          wranglerGroup = await childOfScript();
          if (wranglerGroup > 0 && (await runningIn(wranglerGroup)).length >= 2) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect((await runningIn(wranglerGroup)).length).toBeGreaterThanOrEqual(2);
        script.kill(signal);
        const result = await script;
        expect(result.exitCode).toBe(code);
        const stopDeadline = Date.now() + 5000;
        while ((await runningIn(wranglerGroup)).length > 0 && Date.now() < stopDeadline) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(await runningIn(wranglerGroup)).toEqual([]);
        expect(project.readConfig()).toBe(ONE_BINDING);
      } finally {
        await fake.stop();
        project.remove();
      }
    }, SCRIPT_TIMEOUT_MS);
  }
});

test("without the project's own wrangler it says to install, and changes nothing", async () => {
  const project = makeKvProject(ONE_BINDING, { withWrangler: false });
  try {
    const result = await runScript(project, { PATH: process.env.PATH ?? "", HOME: project.home });
    expect(result.exitCode).toBe(1);
    expect(result.output).toBe("error: This project's wrangler is not installed: run `npm install` first.");
    expect(project.readConfig()).toBe(ONE_BINDING);
  } finally {
    project.remove();
  }
});

describe("partial results", () => {
  test("a failure half-way keeps the ids already created, and a rerun completes the rest", async () => {
    const fake = await startFakeCloudflare();
    const project = makeKvProject(ONE_BINDING);
    try {
      fake.setMode({ kind: "creates-fail-after", allowed: 1 });
      const failed = await runScript(project, wranglerEnv(project, fake));
      expect(failed.exitCode, failed.output).toBe(1);
      const afterFailure = bindingsOf(project.readConfig()).get("top.CACHE");
      expect(afterFailure?.id).toBe(idOfTitle(fake, "tiny-cache"));
      expect(afterFailure?.preview_id).toBeUndefined();
      expect(failed.output).toContain("1 KV namespace(s) were not created");
      expect(failed.output).toContain("npx wrangler kv namespace create tiny-cache_preview");
      expect(failed.output).not.toContain("npx wrangler kv namespace create tiny-cache ");

      fake.setMode({ kind: "ok" });
      const rerun = await runScript(project, wranglerEnv(project, fake));
      expect(rerun.exitCode, rerun.output).toBe(0);
      expect(rerun.output).toContain("kept     tiny-cache ");
      const entry = bindingsOf(project.readConfig()).get("top.CACHE");
      expect(entry?.id).toBe(afterFailure?.id);
      expect(entry?.preview_id).toBe(idOfTitle(fake, "tiny-cache_preview"));
    } finally {
      await fake.stop();
      project.remove();
    }
  }, SCRIPT_TIMEOUT_MS);

  test("an existing title past wrangler's first page of 1000 is found and adopted", async () => {
    const fake = await startFakeCloudflare();
    const project = makeKvProject(ONE_BINDING);
    try {
      // Titles sorting before "tiny-..." fill the first page.
      fake.seed(Array.from({ length: 1000 }, (_, index) => `other-${String(index).padStart(4, "0")}`));
      fake.seed(["tiny-cache", "tiny-cache_preview"]);
      const result = await runScript(project, wranglerEnv(project, fake));
      expect(result.exitCode, result.output).toBe(0);
      expect(fake.requests.some((request) => request.query.page === "2")).toBe(true);
      expect(fake.requests.filter((request) => request.method === "POST")).toEqual([]);
      expect(result.output).toContain(`adopted  tiny-cache ${idOfTitle(fake, "tiny-cache")}`);
      expect(bindingsOf(project.readConfig()).get("top.CACHE")?.preview_id).toBe(idOfTitle(fake, "tiny-cache_preview"));
    } finally {
      await fake.stop();
      project.remove();
    }
  }, SCRIPT_TIMEOUT_MS);
});

describe("reading wrangler's output", () => {
  // As printed by wrangler 4.156.2 when its config check found something to warn
  // about: the update notice came first on stdout (it can also come after the list).
  const LIST_WITH_NOTICE = [
    "There is a newer version of Wrangler available (current: 4.156.2, latest: 4.164.0). Try upgrading, as it might support this configuration option.",
    "[",
    "  {",
    '    "id": "fa01b1a2ff9405d350f8dc4f21cf7793",',
    '    "title": "[x] odd title",',
    '    "supports_url_encoding": true',
    "  }",
    "]",
    "",
  ].join("\n");

  test("the namespace list is found among other lines, before or after it", () => {
    const expected = new Map([["[x] odd title", "fa01b1a2ff9405d350f8dc4f21cf7793"]]);
    expect(parseNamespaceList(LIST_WITH_NOTICE)).toEqual(expected);
    expect(parseNamespaceList(`${LIST_WITH_NOTICE}A notice [printed] later\n`)).toEqual(expected);
    expect(parseNamespaceList("[]\n")).toEqual(new Map());
    expect(parseNamespaceList("no list here")).toBeUndefined();
  });

  test("the id of a created namespace comes from wrangler's config snippet", () => {
    const created = [
      "Resource location: remote ",
      "",
      '🌀 Creating namespace with title "tiny-cache"',
      "✨ Success!",
      "To access your new KV Namespace in your Worker, add the following snippet to your configuration file:",
      '{\n  "kv_namespaces": [\n    {\n      "binding": "tiny_CACHE",\n      "id": "56b7f7a070295e7d7b66a20b8dcb357e"\n    }\n  ]\n}',
    ].join("\n");
    expect(parseCreatedId(created)).toBe("56b7f7a070295e7d7b66a20b8dcb357e");
    expect(parseCreatedId('🌀 Creating namespace with title "tiny-cache"')).toBeUndefined();
  });
});

describe("setBindingField edits only the one entry", () => {
  test("replaces an existing id in place", () => {
    const text = '{ "kv_namespaces": [ { "binding": "A", "id": "old" /* keep */ } ] }';
    expect(setBindingField(text, null, "A", "id", "new")).toBe(
      '{ "kv_namespaces": [ { "binding": "A", "id": "new" /* keep */ } ] }',
    );
  });

  test("finds the entry of the right environment, not the top-level one of the same name", () => {
    const text = '{ "kv_namespaces": [{ "binding": "A" }], "env": { "dev": { "kv_namespaces": [{ "binding": "A" }] } } }';
    expect(setBindingField(text, "dev", "A", "id", "x")).toBe(
      '{ "kv_namespaces": [{ "binding": "A" }], "env": { "dev": { "kv_namespaces": [{ "binding": "A", "id": "x" }] } } }',
    );
  });

  test("adds a line with the entry's indentation, tabs included", () => {
    const text = '{\n\t"kv_namespaces": [\n\t\t{\n\t\t\t"binding": "A"\n\t\t}\n\t]\n}\n';
    expect(setBindingField(text, null, "A", "preview_id", "p")).toBe(
      '{\n\t"kv_namespaces": [\n\t\t{\n\t\t\t"binding": "A",\n\t\t\t"preview_id": "p"\n\t\t}\n\t]\n}\n',
    );
  });

  test("keeps Windows line endings", () => {
    const text = '{\r\n  "kv_namespaces": [\r\n    {\r\n      "binding": "A", // note\r\n    }\r\n  ]\r\n}\r\n';
    expect(setBindingField(text, null, "A", "id", "x")).toBe(
      '{\r\n  "kv_namespaces": [\r\n    {\r\n      "binding": "A", // note\r\n      "id": "x",\r\n    }\r\n  ]\r\n}\r\n',
    );
  });

  test("names the binding it could not find", () => {
    expect(() => setBindingField('{ "kv_namespaces": [] }', "prod", "A", "id", "x")).toThrow(
      'no kv_namespaces entry "A" in env.prod',
    );
  });
});
