/**
 * The demo money every new customer starts with. Amounts are integer cents.
 */
const DAY = 24 * 60 * 60 * 1000;

export type DemoAccount = {
  name: string;
  kind: "checking" | "savings";
  transactions: { description: string; amountCents: number; daysAgo: number }[];
  /** Money that was there before the listed activity. */
  openingCents: number;
};

export const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    name: "Everyday Checking",
    kind: "checking",
    openingCents: 1_622_80,
    transactions: [
      { description: "Payroll deposit · Acme Corp", amountCents: 3_250_00, daysAgo: 3 },
      { description: "Parkside Apartments · Rent", amountCents: -1_850_00, daysAgo: 5 },
      { description: "Transfer to Savings", amountCents: -500_00, daysAgo: 4 },
      { description: "Whole Foods Market", amountCents: -84_37, daysAgo: 2 },
      { description: "Blue Bottle Coffee", amountCents: -6_25, daysAgo: 1 },
    ],
  },
  {
    name: "Savings",
    kind: "savings",
    openingCents: 12_000_00,
    transactions: [
      { description: "Interest paid", amountCents: 12_48, daysAgo: 10 },
      { description: "Transfer from Everyday Checking", amountCents: 500_00, daysAgo: 4 },
    ],
  },
];

export const balanceOf = (account: DemoAccount) =>
  account.transactions.reduce((sum, t) => sum + t.amountCents, account.openingCents);

export const timeOf = (now: number, daysAgo: number, index: number) => now - daysAgo * DAY - index * 60_000;
