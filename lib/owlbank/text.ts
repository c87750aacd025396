/**
 * Text a customer types that OwlBank stores. Control characters have no place in a name or a
 * memo, and U+0000 cannot be stored at all on PostgreSQL: refused with a readable message
 * on every engine rather than failing the save on one.
 */
import { z } from "zod";

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A trimmed, single-field text of at most `max` characters, without control characters. */
export function typedText(max: number, messages: { empty?: string } = {}) {
  const base = z.string().trim();
  return (messages.empty ? base.min(1, messages.empty) : base)
    .max(max, `Use at most ${max} characters.`)
    .refine((value) => !CONTROL.test(value), "Use letters, numbers and punctuation only.");
}
