/**
 * Transfers and their passkey approval, the part that touches money. A draft is stored with
 * the Verify challenge issued for it and an HMAC `digest` over its details and that challenge.
 * Executing it (after Verify approved a challenge) is one synchronous transaction: it checks
 * the approval belongs to this draft and user, that the details are the ones approved, and
 * flips the draft to executed exactly once while debiting the account.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, gte, sql } from "drizzle-orm";
import { bankAccounts, type Transfer, transactions, transfers } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
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
export const findOwnAccount = (userId: string, accountId: string) =>
  db()
    .select()
    .from(bankAccounts)
    .where(and(eq(bankAccounts.id, accountId), eq(bankAccounts.userId, userId)))
    .get();

/** Stores a draft bound to the challenge just created for it. */
export function saveDraft(
  userId: string,
  details: DraftDetails,
  challenge: { sid: string; expiresAt: number },
  now = Date.now(),
): Transfer {
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
  db().insert(transfers).values(row).run();
  return row;
}

/** One of the user's transfers. */
export const findTransfer = (userId: string, id: string): Transfer | undefined =>
  db()
    .select()
    .from(transfers)
    .where(and(eq(transfers.id, id), eq(transfers.userId, userId)))
    .get();

export type RefusalReason =
  | "challenge_mismatch"
  | "identity_mismatch"
  | "details_changed"
  | "expired"
  | "insufficient_funds"
  | "cancelled"
  | `verify_${number}`;

/** Ends a draft without moving money (only a draft: an executed transfer stays executed). */
export function refuseDraft(userId: string, id: string, reason: RefusalReason): void {
  db()
    .update(transfers)
    .set({ status: "refused", refusedReason: reason })
    .where(and(eq(transfers.id, id), eq(transfers.userId, userId), eq(transfers.status, "draft")))
    .run();
}

export type ExecuteResult =
  | { ok: true; transfer: Transfer; balanceCents: number }
  | { ok: false; reason: "not_found" | "already_executed" | "already_refused" | RefusalReason };

/**
 * Executes a draft that Verify approved. `approved` is what Verify answered (challenge SID and
 * identity), `verifyIdentity` the signed-in user's. Any mismatch refuses the draft for good.
 * Synchronous: better-sqlite3 transactions must not await.
 */
export function executeTransfer(input: {
  userId: string;
  verifyIdentity: string;
  transferId: string;
  approved: { challengeSid: string; identity: string };
  now?: number;
}): ExecuteResult {
  const now = input.now ?? Date.now();
  return db().transaction((tx): ExecuteResult => {
    const draft = tx
      .select()
      .from(transfers)
      .where(and(eq(transfers.id, input.transferId), eq(transfers.userId, input.userId)))
      .get();
    if (!draft) return { ok: false, reason: "not_found" };
    if (draft.status === "executed") return { ok: false, reason: "already_executed" };
    if (draft.status === "refused") return { ok: false, reason: "already_refused" };

    const refuse = (reason: RefusalReason): ExecuteResult => {
      tx.update(transfers)
        .set({ status: "refused", refusedReason: reason })
        .where(and(eq(transfers.id, draft.id), eq(transfers.status, "draft")))
        .run();
      return { ok: false, reason };
    };
    if (input.approved.challengeSid !== draft.challengeSid) return refuse("challenge_mismatch");
    if (input.approved.identity !== input.verifyIdentity) return refuse("identity_mismatch");
    if (!sameDigest(transferDigest(draft), draft.digest)) return refuse("details_changed");
    // Verify refuses a late answer itself; this guards against a clock or Service that doesn't.
    if (now >= draft.challengeExpiresAt) return refuse("expired");

    // The guard on status is what makes this exactly once, whatever ran before.
    const flipped = tx
      .update(transfers)
      .set({ status: "executed", executedAt: now })
      .where(and(eq(transfers.id, draft.id), eq(transfers.status, "draft")))
      .returning()
      .get();
    if (!flipped) return { ok: false, reason: "already_executed" };

    const debited = tx
      .update(bankAccounts)
      .set({ balanceCents: sql`${bankAccounts.balanceCents} - ${draft.amountCents}` })
      .where(
        and(
          eq(bankAccounts.id, draft.fromAccountId),
          eq(bankAccounts.userId, input.userId),
          gte(bankAccounts.balanceCents, draft.amountCents),
        ),
      )
      .returning({ balanceCents: bankAccounts.balanceCents })
      .get();
    if (!debited) {
      tx.update(transfers)
        .set({ status: "refused", refusedReason: "insufficient_funds", executedAt: null })
        .where(eq(transfers.id, draft.id))
        .run();
      return { ok: false, reason: "insufficient_funds" };
    }
    tx.insert(transactions)
      .values({
        id: randomUUID(),
        accountId: draft.fromAccountId,
        description: draft.memo ? `Transfer to ${draft.payee} · ${draft.memo}` : `Transfer to ${draft.payee}`,
        amountCents: -draft.amountCents,
        createdAt: now,
      })
      .run();
    return { ok: true, transfer: flipped, balanceCents: debited.balanceCents };
  });
}
