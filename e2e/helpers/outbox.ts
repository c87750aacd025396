/**
 * OwlBank's local outbox stands in for customers' phones when no SMS provider is configured:
 * tests and the benchmark read the one-time codes it "sent" from the server's database.
 */
import { query, type Target } from "./database";

/** The code in the latest text message for `e164` in the outbox of the database `target`. */
export async function latestCodeIn(target: Target, e164: string): Promise<string | undefined> {
  // Newest first. `rowid` is SQLite's alone: `id` settles a tie of the same millisecond, on either engine.
  const [row] = await query<{ body: string }>(
    target,
    "SELECT body FROM owlbank_outbox WHERE phone_number = ? ORDER BY created_at DESC, id DESC LIMIT 1",
    e164,
  );
  return row && /\b(\d{6})\b/.exec(row.body)?.[1];
}
