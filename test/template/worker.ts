// The Worker that the template's toolkit tests run in: it only exports the
// Durable Object classes, so wrangler.jsonc can bind them under the names a
// generated project uses (the tests call them through those bindings).
export { SlidingWindowLimiter } from "../../templates/default/src/lib/rate-limit-object";
export { CounterObject } from "../../templates/default/src/lib/counters";

export default {
  fetch: () => new Response("The template's toolkit tests run here."),
} satisfies ExportedHandler;
