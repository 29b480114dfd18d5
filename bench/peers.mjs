// The published scaffolders we measure ourselves against: the one place their
// versions and command lines are pinned. Update a version here and check its flags
// (`node <bin> --help`) in the same change.

export const PEERS = [
  {
    name: "create-vite",
    version: "9.3.0",
    // Plain vanilla TypeScript, no prompts, no install, no dev server.
    scaffoldArgs: (dir) => [dir, "--template", "vanilla-ts", "--no-interactive", "--no-immediate"],
  },
  {
    name: "create-cloudflare",
    version: "2.74.0",
    // The hello-world Worker in TypeScript; c3 installs its dependencies itself.
    // --no-auto-update keeps it from re-running a newer c3 than the pinned one.
    toTestsArgs: (dir) => [
      dir,
      "--type",
      "hello-world",
      "--lang",
      "ts",
      "-y",
      "--no-git",
      "--no-deploy",
      "--no-auto-update",
    ],
  },
  {
    name: "create-hono",
    version: "0.19.5",
  },
];

/** Our own CLI: run from this checkout after `npm run build`. */
export const OURS = {
  name: "create-kv-edge",
  // Every feature is the default under --yes.
  scaffoldArgs: (dir) => [dir, "--yes", "--no-install", "--no-git"],
  toTestsArgs: (dir) => [dir, "--yes", "--no-git", "--pm", "npm"],
};
