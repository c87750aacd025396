/**
 * Money as integer cents: parsed from what a customer types, formatted only for display.
 */
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/** Integer cents to "$1,234.56"; the division happens only here, for display. */
export const formatCents = (cents: number) => usd.format(cents / 100);

/**
 * "25", "25.5", "$1,234.56" → cents, without floating point on the way (a float would make
 * 0.29 into 28 cents). Undefined for anything else, including more than two decimals.
 */
export function parseAmountToCents(input: string): number | undefined {
  const match = /^\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(input.trim());
  if (!match) return undefined;
  const dollars = Number(match[1].replaceAll(",", ""));
  const cents = Number((match[2] ?? "").padEnd(2, "0"));
  const total = dollars * 100 + cents;
  return Number.isSafeInteger(total) ? total : undefined;
}
