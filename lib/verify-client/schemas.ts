/**
 * What OwlBank accepts from the browser before handing it to Verify. Only the members the
 * library documents are kept (zod strips the rest), so nothing unexpected is forwarded.
 */
import { z } from "zod";

const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+={0,2}$/, "must be base64url");

const attachment = z.enum(["platform", "cross-platform"]).nullish();

/** `RegistrationResponseJSON` from `startRegistration()`, as VerifyFactor (P2) takes it. */
export const RegistrationResponseSchema = z.object({
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal("public-key"),
  authenticatorAttachment: attachment,
  response: z.object({
    clientDataJSON: base64url(8 * 1024),
    attestationObject: base64url(64 * 1024),
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
});

/** `AuthenticationResponseJSON` from `startAuthentication()`, as ApproveChallenge (P4) takes it. */
export const AuthenticationResponseSchema = z.object({
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal("public-key"),
  authenticatorAttachment: attachment,
  response: z.object({
    clientDataJSON: base64url(8 * 1024),
    authenticatorData: base64url(8 * 1024),
    signature: base64url(1024),
    userHandle: base64url(1024).nullish(),
  }),
});

export type RegistrationResponse = z.infer<typeof RegistrationResponseSchema>;
export type AuthenticationResponse = z.infer<typeof AuthenticationResponseSchema>;

/** Parses a JSON string from the browser with `schema`; undefined when it doesn't fit. */
export function parseCredentialJson<T extends z.ZodType>(schema: T, json: unknown): z.infer<T> | undefined {
  if (typeof json !== "string" || json.length > 128 * 1024) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
