/**
 * Rate limiting with the Workers Rate Limiting binding (`ratelimits` in wrangler.jsonc).
 *
 * What it guarantees, as Cloudflare documents it: little. The counters are kept
 * per Cloudflare location and are approximate and permissive; it is built to stop
 * abuse cheaply, not to count exactly (use the Durable Object limiter for that).
 * Its period is 10 or 60 seconds, nothing else. It tells only allowed or not:
 * no remaining count, no reset time.
 *
 * What it costs: no storage and no extra round trip worth measuring (the counter
 * lives on the machine that runs the Worker); it is not billed separately.
 */
import type { RateLimiter, RateLimitResult } from "./rate-limit";

export class BindingRateLimiter implements RateLimiter {
  constructor(
    private readonly binding: RateLimit,
    private readonly options: { limit: number; period: 10 | 60 },
  ) {}

  async check(id: string): Promise<RateLimitResult> {
    const { success } = await this.binding.limit({ key: id });
    const { limit, period } = this.options;
    // Without a reset time, a refused client is told to wait one whole period.
    return success ? { allowed: true, limit } : { allowed: false, limit, remaining: 0, retryAfter: period };
  }
}
