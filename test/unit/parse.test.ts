import { describe, expect, it } from "vitest";
import { EXIT, UsageError } from "../../src/errors.js";
import { parseFlags } from "../../src/options/parse.js";

function usageErrorOf(argv: string[]): UsageError {
  try {
    parseFlags(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("parseFlags", () => {
  it("reads every flag into its answer", () => {
    const flags = parseFlags([
      "my-app",
      "-y",
      "--features", "cache, sessions",
      "--ttl", "cache=300",
      "--ttl", "prefs=0",
      "--binding", "cache=MY_CACHE",
      "--namespace", "AUDIT=3600",
      "--namespace", "BLOBS",
      "--session-ttl", "7200",
      "--session-refresh", "600",
      "--session-max-lifetime", "604800",
      "--rate-limit", "5/10",
      "--cache-pattern", "refresh-ahead",
      "--envs", "staging,production",
      "--template", "./fork",
      "--var", "team=edge",
      "--pm", "pnpm",
      "--no-install",
      "--no-git",
      "--create-namespaces",
      "--overwrite",
      "--dry-run",
    ]);
    expect(flags).toMatchObject({
      directory: "my-app",
      yes: true,
      features: ["cache", "sessions"],
      ttls: { cache: 300, prefs: 0 },
      bindings: { cache: "MY_CACHE" },
      extraNamespaces: [
        { binding: "AUDIT", ttl: 3600 },
        { binding: "BLOBS", ttl: 0 },
      ],
      sessionTtl: 7200,
      sessionRefresh: 600,
      sessionMaxLifetime: 604800,
      rateLimit: { limit: 5, window: 10 },
      cachePattern: "refresh-ahead",
      envs: ["staging", "production"],
      template: "./fork",
      vars: { team: "edge" },
      packageManager: "pnpm",
      install: false,
      git: false,
      createNamespaces: true,
      overwrite: true,
      dryRun: true,
    });
  });

  it("leaves unanswered questions undefined, so prompts or defaults can answer them", () => {
    const flags = parseFlags([]);
    expect(flags.directory).toBeUndefined();
    expect(flags.features).toBeUndefined();
    expect(flags.install).toBeUndefined();
    expect(flags.yes).toBe(false);
  });

  it("ignores a standalone -- (pnpm and bun pass it through)", () => {
    const flags = parseFlags(["--", "app", "--", "--no-git"]);
    expect(flags.directory).toBe("app");
    expect(flags.git).toBe(false);
  });

  it("lets the last of --install / --no-install win", () => {
    expect(parseFlags(["--no-install", "--install"]).install).toBe(true);
  });

  const refused: [argv: string[], message: RegExp][] = [
    [["--bogus"], /unknown option --bogus/],
    [["--features"], /--features needs a value/],
    [["--yes=1"], /^--yes takes no value; give --yes alone$/],
    [["--install=no"], /^--install takes no value; use --install or --no-install$/],
    [["a", "b"], /at most one directory/],
    [["--features", "cache,nosql"], /--features nosql: unknown feature; choose one of cache, sessions/],
    [["--features", ","], /name at least one feature/],
    [["--ttl", "cache=30"], /--ttl cache=30: .*at least 60 seconds \(the KV minimum\), or 0/],
    [["--ttl", "cache=1.5"], /--ttl cache=1.5: a TTL is whole seconds/],
    [["--ttl", "cache=-60"], /--ttl cache=-60: a TTL is whole seconds/],
    [["--ttl", "cache"], /--ttl cache: expected feature=seconds/],
    [["--ttl", "kv=300"], /--ttl kv=300: unknown feature/],
    [["--ttl", "sessions=600"], /--ttl sessions=600: the sessions namespace has no TTL of its own: each session expires after --session-ttl/],
    [["--ttl", "flags=600"], /--ttl flags=600: .*one document of every flag, which must never expire/],
    [["--ttl", "config=600"], /--ttl config=600: .*must never expire/],
    [["--ttl", "ratelimit=600"], /--ttl ratelimit=600: .*set the window with --rate-limit/],
    [["--binding", "cache=my-cache"], /--binding cache=my-cache: .*UPPER_SNAKE_CASE/],
    [["--binding", "cache=1CACHE"], /UPPER_SNAKE_CASE/],
    [["--namespace", "audit"], /--namespace audit: .*UPPER_SNAKE_CASE/],
    [["--namespace", "AUDIT=10"], /--namespace AUDIT=10: .*at least 60 seconds/],
    [["--session-ttl", "abc"], /--session-ttl abc: must be whole seconds, at least 60/],
    [["--session-ttl", "59"], /--session-ttl 59: must be whole seconds, at least 60/],
    [["--session-refresh", "0"], /--session-refresh 0: must be whole seconds, at least 1/],
    [["--session-max-lifetime", "59"], /--session-max-lifetime 59: must be whole seconds, at least 60/],
    [["--session-max-lifetime", "1.5"], /--session-max-lifetime 1.5: must be whole seconds/],
    [["--rate-limit", "100"], /--rate-limit 100: a rate limit is <requests>\/<seconds>/],
    [["--rate-limit", "0/60"], /--rate-limit 0\/60: the number of requests must be at least 1/],
    [["--rate-limit", "10/0"], /--rate-limit 10\/0: the window must be at least 1 second/],
    [["--session-ttl", "2147483648"], /--session-ttl 2147483648: must be whole seconds, at least 60 and at most 34560000 \(400 days\)/],
    [["--session-refresh", "99999999999999999999"], /--session-refresh 99999999999999999999: must be whole seconds, at least 1 and at most 34560000/],
    [["--ttl", "cache=34560001"], /--ttl cache=34560001: a TTL is at most 34560000 seconds \(400 days\), or 0 for no expiry/],
    [["--namespace", "AUDIT=2147483648"], /a TTL is at most 34560000 seconds/],
    [["--rate-limit", "1001/60"], /--rate-limit 1001\/60: the number of requests must be at least 1 and at most 1000/],
    [["--rate-limit", "10/86401"], /--rate-limit 10\/86401: the window must be at least 1 second and at most 86400 \(a day\)/],
    [["--cache-pattern", "lru"], /--cache-pattern lru: unknown cache pattern; choose one of cache-aside/],
    [["--envs", "Staging"], /--envs Staging: an environment name is lowercase/],
    [["--envs", "a,a"], /--envs a,a: a is listed twice/],
    [["--pm", "deno"], /--pm deno: unknown package manager; choose one of npm, pnpm, yarn, bun/],
    [["--var", "novalue"], /--var novalue: expected name=value/],
    [["--template", ""], /--template needs a source/],
  ];
  it.each(refused)("refuses %j with exit 2 and a message naming the flag and the rule", (argv, message) => {
    const error = usageErrorOf(argv);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("\n");
  });
});
