import { defineConfig } from "vitest/config";

// Four projects: plain Node unit tests, tests that spawn the built CLI, end-to-end
// scaffolds (install + the generated project's own tests), and the template's KV
// toolkit tests running inside workerd.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { test: { name: "cli", include: ["test/cli/**/*.test.ts"], testTimeout: 60_000 } },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
      "test/template/vitest.config.ts",
    ],
  },
});
