/**
 * Phone numbers: OwlBank's user name. Stored in E.164 and only in `owlbank_users`.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";

/**
 * Numbers typed without a country code are read as US numbers; OwlBank is a US bank.
 * Customers abroad type the leading "+".
 */
export const DEFAULT_COUNTRY = "US" as const;

/** The E.164 form of `input`, or undefined when it is not a valid phone number. */
export function toE164(input: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim(), DEFAULT_COUNTRY);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** "(415) 555-0123" for US numbers, "+44 20 7946 0958" for the rest. */
export function formatPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === DEFAULT_COUNTRY ? parsed.formatNational() : parsed.formatInternational();
}

/** A form field holding a phone number, parsed to E.164; `emptyMessage` fits the form. */
export function phoneField(emptyMessage: string) {
  return z
    .string()
    .trim()
    .min(1, emptyMessage)
    .transform((v, ctx) => {
      const e164 = toE164(v);
      if (!e164) {
        ctx.addIssue({ code: "custom", message: "Enter a valid phone number, like (415) 555-0123." });
        return z.NEVER;
      }
      return e164;
    });
}
