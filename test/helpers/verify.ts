/**
 * Scenario steps for Verify API tests: a Service with passkeys settings, a registered
 * passkey, a challenge. Each step asserts its own success status, so a test that uses it
 * fails at the step that broke rather than at a later, confusing assertion.
 */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { type ApiClient, type ApiResponse, api, type Form, type Json } from "./api";
import type { AssertionTamper, RegistrationJSON, RegistrationTamper, SoftwareAuthenticator } from "./authenticator";

export const RP_ID = "example.com";
export const ORIGIN = "https://example.com";

export const paths = {
  services: "/v2/Services",
  service: (sid: string) => `/v2/Services/${sid}`,
  entities: (sid: string) => `/v2/Services/${sid}/Entities`,
  entity: (sid: string, identity: string) => `/v2/Services/${sid}/Entities/${identity}`,
  factors: (sid: string, identity: string) => `/v2/Services/${sid}/Entities/${identity}/Factors`,
  factor: (sid: string, identity: string, factorSid: string) =>
    `/v2/Services/${sid}/Entities/${identity}/Factors/${factorSid}`,
  challenges: (sid: string, identity: string) => `/v2/Services/${sid}/Entities/${identity}/Challenges`,
  challenge: (sid: string, identity: string, challengeSid: string) =>
    `/v2/Services/${sid}/Entities/${identity}/Challenges/${challengeSid}`,
  passkeysFactors: (sid: string) => `/v2/Services/${sid}/Passkeys/Factors`,
  verifyFactor: (sid: string) => `/v2/Services/${sid}/Passkeys/VerifyFactor`,
  passkeysChallenges: (sid: string) => `/v2/Services/${sid}/Passkeys/Challenges`,
  approveChallenge: (sid: string) => `/v2/Services/${sid}/Passkeys/ApproveChallenge`,
};

/** A copy of `value` without the members `keys` (to send a credential that lacks some). */
export function without<T extends object>(value: T, ...keys: string[]): Partial<T> {
  const copy = { ...value } as Record<string, unknown>;
  for (const key of keys) delete copy[key];
  return copy as Partial<T>;
}

/** A fresh identity in the shape OwlBank uses (a UUID). */
export const newIdentity = () => randomUUID();

/** The passkeys settings most tests want; `overrides` replace or add form keys. */
export const passkeysServiceForm = (overrides: Form = {}): Form => ({
  FriendlyName: "OwlBank",
  "Passkeys.RelyingParty.Id": RP_ID,
  "Passkeys.RelyingParty.Name": "OwlBank",
  "Passkeys.RelyingParty.Origins": ORIGIN,
  "Passkeys.AuthenticatorAttachment": "platform",
  "Passkeys.DiscoverableCredentials": "preferred",
  "Passkeys.UserVerification": "preferred",
  ...overrides,
});

function expectStatus(res: ApiResponse, status: number, step: string) {
  expect(res.status, `${step}: ${res.text}`).toBe(status);
}

/** S1 with passkeys settings; returns the Service body. */
export async function createService(overrides: Form = {}, client: ApiClient = api) {
  const res = await client.form(paths.services, passkeysServiceForm(overrides));
  expectStatus(res, 201, "create service");
  return res.body;
}

/** P1; returns the NewFactor body (with `options`). */
export async function createFactor(serviceSid: string, body: Record<string, unknown> = {}, client: ApiClient = api) {
  const res = await client.json(paths.passkeysFactors(serviceSid), {
    friendly_name: "Ana's laptop",
    identity: newIdentity(),
    ...body,
  });
  expectStatus(res, 201, "create passkeys factor");
  return res.body;
}

export type Registered = {
  identity: string;
  /** The P1 response. */
  created: Json;
  /** The P2 response (the verified factor). */
  factor: Json;
  credentialId: string;
};

/** P1 then P2 with `authenticator`: a verified passkey for `identity`. */
export async function registerPasskey(
  serviceSid: string,
  authenticator: SoftwareAuthenticator,
  options: { identity?: string; body?: Record<string, unknown>; origin?: string; client?: ApiClient } = {},
): Promise<Registered> {
  const identity = options.identity ?? newIdentity();
  const client = options.client ?? api;
  const created = await createFactor(serviceSid, { identity, ...options.body }, client);
  const credential = await authenticator.register(created.options, { origin: options.origin ?? ORIGIN });
  const res = await client.json(paths.verifyFactor(serviceSid), credential);
  expectStatus(res, 200, "verify passkeys factor");
  return { identity, created, factor: res.body, credentialId: credential.id };
}

/** P1 and the authenticator's answer, without sending it (for P2 tests). */
export async function startRegistration(
  serviceSid: string,
  authenticator: SoftwareAuthenticator,
  options: { identity?: string; body?: Record<string, unknown>; origin?: string; tamper?: RegistrationTamper } = {},
): Promise<{ identity: string; created: Json; credential: RegistrationJSON }> {
  const identity = options.identity ?? newIdentity();
  const created = await createFactor(serviceSid, { identity, ...options.body });
  const credential = await authenticator.register(created.options, {
    origin: options.origin ?? ORIGIN,
    tamper: options.tamper,
  });
  return { identity, created, credential };
}

/** P3; returns the Challenge body (with `options`). */
export async function createChallenge(serviceSid: string, body: Record<string, unknown> = {}, client: ApiClient = api) {
  const res = await client.json(paths.passkeysChallenges(serviceSid), body);
  expectStatus(res, 201, "create passkeys challenge");
  return res.body;
}

/** P3 then the authenticator's assertion, without sending it (for P4 tests). */
export async function startSignIn(
  serviceSid: string,
  authenticator: SoftwareAuthenticator,
  options: { body?: Record<string, unknown>; origin?: string; credentialId?: string; tamper?: AssertionTamper } = {},
) {
  const challenge = await createChallenge(serviceSid, options.body ?? {});
  const assertion = await authenticator.authenticate(challenge.options, {
    origin: options.origin ?? ORIGIN,
    credentialId: options.credentialId,
    tamper: options.tamper,
  });
  return { challenge, assertion };
}

/** P4 with `assertion`. */
export const approve = (serviceSid: string, assertion: unknown, client: ApiClient = api) =>
  client.json(paths.approveChallenge(serviceSid), assertion);
