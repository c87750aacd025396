/**
 * The default CodeSender: codes are made and checked here (code-store.ts), and the text
 * message is put in a local outbox table instead of a phone. Developers read it at
 * /dev/outbox; tests read the table. Nothing secret is printed: the console only says that a
 * message is waiting.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { desc, gt, lte } from "drizzle-orm";
import { type CodePurpose, outbox } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import type { CheckResult, CodeSender, SendResult } from "./code-sender";
import { CODE_TTL_MS, checkCode, issueCode } from "./code-store";

const MINUTES = CODE_TTL_MS / 60_000;

/** The text of the message, as a customer would receive it. */
export function messageFor(purpose: CodePurpose, code: string): string {
  const what = purpose === "recovery" ? "to get back into your account" : "to confirm your new phone number";
  return `OwlBank: ${code} is your code ${what}. It expires in ${MINUTES} minutes. We will never call you to ask for it.`;
}

let announced = false;

/** Says once, in development, where messages go; never what they say or to whom. */
function announceOnce() {
  const { isProduction, app, owlbank } = config();
  if (announced || isProduction || !owlbank.devOutbox) return;
  announced = true;
  console.info(`[outbox] No SMS provider is configured: text messages are kept at ${app.url}/dev/outbox`);
}

export class LocalOutbox implements CodeSender {
  async send(to: string, purpose: CodePurpose): Promise<SendResult> {
    const now = Date.now();
    const { code, expiresAt } = issueCode(purpose, to, now);
    db().transaction((tx) => {
      tx.delete(outbox).where(lte(outbox.expiresAt, now)).run();
      tx.insert(outbox).values({ id: randomUUID(), phoneNumber: to, body: messageFor(purpose, code), createdAt: now, expiresAt }).run();
    });
    announceOnce();
    return { ok: true };
  }

  async check(to: string, code: string, purpose: CodePurpose): Promise<CheckResult> {
    return checkCode(purpose, to, code);
  }
}

export type OutboxMessage = typeof outbox.$inferSelect;

/** The newest messages still within their code's lifetime, for the development page. */
export function recentOutboxMessages(limit = 20, now = Date.now()): OutboxMessage[] {
  return db().select().from(outbox).where(gt(outbox.expiresAt, now)).orderBy(desc(outbox.createdAt)).limit(limit).all();
}
