/**
 * OwlBank's local outbox stands in for customers' phones when no SMS provider is configured:
 * tests and the benchmark read the one-time codes it "sent" from the server's database.
 */
import Database from "better-sqlite3";

/** The code in the latest text message for `e164` in the outbox of the database at `file`. */
export function latestCodeIn(file: string, e164: string): string | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  try {
    const row = db.prepare("SELECT body FROM owlbank_outbox WHERE phone_number = ? ORDER BY created_at DESC, rowid DESC LIMIT 1").get(e164) as
      | { body: string }
      | undefined;
    return row && /\b(\d{6})\b/.exec(row.body)?.[1];
  } finally {
    db.close();
  }
}
