/**
 * The built-in template's Handlebars sources, precompiled, by templateKey (render.ts).
 * Empty in the source tree: scripts/bundle-options.mjs fills it when it builds
 * dist/cli.js, so unit tests run the compile-at-run-time path and the built CLI
 * the precompiled one.
 */
export const precompiledTemplates: Record<string, TemplateSpecification> = {};
