/** The package managers a generated project can use, and how each one spells our commands. */
export const PACKAGE_MANAGERS = ["npm", "pnpm", "yarn", "bun"] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** Ready-made commands for docs and the summary, e.g. "npm run" or "pnpm exec". */
export function commandsOf(pm: PackageManager): { install: string; run: string; exec: string } {
  return {
    install: `${pm} install`,
    // Always "<pm> run": `pnpm deploy` is a pnpm command of its own, not our script.
    run: `${pm} run`,
    exec: { npm: "npx", pnpm: "pnpm exec", yarn: "yarn", bun: "bunx" }[pm],
  };
}

/** npm_config_user_agent starts with "npm/", "pnpm/", "yarn/" or "bun/". */
export function packageManagerFromUserAgent(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split("/")[0];
  return PACKAGE_MANAGERS.find((pm) => pm === name) ?? "npm";
}
