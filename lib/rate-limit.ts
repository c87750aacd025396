/**
 * Fixed-window rate limits kept in process memory. One process serves this app (SQLite is
 * a single-writer database anyway), so a shared store would add a dependency for nothing.
 */

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one hit for `key` and says whether it is within the limit. */
  take(key: string, now = Date.now()): Verdict {
    const window = this.current(key, now);
    window.count += 1;
    return this.verdict(window, now);
  }

  private current(key: string, now: number) {
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.windows.size > 50_000) this.sweep(now);
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    return window;
  }

  private verdict(window: { count: number; resetAt: number }, now: number): Verdict {
    return window.count <= this.limit
      ? { ok: true }
      : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
  }

  private sweep(now: number) {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

/**
 * The client address as the nearest proxy reported it. Next fills `x-forwarded-for` with the
 * socket address only when the header is absent, so behind no proxy a client can choose its
 * own address: deploy behind a proxy that overwrites the header (see SECURITY.md and docs/deploy.md).
 */
export function clientAddress(headers: Headers): string {
  return headers.get("x-forwarded-for")?.split(",")[0].trim() || "unknown";
}
