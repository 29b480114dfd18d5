import { describe, expect, it } from "vitest";
import { systemUserError, UserError } from "../../src/errors.js";
import { childEnv, credentialedEnv, redact } from "../../src/secrets.js";
import { hasNestedQuantifier } from "../../src/template/manifest.js";

describe("credentials", () => {
  const env = { PATH: "/bin", CLOUDFLARE_API_TOKEN: "cf-secret-token-1234", GIGET_AUTH: "giget-secret-5678", NPM_TOKEN: "npm-secret-abcdefgh", DEBUG: "1" };

  it("children get none; the namespaces call gets Cloudflare's only", () => {
    expect(childEnv(env)).toEqual({ PATH: "/bin", NPM_TOKEN: "npm-secret-abcdefgh", DEBUG: "1" });
    expect(credentialedEnv(env)).toEqual({ PATH: "/bin", CLOUDFLARE_API_TOKEN: "cf-secret-token-1234", NPM_TOKEN: "npm-secret-abcdefgh", DEBUG: "1" });
  });

  it("redact replaces every credential value, and leaves short values alone", () => {
    expect(redact("a cf-secret-token-1234 b giget-secret-5678 c npm-secret-abcdefgh d 1", env)).toBe("a *** b *** c *** d 1");
  });
});

describe("hasNestedQuantifier", () => {
  it.each(["(a+)+", "(a*)*", "(\\w+\\s?)*", "((ab)+c)+", "(?:x+){2,}", "([a-z]+-?)+"])("refuses %s", (pattern) => {
    expect(hasNestedQuantifier(pattern)).toBe(true);
  });
  it.each(["[a-z-]+", "(ab)+", "(foo|bar)*", "[(a+)]+", "\\(a+\\)+", "(a+){3}", "v\\d+\\.\\d+"])("accepts %s", (pattern) => {
    expect(hasNestedQuantifier(pattern)).toBe(false);
  });
});

describe("systemUserError", () => {
  it.each(["ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS", "ENAMETOOLONG", "ENOTDIR", "EMFILE", "ENFILE", "EFBIG"])(
    "%s names the path and the code",
    (code) => {
      const error = systemUserError(Object.assign(new Error("raw"), { code, path: "/work/app/.create-kv-edge-x/files/a" }), "/work/app");
      expect(error).toBeInstanceOf(UserError);
      expect(error?.message).toContain("/work/app");
      expect(error?.message).not.toContain(".create-kv-edge-");
      expect(error?.message).toMatch(new RegExp(`\\(${code}\\)$`));
    },
  );
  it("leaves other errors to be reported as bugs", () => {
    expect(systemUserError(Object.assign(new Error("raw"), { code: "EINVAL" }))).toBeUndefined();
    expect(systemUserError(new TypeError("bug"))).toBeUndefined();
  });
});
