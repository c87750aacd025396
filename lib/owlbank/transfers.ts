/**
 * Transfers and their passkey approval, the part that touches money. A draft is stored with
 * the Verify challenge issued for it and an HMAC `digest` over its details and that challenge.
 * Executing it (after Verify approved a challenge) is one transaction: it checks the approval
 * belongs to this draft and user, that the details are the ones approved, and flips the draft
 * to executed exactly once while debiting the account, never below zero.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, gte, sql } from "drizzle-orm";
import { bankAccounts, type Transfer, transactions, transfers } from "@/db/schema/owlbank";
import { type Db, db, transaction } from "@/lib/db";
import { hmac, sameDigest } from "./keys";

/** OwlBank's per-transfer ceiling (a demo bank's daily limit). */
export const MAX_TRANSFER_CENTS = 10_000_00;

export type DraftDetails = { fromAccountId: string; payee: string; amountCents: number; memo: string };

/**
 * What the approval is bound to. Keyed by a server secret, so whoever can edit the database
 * cannot edit a draft and recompute its digest to match.
 */
export function transferDigest(t: DraftDetails & { id: string; userId: string; challengeSid: string }): string {
  return hmac("transfer-digest", JSON.stringify([t.id, t.userId, t.fromAccountId, t.payee, t.amountCents, t.memo, t.challengeSid]));
}

/** The user's account, or undefined when it is not theirs. */
export async function findOwnAccount(userId: string, accountId: string): Promise<typeof bankAccounts.$inferSelect | undefined> {
  const [account] = await db()
    .select()
    .from(bankAccounts)
    .where(and(eq(bankAccounts.id, accountId), eq(bankAccounts.userId, userId)))
    .limit(1);
  return account;
}

/** Stores a draft bound to the challenge just created for it. */
export async function saveDraft(
  userId: string,
  details: DraftDetails,
  challenge: { sid: string; expiresAt: number },
  now = Date.now(),
): Promise<Transfer> {
  const id = randomUUID();
  const row: Transfer = {
    id,
    userId,
    ...details,
    status: "draft",
    refusedReason: null,
    challengeSid: challenge.sid,
    challengeExpiresAt: challenge.expiresAt,
    digest: transferDigest({ id, userId, ...details, challengeSid: challenge.sid }),
    createdAt: now,
    executedAt: null,
  };
  await db().insert(transfers).values(row);
  return row;
}

/** One of the user's transfers. */
export async function findTransfer(userId: string, id: string): Promise<Transfer | undefined> {
  const [transfer] = await db()
    .select()
    .from(transfers)
    .where(and(eq(transfers.id, id), eq(transfers.userId, userId)))
    .limit(1);
  return transfer;
}

export type RefusalReason =
  | "challenge_mismatch"
  | "identity_mismatch"
  | "details_changed"
  | "expired"
  | "insufficient_funds"
  | "cancelled"
  | `verify_${number}`;

/** Ends a draft without moving money (only a draft: an executed transfer stays executed). */
export async function refuseDraft(userId: string, id: string, reason: RefusalReason): Promise<void> {
  await db()
    .update(transfers)
    .set({ status: "refused", refusedReason: reason })
    .where(and(eq(transfers.id, id), eq(transfers.userId, userId), eq(transfers.status, "draft")));
}

export type ExecuteResult =
  | { ok: true; transfer: Transfer; balanceCents: number }
  | { ok: false; reason: "not_found" | "already_executed" | "already_refused" | RefusalReason };

/** What a draft another request settled meanwhile now is. */
async function settled(tx: Db, id: string): Promise<ExecuteResult> {
  const [row] = await tx.select({ status: transfers.status }).from(transfers).where(eq(transfers.id, id)).limit(1);
  return { ok: false, reason: row?.status === "refused" ? "already_refused" : "already_executed" };
}

/**
 * Executes a draft that Verify approved. `approved` is what Verify answered (challenge SID and
 * identity), `verifyIdentity` the signed-in user's. Any mismatch refuses the draft for good.
 *
 * The checks read the draft, but what moves money are two guarded statements, which hold
 * under any concurrency: the flip from draft to executed (only one request can make it), and
 * the debit, which only happens while the balance covers the amount. A debit that finds no
 * such balance turns the flip into a refusal before the transaction commits.
 */
export async function executeTransfer(input: {
  userId: string;
  verifyIdentity: string;
  transferId: string;
  approved: { challengeSid: string; identity: string };
  now?: number;
}): Promise<ExecuteResult> {
  const now = input.now ?? Date.now();
  return transaction(async (tx): Promise<ExecuteResult> => {
    const [draft] = await tx
      .select()
      .from(transfers)
      .where(and(eq(transfers.id, input.transferId), eq(transfers.userId, input.userId)))
      .limit(1);
    if (!draft) return { ok: false, reason: "not_found" };
    if (draft.status === "executed") return { ok: false, reason: "already_executed" };
    if (draft.status === "refused") return { ok: false, reason: "already_refused" };

    const refuse = async (reason: RefusalReason): Promise<ExecuteResult> => {
      const refused = await tx
        .update(transfers)
        .set({ status: "refused", refusedReason: reason })
        .where(and(eq(transfers.id, draft.id), eq(transfers.status, "draft")))
        .returning({ id: transfers.id });
      return refused.length > 0 ? { ok: false, reason } : settled(tx, draft.id);
    };
    if (input.approved.challengeSid !== draft.challengeSid) return refuse("challenge_mismatch");
    if (input.approved.identity !== input.verifyIdentity) return refuse("identity_mismatch");
    if (!sameDigest(transferDigest(draft), draft.digest)) return refuse("details_changed");
    // Verify refuses a late answer itself; this guards against a clock or Service that doesn't.
    if (now >= draft.challengeExpiresAt) return refuse("expired");

    // The guard on status is what makes this exactly once, whatever ran before.
    const [flipped] = await tx
      .update(transfers)
      .set({ status: "executed", executedAt: now })
      .where(and(eq(transfers.id, draft.id), eq(transfers.status, "draft")))
      .returning();
    if (!flipped) return settled(tx, draft.id);

    const [debited] = await tx
      .update(bankAccounts)
      .set({ balanceCents: sql`${bankAccounts.balanceCents} - ${draft.amountCents}` })
      .where(
        and(
          eq(bankAccounts.id, draft.fromAccountId),
          eq(bankAccounts.userId, input.userId),
          gte(bankAccounts.balanceCents, draft.amountCents),
        ),
      )
      .returning({ balanceCents: bankAccounts.balanceCents });
    if (!debited) {
      // This transaction holds the transfer's row since the flip, so nothing else changed it.
      await tx
        .update(transfers)
        .set({ status: "refused", refusedReason: "insufficient_funds", executedAt: null })
        .where(eq(transfers.id, draft.id));
      return { ok: false, reason: "insufficient_funds" };
    }
    await tx.insert(transactions).values({
      id: randomUUID(),
      accountId: draft.fromAccountId,
      description: draft.memo ? `Transfer to ${draft.payee} · ${draft.memo}` : `Transfer to ${draft.payee}`,
      amountCents: -draft.amountCents,
      createdAt: now,
    });
    return { ok: true, transfer: flipped, balanceCents: debited.balanceCents };
  });
}
