/**
 * Exact rate limiting with a Durable Object: one object per client key, holding
 * the times of that client's recent requests (a sliding log).
 *
 * What it guarantees: in ANY `window` seconds, never more than `limit` requests of
 * one client pass, wherever in the world they arrive. A Durable Object runs one
 * call at a time and its SQLite storage is transactional, so the check-then-count
 * in `hit` cannot interleave with another request. There is no window boundary to
 * burst across (a fixed window lets up to twice the limit through around one).
 *
 * What it costs: one RPC per check (a round trip to where the object lives, which
 * is near the client's first request), up to `limit` rows read and one row written.
 * It scales with the number of clients: each client is its own object, so one busy
 * client never slows another; a single client is limited to what one object can
 * serve (about a thousand calls a second).
 */
import { DurableObject } from "cloudflare:workers";
import type { RateLimiter, RateLimitResult } from "./rate-limit";

/** The Durable Object class; wrangler.jsonc binds it and src/index.ts exports it. */
export class SlidingWindowLimiter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS hits_at ON hits (at)");
  }

  /** Counts one request if fewer than `limit` passed in the last `windowMs`; otherwise refuses it uncounted. */
  async hit(limit: number, windowMs: number): Promise<RateLimitResult> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    sql.exec("DELETE FROM hits WHERE at <= ?", now - windowMs);
    const count = sql.exec<{ count: number }>("SELECT COUNT(*) AS count FROM hits").one().count;
    if (count >= limit) {
      // A slot frees when the request that is `limit` places back leaves the window.
      const freedBy = sql.exec<{ at: number }>("SELECT at FROM hits ORDER BY at DESC LIMIT 1 OFFSET ?", limit - 1).one().at;
      const resetAt = freedBy + windowMs;
      return { allowed: false, limit, remaining: 0, resetAt, retryAfter: Math.max(1, Math.ceil((resetAt - now) / 1000)) };
    }
    sql.exec("INSERT INTO hits (at) VALUES (?)", now);
    const oldest = sql.exec<{ at: number }>("SELECT MIN(at) AS at FROM hits").one().at;
    // An idle client's object empties itself (see alarm), so clients who left cost no storage.
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.put("windowMs", windowMs);
      await this.ctx.storage.setAlarm(now + windowMs);
    }
    return { allowed: true, limit, remaining: limit - count - 1, resetAt: oldest + windowMs };
  }

  /** Forgets the client once its last request has left the window; else looks again then. */
  override async alarm(): Promise<void> {
    const windowMs = (await this.ctx.storage.get<number>("windowMs")) ?? 0;
    const newest = this.ctx.storage.sql.exec<{ at: number | null }>("SELECT MAX(at) AS at FROM hits").one().at;
    if (newest !== null && newest + windowMs > Date.now()) return this.ctx.storage.setAlarm(newest + windowMs);
    this.ctx.storage.sql.exec("DELETE FROM hits");
    await this.ctx.storage.delete("windowMs");
  }
}

/** The `RateLimiter` over the object above: `limit` requests per sliding `window` seconds per id. */
export class SlidingWindowRateLimiter implements RateLimiter {
  constructor(
    private readonly limiters: DurableObjectNamespace<SlidingWindowLimiter>,
    private readonly options: { limit: number; window: number },
  ) {}

  /** One RPC to the id's own object. `id` names the object: pass a hash, not a raw address (see clientKey). */
  check(id: string): Promise<RateLimitResult> {
    return this.limiters.getByName(id).hit(this.options.limit, this.options.window * 1000);
  }
}
