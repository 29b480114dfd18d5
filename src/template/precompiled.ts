/**
 * What the build knows about the built-in template. Empty in the source tree:
 * scripts/bundle-options.mjs fills it when it builds dist/cli.js
 * (precompile-builtin.ts), so unit tests run the compile-at-run-time path and the
 * built CLI the precompiled one.
 */

/** Our own Handlebars sources, precompiled, by templateKey (render.ts): name and length. */
export const precompiledTemplates: Record<string, TemplateSpecification> = {};

/** templateDigest (project/template-version.ts) of the built-in template, so a scaffold need not hash it. */
export const builtinTemplateDigest: string | undefined = undefined;
