// The esbuild settings of dist/cli.js and its chunks, shared by scripts/build.mjs and the
// benchmark's bundle-composition report, so both measure the same bundle.
import { build } from "esbuild";
import { rm, writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

export const cliBundleOptions = {
  entryPoints: ["src/cli.ts"],
  // dist/cli.js plus chunks: what cli.ts and the commands import lazily (execa, giget,
  // the scaffolding flow) goes to chunk files beside it, so `--help` loads none of it
  // and a scaffold loads neither execa nor giget nor the Node built-ins only they use.
  // The chunks stay in dist/ itself: src/builtin-template.ts finds the template at
  // ../templates/default from src/ and dist/ alike.
  outdir: "dist",
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22.12",
  minify: true,
  legalComments: "none",
  metafile: true,
  plugins: [withoutSourceMap(), withPrecompiledTemplates()],
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


/**
 * Puts the built-in template's precompiled Handlebars templates into the bundle in
 * place of the empty src/template/precompiled.ts, so a scaffold from the built-in
 * template compiles nothing at run time. src/template/precompile-builtin.ts makes
 * them; it is TypeScript, so it is bundled into a temporary module and imported.
 */
export function withPrecompiledTemplates() {
  return {
    name: "precompiled-templates",
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]template[\\/]precompiled\.ts$/ }, async () => ({
        contents: await precompiledTemplatesModule(),
        loader: "js",
      }));
    },
  };
}

async function precompiledTemplatesModule() {
  // Next to package.json, so the module's imports resolve from this package's node_modules.
  const temporary = new URL("../.precompile-builtin.tmp.mjs", import.meta.url);
  await build({
    entryPoints: ["src/template/precompile-builtin.ts"],
    outfile: temporary.pathname,
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "error",
  });
  try {
    const { precompiledTemplatesModule } = await import(`${pathToFileURL(temporary.pathname).href}?${Date.now()}`);
    return await precompiledTemplatesModule(new URL("../templates/default", import.meta.url).pathname);
  } finally {
    await rm(temporary, { force: true });
  }
}
