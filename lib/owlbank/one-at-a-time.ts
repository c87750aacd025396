/**
 * Runs work for the same key one call after another, in this process.
 *
 * Verify has no transaction that spans "list the passkeys, then delete one", so two
 * deletions sent together (two tabs) could each see two passkeys and leave none. One
 * process serves OwlBank (see lib/rate-limit.ts), so a queue per key in memory closes that
 * window; several processes would need a lock in the shared database instead.
 */
import "server-only";

const tails = new Map<string, Promise<unknown>>();

export function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  // A failure in the previous call is that caller's to handle; it must not block the queue.
  const result = previous.catch(() => undefined).then(work);
  const tail = result.catch(() => undefined);
  tails.set(key, tail);
  // Forget the key once nothing is queued behind this call, so the map stays small.
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return result;
}

/** How many keys have work queued or running (for tests). */
export const queuedKeys = () => tails.size;
