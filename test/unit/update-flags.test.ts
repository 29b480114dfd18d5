import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { parseUpdateFlags } from "../../src/options/update.js";

describe("parseUpdateFlags", () => {
  it("reads every flag", () => {
    expect(parseUpdateFlags(["--to", "v2", "--check", "--dry-run", "--json", "--allow-dirty", "--install", "--offline"])).toEqual({
      to: "v2",
      check: true,
      dryRun: true,
      json: true,
      sets: [],
      allowDirty: true,
      install: true,
      offline: true,
      help: false,
    });
    expect(parseUpdateFlags(["--no-install"]).install).toBe(false);
  });

  it("parses each --set as the create option it names", () => {
    const { sets } = parseUpdateFlags(["--set", "session-ttl=7200", "--set", "ttl=cache=600", "--set", "var=team=edge", "--set", "session-max-lifetime=604800"]);
    expect(sets.map((set) => set.name)).toEqual(["session-ttl", "ttl", "var", "session-max-lifetime"]);
    expect(sets[3]?.flags.sessionMaxLifetime).toBe(604800);
    expect(sets[0]?.flags.sessionTtl).toBe(7200);
    expect(sets[1]?.flags.ttls).toEqual({ cache: 600 });
    expect(sets[2]?.flags.vars).toEqual({ team: "edge" });
  });

  it.each([
    [["--set", "session-ttl=59"], /^--set session-ttl=59: must be whole seconds, at least 60/],
    [["--set", "directory=x"], /--set directory=x: give <option>=<value> with one of/],
    [["--set", "session-ttl"], /--set session-ttl: give <option>=<value>/],
    [["--set", "session-ttl=7200", "--to", "v2"], /--set and --to go in two runs/],
    [["--to", ""], /--to needs a ref or version/],
    [["my-app"], /update takes no directory \(got "my-app"\)/],
    [["--force"], /^update: unknown option --force; run create-kv-edge update --help for the list$/],
  ])("refuses %j with a usage error", (args, message) => {
    expect(() => parseUpdateFlags(args)).toThrow(UsageError);
    expect(() => parseUpdateFlags(args)).toThrow(message);
  });
});
