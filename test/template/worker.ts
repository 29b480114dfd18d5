// The Worker that the template's toolkit tests run in: it only exports the
// Durable Object classes, so wrangler.jsonc can bind them under the names a
// generated project uses (the tests call them through those bindings).
import { env } from "cloudflare:workers";
import { DocumentWriter, type Document } from "../../templates/default/src/lib/document-writer";
import { applyFlagChanges, FLAGS_KEY, type FlagChanges } from "../../templates/default/src/lib/flags";
import { productionKV } from "../../templates/default/test/support/production-kv";

export { SlidingWindowLimiter } from "../../templates/default/src/lib/rate-limit-object";
export { CounterObject } from "../../templates/default/src/lib/counters";

/**
 * A flags writer like a generated project's FlagsWriter (src/config.ts), except that it
 * publishes through the production-KV double (one write per second per key, 429
 * beyond), each object into its own corner of TEST_KV. The double's clock is Date.now,
 * which the tests move with fake timers: the objects run in the tests' isolate.
 */
export class TestFlagsWriter extends DocumentWriter<FlagChanges> {
  readonly #kv = productionKV(env.TEST_KV, { now: () => Date.now() });

  /** What a reader in another location sees once the publish has propagated. */
  async published(): Promise<unknown> {
    return this.#kv.at("reader").get(FLAGS_KEY, "json");
  }

  /** Writes the document into KV directly, as `kv:seed` does. */
  async seed(document: unknown): Promise<void> {
    await this.#kv.at("seed").put(FLAGS_KEY, JSON.stringify(document));
  }

  protected publishesTo() {
    return { namespace: this.#kv.at("writer"), key: FLAGS_KEY };
  }
  protected merge(current: Document, changes: FlagChanges) {
    return applyFlagChanges(current, changes);
  }
}

export default {
  fetch: () => new Response("The template's toolkit tests run here."),
} satisfies ExportedHandler;
