/**
 * The signed-in customer's money.
 */
import "server-only";
import { asc, desc, eq } from "drizzle-orm";
import { bankAccounts, transactions } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { requireUser } from "./session";

export type Account = { id: string; name: string; last4: string; balanceCents: number };

/** The user's accounts, checking first. */
export async function getAccounts(): Promise<Account[]> {
  const user = await requireUser();
  return db()
    .select({ id: bankAccounts.id, name: bankAccounts.name, last4: bankAccounts.number, balanceCents: bankAccounts.balanceCents })
    .from(bankAccounts)
    .where(eq(bankAccounts.userId, user.id))
    .orderBy(asc(bankAccounts.name));
}

export type Activity = { id: string; accountName: string; description: string; amountCents: number; createdAt: number };

/** The user's latest transactions across all accounts, newest first. */
export async function getRecentActivity(limit = 10): Promise<Activity[]> {
  const user = await requireUser();
  return db()
    .select({
      id: transactions.id,
      accountName: bankAccounts.name,
      description: transactions.description,
      amountCents: transactions.amountCents,
      createdAt: transactions.createdAt,
    })
    .from(transactions)
    .innerJoin(bankAccounts, eq(transactions.accountId, bankAccounts.id))
    .where(eq(bankAccounts.userId, user.id))
    .orderBy(desc(transactions.createdAt))
    .limit(limit);
}
