/**
 * An `ApiClient` (the in-process client's interface from test/helpers/api.ts) that talks to
 * a real server over HTTP, so the scenario steps in test/helpers/verify.ts work unchanged
 * against the production build.
 *
 * Every request gets its own connection (`agent: false`): reusing a keep-alive socket just
 * as the server closes it gives ECONNRESET with no way to know whether the request arrived,
 * which a race or crash test cannot afford.
 */
import http from "node:http";
import { type ApiClient, type ApiResponse, formBody, parseBody, type RequestOptions } from "@/test/helpers/api";

/** A request that gets no answer within this long has hung. */
export const HTTP_TIMEOUT_MS = 30_000;

export function httpClient(baseUrl: string, auth: string | null): ApiClient {
  async function request<T>(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(pathOrUrl, baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...options.headers };
    const authorization = options.auth !== undefined ? options.auth : auth;
    if (authorization !== null) headers.authorization = authorization;
    let body: string | undefined;
    if (options.form) {
      headers["content-type"] ??= "application/x-www-form-urlencoded";
      body = formBody(options.form);
    } else if (options.json !== undefined) {
      headers["content-type"] ??= "application/json";
      body = JSON.stringify(options.json);
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const res = await send(url, method, headers, body);
    return { status: res.status, body: parseBody(res.text) as T, headers: res.headers, text: res.text };
  }
  return {
    request: request as ApiClient["request"],
    get: (path, query) => request("GET", path, { query }),
    form: (path, form) => request("POST", path, { form }),
    json: (path, body) => request("POST", path, { json: body }),
    delete: (path) => request("DELETE", path),
  };
}

/** One request on a fresh connection; rejects on a network error or after HTTP_TIMEOUT_MS. */
export function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined) {
  return new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
    // Node frames a DELETE/GET body only with an explicit length (no chunking by default).
    const framed = body === undefined || Object.keys(headers).some((h) => h.toLowerCase() === "content-length")
      ? headers
      : { ...headers, "content-length": String(Buffer.byteLength(body)) };
    const req = http.request(url, { method, headers: framed, agent: false, timeout: HTTP_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(", ") : v);
        }
        resolve({ status: res.statusCode ?? 0, headers: out, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${HTTP_TIMEOUT_MS} ms: ${method} ${url.pathname}`)));
    req.on("error", reject);
    req.end(body);
  });
}
