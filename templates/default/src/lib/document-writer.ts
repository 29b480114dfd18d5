/**
 * One writer per document: every save of the flags document (or the configuration
 * document) goes through one Durable Object, which applies it and publishes the
 * result to KV. Readers are unchanged: they read KV (one read, or none from memory).
 *
 * Why: KV has no compare-and-set. A save that reads the document, changes it and
 * writes it back loses a change when two saves overlap: two admins saving within
 * KV's propagation delay (60 s or more between locations) each start from a copy
 * without the other's change, and the last write wins. KV also takes one write per
 * second per key and refuses the next with 429.
 *
 * How: the object keeps the authoritative document in its own storage, so a save
 * never starts from a stale KV copy. `update` reads it, applies the batch with the
 * feature's pure merge (`merge`) and stores the result with no `await` in between:
 * a Durable Object runs one piece of JavaScript at a time and its SQLite storage
 * answers synchronously, so no other save can run in the middle. Then it publishes
 * to KV, one put at a time so an older document never lands after a newer one. A
 * put that fails (a 429 because the last put was under a second ago, or KV being
 * down) leaves the alarm to try again; it publishes whatever is newest by then, so
 * the saves made meanwhile go out in that one put.
 *
 * Cost and ceiling: one RPC and one small storage write per save, one KV put per
 * publish. One object per document runs every save in the world one after another:
 * plenty for admin edits, never the place for per-user data (give each user an
 * object, or a key, of their own).
 *
 * An object with no document yet starts from what KV holds (a document loaded with
 * `kv:seed`, or saved before this writer existed). After that its own copy is the
 * truth: a hand edit of the KV key is overwritten by the next save.
 * It reads that copy where it runs, and KV there can be a minute (or more) behind: a
 * save made straight to KV elsewhere in that minute is missing from the copy, and the
 * object's first publish overwrites it for good. KV has no read that is sure to be
 * current, so the object cannot close that gap itself: make the first save through it
 * at least a minute after seeding, or after the last save made without it.
 */
import { DurableObject } from "cloudflare:workers";

/** How long after a failed publish the alarm tries again: KV takes one write per second per key. */
const RETRY_MS = 1000;

/** How a project saves its flags and config documents: through a writer object, or straight to KV. */
export type DocumentWrites = "durable-object" | "kv";

/** A document as KV holds it: a JSON object (null before the first save). */
export type Document = Record<string, unknown> | null;

/**
 * What a save answers: the new document, or the problems that refused it (then nothing
 * was saved). A refusal is an answer, not an exception: across RPC an error arrives as a
 * plain Error, so the store turns `refused` back into its own error class.
 */
export type SaveResult = { document: Document } | { refused: string[] };

/**
 * The writer of one document; a feature's subclass (FlagsWriter, ConfigWriter in
 * src/config.ts) says where it is published and how changes merge. Its storage holds
 * `document`, `version` (how many saves it has applied) and `published` (the version
 * KV last accepted).
 */
export abstract class DocumentWriter<Changes> extends DurableObject<Env> {
  /** Where readers find the document: the KV namespace and key this object publishes to. */
  protected abstract publishesTo(): { namespace: KVNamespace; key: string };
  /** The document after `changes`: the feature's pure merge. It throws on an invalid change: the save is refused, nothing is stored. */
  protected abstract merge(current: Document, changes: Changes): Document;

  #adopted: Promise<void> | undefined;
  #publishing: Promise<void> = Promise.resolve();

  /** Applies one batch of changes, keeps the result, publishes it; answers the new document. */
  async update(changes: Changes): Promise<SaveResult> {
    await this.#adoptOnce();
    const storage = this.ctx.storage.kv;
    // Read, merge, write: synchronous, so this save cannot interleave with another.
    let document: Document;
    try {
      document = this.merge(storage.get<Document>("document") ?? null, changes);
    } catch (error) {
      return { refused: problemsOf(error) };
    }
    storage.put("document", document);
    storage.put("version", (storage.get<number>("version") ?? 0) + 1);
    // Set before the put: if this object restarts mid-put, the alarm still publishes the save.
    await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    await this.#publish();
    return { document };
  }

  /** The document as this object holds it (what the next publish puts into KV). */
  async document(): Promise<Document> {
    await this.#adoptOnce();
    return this.ctx.storage.kv.get<Document>("document") ?? null;
  }

  /** Retries a publish that failed. */
  override async alarm(): Promise<void> {
    await this.#publish();
  }

  #publish(): Promise<void> {
    this.#publishing = this.#publishing.then(() => this.#putNewest());
    return this.#publishing;
  }

  /** Puts the newest document into KV unless an earlier put already carried it; on failure, retries from the alarm. */
  async #putNewest(): Promise<void> {
    const storage = this.ctx.storage.kv;
    const version = storage.get<number>("version") ?? 0;
    if ((storage.get<number>("published") ?? 0) >= version) return;
    const { namespace, key } = this.publishesTo();
    try {
      await namespace.put(key, JSON.stringify(storage.get("document") ?? null));
    } catch (error) {
      console.warn(`Publishing ${key} to KV failed; retrying in ${RETRY_MS} ms: ${String(error)}`);
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
      return;
    }
    storage.put("published", version);
    if (version === storage.get<number>("version")) await this.ctx.storage.deleteAlarm();
  }

  /** The first call to a new object takes the document KV holds; no other call runs until it has. */
  #adoptOnce(): Promise<void> {
    this.#adopted ??= this.ctx.blockConcurrencyWhile(async () => {
      if (this.ctx.storage.kv.get("version") !== undefined) return;
      const { namespace, key } = this.publishesTo();
      // If this read fails, the object is reset and the next call tries again.
      this.ctx.storage.kv.put("document", await namespace.get<Document>(key, "json"));
      this.ctx.storage.kv.put("version", 0);
    });
    return this.#adopted;
  }
}

/** The problems an error names: a validation error's list, else its message. */
function problemsOf(error: unknown): string[] {
  const problems = (error as { problems?: unknown } | null)?.problems;
  if (Array.isArray(problems) && problems.every((problem) => typeof problem === "string")) return problems;
  return [error instanceof Error ? error.message : String(error)];
}
