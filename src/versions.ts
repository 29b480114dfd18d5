/**
 * The pinned versions of the generated project's toolchain: the one place they live.
 *
 * wrangler is pinned to the exact version @cloudflare/vitest-plugin depends on, so
 * an install holds a single wrangler and a single workerd binary (about 150 MB each).
 * compatibility_date is the release date of that wrangler's workerd: workerd refuses
 * dates past its own release. test/unit/versions.test.ts checks both against the
 * packages installed in this repository.
 */
export const versions = {
  wrangler: "4.156.2",
  vitestPlugin: "1.5.0",
  vitest: "5.1.1",
  /** vitest's required peer: npm, pnpm and bun add it by themselves, yarn does not. */
  vite: "8.3.8",
  typescript: "7.0.2",
  /** Node 22 is the oldest Node wrangler runs on; `wrangler types` asks for these types. */
  typesNode: "22.20.7",
} as const;

export const compatibilityDate = "2026-11-02";
