/**
 * Fixtures for the /v2 contract specs. They talk to the server under test only through the
 * official `twilio` package, configured the way an integrator would point it at us, and every
 * Service a test creates is removed afterwards (with its entities, factors and challenges).
 */
import { randomUUID } from "node:crypto";
import { test as base, expect } from "@playwright/test";
import twilio from "twilio";
import type { ServiceContext, ServiceInstance, ServiceListInstanceCreateOptions } from "twilio/lib/rest/verify/v2/service";
import { ContractRequestClient, takeViolations, watchFetch } from "./contract";
import { BASE_URL, VERIFY_ACCOUNT_SID, VERIFY_AUTH_TOKEN } from "./env";

type Credentials = { username: string; password: string; accountSid?: string };

/**
 * A Twilio client whose Verify domain is this server. `accountSid` is required by the library
 * when `username` is an API key (`SK…`); it is never sent.
 */
export function verifyClient(
  baseURL: string = BASE_URL,
  { username, password, accountSid }: Credentials = { username: VERIFY_ACCOUNT_SID, password: VERIFY_AUTH_TOKEN },
): twilio.Twilio {
  // Every response is checked against the OpenAPI document on its way to the library.
  const client = twilio(username, password, { ...(accountSid ? { accountSid } : {}), httpClient: new ContractRequestClient() });
  // The documented way to reach a Verify-compatible host (docs/api.md §1).
  client.verify.baseUrl = baseURL;
  return client;
}

/** An identity as OwlBank sends it: an opaque UUID, never PII (docs/api.md §7.2). */
export const newIdentity = () => randomUUID();

/** The relying party every passkeys test registers under: the server's own origin. */
export function relyingParty(baseURL: string) {
  const url = new URL(baseURL);
  return { id: url.hostname, name: "OwlBank e2e", origins: [url.origin] };
}

/** What a rejected library call must carry: the HTTP status and Twilio's error code. */
export async function expectRestError(call: Promise<unknown>, expected: { status: number; code?: number }) {
  const error = await call.then(
    (value) => {
      throw new Error(`Expected a RestException ${JSON.stringify(expected)}, got success: ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(twilio.RestException);
  expect(error).toMatchObject(expected);
  return error as InstanceType<typeof twilio.RestException>;
}

type VerifyFixtures = {
  /** Automatic: fails the test if any `/v2` response fell outside the OpenAPI document. */
  contract: void;
  /** The library, authenticated as the e2e account. */
  client: twilio.Twilio;
  /** A fresh Service with passkeys settings for this server's origin; removed after the test. */
  service: { sid: string; instance: ServiceInstance; context: ServiceContext };
  /** Creates a Service that is removed after the test. */
  createService: (params: ServiceListInstanceCreateOptions) => Promise<ServiceInstance>;
};

// The fixture callback is named `provide`, not Playwright's usual `use`, so React's hook lint rule leaves it alone.
export const test = base.extend<VerifyFixtures>({
  // Set up first and torn down last, so it also sees the other fixtures' cleanup calls.
  contract: [
    async ({}, provide) => {
      const unwatch = watchFetch();
      takeViolations();
      try {
        await provide();
      } finally {
        unwatch();
      }
      expect(takeViolations(), "responses outside the OpenAPI document (/openapi.json)").toEqual([]);
    },
    { auto: true },
  ],

  client: async ({ baseURL }, provide) => {
    await provide(verifyClient(baseURL));
  },

  createService: async ({ client }, provide) => {
    const created: string[] = [];
    await provide(async (params) => {
      const instance = await client.verify.v2.services.create(params);
      created.push(instance.sid);
      return instance;
    });
    for (const sid of created) await removeQuietly(client, sid);
  },

  service: async ({ createService, client, baseURL }, provide, testInfo) => {
    const rp = relyingParty(baseURL!);
    const instance = await createService({
      friendlyName: `e2e ${testInfo.workerIndex}-${testInfo.testId.slice(0, 8)}`.slice(0, 32),
      "passkeys.relyingParty.id": rp.id,
      "passkeys.relyingParty.name": rp.name,
      "passkeys.relyingParty.origins": rp.origins.join(","),
      "passkeys.authenticatorAttachment": "any",
      "passkeys.discoverableCredentials": "preferred",
      "passkeys.userVerification": "preferred",
    });
    await provide({ sid: instance.sid, instance, context: client.verify.v2.services(instance.sid) });
  },
});

/** Cleanup must not fail a test that already removed its Service on purpose. */
async function removeQuietly(client: twilio.Twilio, sid: string) {
  try {
    await client.verify.v2.services(sid).remove();
  } catch (error) {
    if (!(error instanceof twilio.RestException && error.status === 404)) throw error;
  }
}

export { expect };
