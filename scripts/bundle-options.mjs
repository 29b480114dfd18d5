// The esbuild settings of dist/cli.js and its chunks, shared by scripts/build.mjs and the
// benchmark's bundle-composition report, so both measure the same bundle.
import { build } from "esbuild";
import { rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
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
  // Bundled CommonJS code's require() of a Node built-in is resolved by builtinsWithoutEsmFacade,
  // so the chunks need no require of their own (createRequire cost every run about 3 ms).
  plugins: [withoutSourceMap(), withPrecompiledTemplates(), builtinsWithoutEsmFacade()],
  // jsonc-parser's "main" is a UMD build that require()s its parts at run time; bundle its ES modules.
  alias: { "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
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
 * Node's built-in modules are taken with process.getBuiltinModule (Node >= 22.3), not
 * imported as ES modules. For an ES import Node builds a facade that reads every export
 * of the module once, and some exports are lazy: reading node:util's TextDecoder loads
 * Node's text encoding, diff and stream code, node:fs's ReadStream its streams (together
 * about 10 ms of a 170 ms scaffold). Here an import becomes a small module whose exports
 * are pure reads, so the bundle keeps only the reads of the names it imports; a require()
 * (in bundled CommonJS code) gets the module object itself.
 */
export function builtinsWithoutEsmFacade() {
  const names = builtinModules.map((name) => name.replace(/[/\\.]/g, "\\$&")).join("|");
  return {
    name: "builtins-without-esm-facade",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, (args) => {
        const builtin = args.path.startsWith("node:") ? args.path : `node:${args.path}`;
        // A package's ES imports stay as they are: none of those packages is on a scaffold's
        // path (execa, giget, clack load later), and the copies below would only add bytes.
        if (args.kind !== "require-call" && /[\\/]node_modules[\\/]/.test(args.importer)) return { path: builtin, external: true };
        // One module per importing file, so each lands in its importer's chunk rather than in
        // a chunk of its own (a module is known by its path: the importer is part of it).
        return {
          path: `${builtin} for ${args.importer}`,
          namespace: args.kind === "require-call" ? "node-builtin-required" : "node-builtin",
          pluginData: { builtin },
        };
      });
      build.onLoad({ filter: /.*/, namespace: "node-builtin-required" }, (args) => ({
        contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.pluginData.builtin)});`,
        loader: "js",
      }));
      build.onLoad({ filter: /.*/, namespace: "node-builtin" }, (args) => {
        const { builtin } = args.pluginData;
        // Object.keys reads the names only, not the lazy values.
        const exported = Object.keys(process.getBuiltinModule(builtin)).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== "default");
        // Locals are numbered: an export may be named like any local (node:fs exports "read").
        const reads = exported.map((name, index) => `const export${index} = /* @__PURE__ */ read(${JSON.stringify(name)});`);
        const names = exported.map((name, index) => `export${index} as ${name}`);
        return {
          contents: [
            `const builtin = process.getBuiltinModule(${JSON.stringify(builtin)});`,
            "const read = (name) => builtin[name];",
            ...reads,
            `export { builtin as default, ${names.join(", ")} };`,
          ].join("\n"),
          loader: "js",
        };
      });
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
