/**
 * Every response the contract suite receives from `/v2` is checked against the OpenAPI
 * document the server under test serves at /openapi.json (test/helpers/contract.ts does the
 * checking). Two doors lead to the server, and both are watched: the `twilio` library, through
 * a `RequestClient` of our own, and the specs' raw `fetch` calls, through `watchFetch`.
 */
import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient";
import type Response from "twilio/lib/http/response";
import { type ContractValidator, contractValidator, type Exchange, parseResponseText } from "../../test/helpers/contract";
import { BASE_URL } from "./env";

const unwatchedFetch = globalThis.fetch;
let validator: Promise<ContractValidator> | undefined;

/** The served document, compiled once per worker. */
function contract(): Promise<ContractValidator> {
  validator ??= unwatchedFetch(`${BASE_URL}/openapi.json`).then(async (response) => {
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    return contractValidator(await response.json());
  });
  return validator;
}

/**
 * Nonconforming responses since the last `takeViolations()`. A failing check also throws in
 * the caller, but a test may swallow that (`Promise.allSettled`, an expected rejection), so
 * the `verify` fixtures look here after every test too.
 */
const violations: string[] = [];

export function takeViolations(): string[] {
  return violations.splice(0);
}

async function check(exchange: Exchange): Promise<void> {
  const problems = (await contract()).check(exchange);
  if (problems.length === 0) return;
  violations.push(...problems);
  throw new Error(`Response outside the OpenAPI document:\n${problems.join("\n")}`);
}

/** The library's HTTP client, checking each response before the library parses it. */
export class ContractRequestClient extends twilio.RequestClient {
  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const response = await super.request<TData>(opts);
    await check({
      method: opts.method,
      url: opts.uri,
      status: response.statusCode,
      contentType: response.headers?.["content-type"] ?? null,
      // Axios has parsed JSON already; an empty body arrives as "".
      body: response.body === "" ? undefined : response.body,
    });
    return response;
  }
}

/** Checks the `/v2` responses of `fetch` until the returned function is called. */
export function watchFetch(): () => void {
  globalThis.fetch = async (input, init) => {
    const response = await unwatchedFetch(input, init);
    const request = new Request(input, init);
    if (new URL(request.url).pathname.startsWith("/v2")) {
      await check({
        method: request.method,
        url: request.url,
        status: response.status,
        contentType: response.headers.get("content-type"),
        body: parseResponseText(await response.clone().text()),
      });
    }
    return response;
  };
  return () => {
    globalThis.fetch = unwatchedFetch;
  };
}
