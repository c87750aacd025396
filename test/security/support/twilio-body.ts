/**
 * What every /v2 answer must look like to a caller, whatever it sent (docs/api.md §4, §6.1): a Twilio
 * error body with a 4xx status, or a success. Never a 5xx, a stack trace, a file path, or
 * an HTML page.
 */

export type Answer = { status: number; contentType: string; text: string; body: unknown };

/** Reads a Response once into something every check can look at. */
export async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text, body };
}

/** Stack frames ("    at fn (/x/y.js:1:2)"), absolute source paths, and Node internals. */
const LEAKS: RegExp[] = [
  /\bat\s+[^\s()]+\s+\(/,
  /\n\s+at\s/,
  /(?:^|[\s"'(])\/(?:work|home|usr|app|var|tmp|root|opt|srv)\/[^\s"']+/,
  /node_modules/,
  /\.(?:ts|tsx|js|mjs|cjs):\d+(?::\d+)?/,
  /node:internal/,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|SqliteError)\b/,
];

/**
 * The first leaked fragment in `text`. Fragments the request itself contained do not count:
 * error messages may echo what the caller sent (an origin, a format name).
 */
export function leak(text: string, requestText = ""): string | undefined {
  for (const re of LEAKS) {
    const m = new RegExp(re.source, "g");
    for (let hit = m.exec(text); hit; hit = m.exec(text)) {
      const fragment = hit[0].trim().replace(/^["'(]/, "");
      if (!requestText.includes(fragment)) return hit[0];
      if (hit[0] === "") m.lastIndex++;
    }
  }
  return undefined;
}

/** Problems with an error answer, or [] when it is a proper Twilio 4xx error body. */
export function twilioErrorProblems(a: Answer): string[] {
  const problems: string[] = [];
  if (a.status < 400 || a.status > 499) problems.push(`status ${a.status} is not 4xx`);
  if (!a.contentType.toLowerCase().startsWith("application/json")) problems.push(`content-type "${a.contentType}"`);
  const b = a.body as Record<string, unknown> | undefined;
  if (typeof b !== "object" || b === null || Array.isArray(b)) {
    problems.push("body is not a JSON object");
    return problems;
  }
  if (!Number.isInteger(b.code)) problems.push("code is not an integer");
  if (typeof b.message !== "string" || b.message === "") problems.push("message is not a non-empty string");
  if (typeof b.more_info !== "string" || !/^https:\/\//.test(b.more_info)) problems.push("more_info is not a URL string");
  if (b.status !== a.status) problems.push(`body status ${String(b.status)} differs from HTTP ${a.status}`);
  // Both a string `type` and `title` would switch twilio-node to RFC 9457 parsing (docs/api.md §6.1).
  if (typeof b.type === "string" && typeof b.title === "string") problems.push("body has both type and title");
  return problems;
}

/** Problems with any answer: 5xx, leaks, malformed errors, or malformed successes. */
export function answerProblems(a: Answer, opts: { successAllowed: boolean; requestText?: string }): string[] {
  const problems: string[] = [];
  const leaked = leak(a.text, opts.requestText);
  if (leaked) problems.push(`body leaks internals: ${JSON.stringify(leaked)}`);
  if (a.status >= 500) problems.push(`server error ${a.status}`);
  else if (a.status >= 400) problems.push(...twilioErrorProblems(a));
  else if (a.status >= 200 && a.status < 300) {
    if (!opts.successAllowed) problems.push(`success ${a.status} for an input that is not valid`);
    if (a.status === 204) {
      if (a.text !== "") problems.push("204 with a body");
    } else if (typeof a.body !== "object" || a.body === null || Array.isArray(a.body)) {
      problems.push(`success ${a.status} without a JSON object body`);
    }
  } else {
    // 1xx/3xx: the library never follows redirects (docs/api.md §1).
    problems.push(`unexpected status ${a.status}`);
  }
  return problems;
}
