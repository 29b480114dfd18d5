/**
 * Atomic counters and locks: what KV cannot do. A KV "increment" is a read then a
 * write, so two at once count one, and KV takes one write per second per key. A
 * Durable Object runs one call at a time over transactional storage, so here an
 * increment is exact and a lock has one holder, wherever the callers are.
 *
 * `Counters` (below) sends each name to its own object, so names scale apart:
 * one object serves about a thousand calls a second, and each call is one RPC
 * plus one row read and written. Keep what must change together under one name.
 *
 * Locks are leases: a holder that crashes loses the lock after `ttlMs`, and then
 * may still be running. Each grant carries a fencing token that only grows; pass it
 * to whatever the lock protects and have that refuse a token lower than the last
 * it accepted, so a holder whose lease ran out cannot overwrite the next one's work.
 */
import { DurableObject } from "cloudflare:workers";

export type LockResult =
  | { acquired: true; token: number; expiresAt: number }
  | { acquired: false; retryAfterMs: number };

/** The Durable Object class; wrangler.jsonc binds it and src/index.ts exports it. */
export class CounterObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY, token INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
  }

  /** Adds `by` (may be negative) and returns the new value. */
  async increment(name: string, by = 1): Promise<number> {
    return this.ctx.storage.sql
      .exec<{ value: number }>(
        "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = value + ?2 RETURNING value",
        name,
        by,
      )
      .one().value;
  }

  async get(name: string): Promise<number> {
    return this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = ?", name).toArray()[0]?.value ?? 0;
  }

  async reset(name: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM counters WHERE name = ?", name);
  }

  /** Grants the lock for `ttlMs` unless someone else holds an unexpired one. */
  async lock(name: string, ttlMs: number): Promise<LockResult> {
    const now = Date.now();
    const held = this.ctx.storage.sql
      .exec<{ token: number; expires_at: number }>("SELECT token, expires_at FROM locks WHERE name = ?", name)
      .toArray()[0];
    if (held && held.expires_at > now) return { acquired: false, retryAfterMs: held.expires_at - now };
    // The row stays after unlock and expiry, so the next token is always higher than every earlier one.
    const token = (held?.token ?? 0) + 1;
    const expiresAt = now + ttlMs;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO locks (name, token, expires_at) VALUES (?, ?, ?)", name, token, expiresAt);
    return { acquired: true, token, expiresAt };
  }

  /** Releases the lock if `token` still holds it; false when the lease expired or another holder has it. */
  async unlock(name: string, token: number): Promise<boolean> {
    const released = this.ctx.storage.sql.exec(
      "UPDATE locks SET expires_at = 0 WHERE name = ? AND token = ? AND expires_at > ?",
      name,
      token,
      Date.now(),
    );
    return released.rowsWritten > 0;
  }
}

/** The Worker's side: one object per name, so every name is counted and locked on its own. */
export class Counters {
  constructor(private readonly objects: DurableObjectNamespace<CounterObject>) {}

  increment(name: string, by = 1): Promise<number> {
    return this.#object(name).increment(name, by);
  }
  get(name: string): Promise<number> {
    return this.#object(name).get(name);
  }
  reset(name: string): Promise<void> {
    return this.#object(name).reset(name);
  }
  lock(name: string, ttlMs: number): Promise<LockResult> {
    return this.#object(name).lock(name, ttlMs);
  }
  unlock(name: string, token: number): Promise<boolean> {
    return this.#object(name).unlock(name, token);
  }

  #object(name: string) {
    return this.objects.getByName(name);
  }
}
