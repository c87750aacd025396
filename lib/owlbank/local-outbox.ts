/**
 * The default CodeSender: codes are made and checked here (code-store.ts), and the text
 * message is put in a local outbox table instead of a phone. Developers read it at
 * /dev/outbox or in the dev server's console; tests read the table. A production server
 * never prints it, and keeps the message itself only when codes may be shown
 * (OWLBANK_DEV_OUTBOX=1, on localhost); otherwise the table records only that a code was
 * sent, so no live code sits in the database.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { desc, gt, lte } from "drizzle-orm";
import { type CodePurpose, outbox } from "@/db/schema/owlbank";
import { db, transaction } from "@/lib/db";
import { config } from "@/lib/env";
import type { CheckResult, CodeSender, SendResult } from "./code-sender";
import { CODE_TTL_MS, checkCode, issueCode } from "./code-store";

const MINUTES = CODE_TTL_MS / 60_000;

/** The text of the message, as a customer would receive it. */
export function messageFor(purpose: CodePurpose, code: string): string {
  const what = {
    sign_up: "to confirm this number for your new account",
    recovery: "to get back into your account",
    phone_change: "to confirm your new phone number",
  }[purpose];
  return `OwlBank: ${code} is your code ${what}. It expires in ${MINUTES} minutes. We will never call you to ask for it.`;
}

/** What the outbox keeps where codes may not be shown: that a message went, never its code. */
export function redactedMessageFor(purpose: CodePurpose): string {
  return `OwlBank sent a ${purpose.replace("_", "-")} code. Its text is not kept: codes are shown only in development or with OWLBANK_DEV_OUTBOX=1.`;
}

let announced = false;

/**
 * The console is the developer's phone under `next dev`: the message is printed there, with
 * the number masked. Anywhere else (a production build, however configured) nothing secret
 * reaches a log; the console says once where messages are kept.
 */
function announce(to: string, body: string) {
  const { isDevelopment, isProduction, app, owlbank } = config();
  if (isDevelopment) {
    console.info(`[outbox] to ••• ${to.slice(-2)}: ${body}`);
    return;
  }
  if (announced || isProduction || !owlbank.devOutbox) return;
  announced = true;
  console.info(`[outbox] No SMS provider is configured: text messages are kept at ${app.url}/dev/outbox`);
}

export class LocalOutbox implements CodeSender {
  async send(to: string, purpose: CodePurpose, requester: string): Promise<SendResult> {
    const now = Date.now();
    const { code, expiresAt } = await issueCode(purpose, to, requester, now);
    const body = messageFor(purpose, code);
    const kept = config().owlbank.devOutbox ? body : redactedMessageFor(purpose);
    await transaction(async (tx) => {
      await tx.delete(outbox).where(lte(outbox.expiresAt, now));
      await tx.insert(outbox).values({ id: randomUUID(), phoneNumber: to, body: kept, createdAt: now, expiresAt });
    });
    announce(to, body);
    return { ok: true };
  }

  async check(to: string, code: string, purpose: CodePurpose, requester: string | null): Promise<CheckResult> {
    return checkCode(purpose, to, requester, code);
  }
}

export type OutboxMessage = typeof outbox.$inferSelect;

/** The newest messages still within their code's lifetime, for the development page. */
export async function recentOutboxMessages(limit = 20, now = Date.now()): Promise<OutboxMessage[]> {
  return db().select().from(outbox).where(gt(outbox.expiresAt, now)).orderBy(desc(outbox.createdAt)).limit(limit);
}
