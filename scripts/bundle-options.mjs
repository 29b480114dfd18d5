// The esbuild settings of dist/cli.js, shared by scripts/build.mjs and the
// benchmark's bundle-composition report, so both measure the same bundle.

export const cliBundleOptions = {
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22.12",
  minify: true,
  legalComments: "none",
  metafile: true,
  plugins: [withoutSourceMap()],
  // jsonc-parser's "main" is a UMD build that require()s its parts at run time; bundle its ES modules.
  alias: { "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
  // Some bundled CommonJS code calls require() for Node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
};

/**
 * Handlebars' code generator uses the source-map package when it can load it and
 * falls back to a small built-in shim when it cannot. We never emit source maps of
 * templates, so the 26 KB package is left out.
 */
export function withoutSourceMap() {
  return {
    name: "without-source-map",
    setup(build) {
      build.onResolve({ filter: /^source-map$/ }, () => ({ path: "source-map", namespace: "empty" }));
      build.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "module.exports = {};" }));
    },
  };
}

