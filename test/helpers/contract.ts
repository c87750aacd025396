/**
 * Checks one HTTP exchange with `/v2` against the OpenAPI document (lib/verify/openapi.ts):
 * the operation must exist, the status must be one it documents, and the body must match
 * that status's schema. Shared by the Vitest tests and the Playwright contract suite.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS; the default import is the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as typeof addFormatsModule;

type Json = Record<string, unknown>;

export type Exchange = {
  method: string;
  /** Absolute URL or path; only the path is matched. */
  url: string;
  status: number;
  contentType: string | null;
  /** The parsed JSON body; `undefined` when the body was empty. A non-JSON body as its text. */
  body: unknown;
};

/**
 * Paths the document does not describe still reach the API (the catch-all route, methods a
 * route does not have). They may only be refused, with Twilio's error body: authentication
 * and rate limiting run before routing, then 404 or 405.
 */
const UNDOCUMENTED_STATUSES = new Set([401, 403, 404, 405, 413, 429]);

/** `$ref`s point into the document; Ajv gets each component under an absolute id instead. */
const BASE = "https://owlbank.invalid/openapi.json";

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${BASE}${v}` : rewriteRefs(v)]),
  );
}

type Route = { pattern: RegExp; template: string; operations: Record<string, Json> };

export type ContractValidator = {
  /** Problems with this exchange; empty when it conforms. */
  check(exchange: Exchange): string[];
};

export function contractValidator(document: Json): ContractValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
  for (const [name, schema] of Object.entries(schemas)) {
    ajv.addSchema(rewriteRefs(schema) as Json, `${BASE}#/components/schemas/${name}`);
  }
  const compiled = new Map<string, ValidateFunction>();
  const validator = (key: string, schema: Json) => {
    let fn = compiled.get(key);
    if (!fn) compiled.set(key, (fn = ajv.compile(rewriteRefs(schema) as Json)));
    return fn;
  };
  const errorSchema = { $ref: "#/components/schemas/Error" };

  // Static segments before parameters, as Next routes them.
  const routes: Route[] = Object.entries(document.paths as Record<string, Record<string, Json>>)
    .map(([template, operations]) => ({
      template,
      operations,
      pattern: new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`),
    }))
    .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));

  function bodyProblems(where: string, exchange: Exchange, schemaKey: string, schema: Json | undefined): string[] {
    if (!schema) {
      return exchange.body === undefined ? [] : [`${where}: documents no body, got ${JSON.stringify(exchange.body).slice(0, 200)}`];
    }
    if (!exchange.contentType?.toLowerCase().startsWith("application/json")) {
      return [`${where}: Content-Type is ${exchange.contentType ?? "missing"}, documented application/json`];
    }
    const validate = validator(schemaKey, schema);
    if (validate(exchange.body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${where}: body${e.instancePath} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`,
    );
  }

  return {
    check(exchange) {
      const path = new URL(exchange.url, "http://localhost").pathname;
      const method = exchange.method.toLowerCase();
      const where = `${exchange.method.toUpperCase()} ${path} → ${exchange.status}`;
      const route = routes.find((r) => r.pattern.test(path));
      const operation = route?.operations[method];
      if (!route || !operation) {
        if (!UNDOCUMENTED_STATUSES.has(exchange.status)) {
          return [`${where}: the document has no ${method.toUpperCase()} ${path}, and only refusals may answer one`];
        }
        return bodyProblems(where, exchange, "undocumented", errorSchema);
      }
      const response = (operation.responses as Record<string, Json>)[String(exchange.status)];
      if (!response) {
        return [`${where}: ${operation.operationId} documents no ${exchange.status} response`];
      }
      const content = response.content as Record<string, { schema: Json }> | undefined;
      const schema = content?.["application/json"]?.schema;
      return bodyProblems(`${where} (${operation.operationId})`, exchange, `${route.template} ${method} ${exchange.status}`, schema);
    },
  };
}

/** A response body as an `Exchange` wants it: JSON when it parses, `undefined` when empty. */
export function parseResponseText(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
