/**
 * Credentials in our environment, and the two rules that keep them safe from the
 * programs we start (a fork's install scripts and dependencies among them):
 * - a child gets an environment without them (childEnv), except the one call
 *   that needs Cloudflare's (credentialedEnv);
 * - everything a child prints, and everything we print, has their values
 *   replaced (redact).
 */

/** Only the namespaces step (wrangler talking to the account) gets these. */
const CLOUDFLARE_CREDENTIALS = [
  "CLOUDFLARE_API_TOKEN",
  "CLOUDFLARE_API_KEY",
  "CLOUDFLARE_EMAIL",
  "CF_API_TOKEN",
  "CF_API_KEY",
  "CF_EMAIL",
];
/** No child ever needs these: we download templates ourselves. */
const OUR_CREDENTIALS = ["GIGET_AUTH"];

/** Names whose values are treated as secrets when they show up in output. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|AUTH/i;
/** Shorter values are not replaced: "1" or "true" would mangle every line. */
const MIN_SECRET_LENGTH = 8;

export const REDACTED = "***";

function withoutKeys(env: NodeJS.ProcessEnv, names: string[]): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !names.includes(name.toUpperCase())) copy[name] = value;
  }
  return copy;
}

/** The environment of every child process: ours, without any credential. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return withoutKeys(env, [...CLOUDFLARE_CREDENTIALS, ...OUR_CREDENTIALS]);
}

/** The environment of the one call that talks to the Cloudflare account. */
export function credentialedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return withoutKeys(env, OUR_CREDENTIALS);
}

/** The values to hide: every credential named above, and any TOKEN/SECRET/... variable. */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = Object.entries(env)
    .filter(([name]) => CLOUDFLARE_CREDENTIALS.includes(name) || OUR_CREDENTIALS.includes(name) || SECRET_NAME.test(name))
    .map(([, value]) => value?.trim() ?? "")
    .filter((value) => value.length >= MIN_SECRET_LENGTH);
  // Longest first, so a secret that contains another is replaced whole.
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** Text with the value of every credential in `env` replaced by ***. */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let result = text;
  for (const value of secretValues(env)) result = result.split(value).join(REDACTED);
  return result;
}
