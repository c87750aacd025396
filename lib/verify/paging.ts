/**
 * Twilio's paging (docs/api.md §5): `PageSize`, `Page`, and an opaque `PageToken` cursor
 * that the library follows through `meta.next_page_url`. Pages are keyset pages over
 * (date_created, sid), so inserts between two requests neither skip nor repeat rows.
 */
import "server-only";
import { and, eq, gt, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { fail, invalidParameter } from "./errors";

type Row = { sid: string; dateCreated: number };
type Cursor = { direction: "after" | "before"; dateCreated: number; sid: string };
export type Order = "asc" | "desc";

export type PageQuery = { pageSize: number; page: number; cursor?: Cursor };

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export function parsePageQuery(query: URLSearchParams): PageQuery {
  const sizeText = query.get("PageSize");
  let pageSize = DEFAULT_PAGE_SIZE;
  if (sizeText !== null) {
    if (!/^\d{1,9}$/.test(sizeText) || Number(sizeText) < 1) {
      invalidParameter("PageSize", "must be an integer from 1 to 1000");
    }
    // Twilio's behaviour above 1000 is unknown; clamping keeps large requests cheap (docs/api.md §5).
    pageSize = Math.min(Number(sizeText), MAX_PAGE_SIZE);
  }
  const pageText = query.get("Page");
  if (pageText !== null && !/^\d{1,9}$/.test(pageText)) {
    invalidParameter("Page", "must be a non-negative integer");
  }
  const token = query.get("PageToken");
  let cursor: Cursor | undefined;
  if (token !== null) {
    cursor = parsePageToken(token);
    if (!cursor) fail("invalid_page_token", "Invalid PageToken");
  }
  return { pageSize, page: pageText === null ? 0 : Number(pageText), cursor };
}

/** `PA…` (rows after) or `PB…` (rows before) the row `<date_created>-<sid>`; undefined if malformed. */
export function parsePageToken(token: string): Cursor | undefined {
  const m = /^(PA|PB)(\d{1,15})-([A-Z]{2}[0-9a-f]{32})$/.exec(token);
  return m ? { direction: m[1] === "PA" ? "after" : "before", dateCreated: Number(m[2]), sid: m[3] } : undefined;
}

export const pageToken = (prefix: "PA" | "PB", row: Row) => `${prefix}${row.dateCreated}-${row.sid}`;

/** The keyset condition for a cursor, in the direction the rows are actually read. */
export function keyset(cols: { dateCreated: SQLiteColumn; sid: SQLiteColumn }, cursor: Cursor, order: Order): SQL {
  const forward = (cursor.direction === "after") === (order === "asc");
  const cmp = forward ? gt : lt;
  return or(
    cmp(cols.dateCreated, cursor.dateCreated),
    and(eq(cols.dateCreated, cursor.dateCreated), cmp(cols.sid, cursor.sid)),
  ) as SQL;
}

/**
 * Reads one page and wraps it in Twilio's envelope.
 *
 * `read(where, order, limit)` runs the scoped query; `where` is the cursor condition (or
 * undefined) and `order` the direction to read in.
 */
export async function paginate<T extends Row>(options: {
  key: "services" | "entities" | "factors" | "challenges";
  base: string;
  path: string;
  query: PageQuery;
  order?: Order;
  /** Filters echoed in every generated URL, e.g. `Status` on challenges. */
  filters?: Record<string, string | undefined>;
  columns: { dateCreated: SQLiteColumn; sid: SQLiteColumn };
  read: (cursorWhere: SQL | undefined, order: Order, limit: number) => Promise<T[]>;
  serialize: (row: T) => unknown;
}) {
  const { query, columns } = options;
  const order = options.order ?? "asc";
  const backwards = query.cursor?.direction === "before";
  const readOrder: Order = backwards ? (order === "asc" ? "desc" : "asc") : order;
  const where = query.cursor ? keyset(columns, query.cursor, order) : undefined;

  const rows = await options.read(where, readOrder, query.pageSize + 1);
  const more = rows.length > query.pageSize;
  const pageRows = rows.slice(0, query.pageSize);
  if (backwards) pageRows.reverse();

  const hasNext = backwards ? true : more;
  const hasPrevious = backwards ? more : query.cursor !== undefined;

  const link = (page: number, token?: string) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(options.filters ?? {})) if (v !== undefined) params.set(k, v);
    params.set("PageSize", String(query.pageSize));
    params.set("Page", String(page));
    if (token) params.set("PageToken", token);
    return `${options.base}${options.path}?${params}`;
  };
  const first = pageRows[0];
  const last = pageRows.at(-1);

  return {
    [options.key]: pageRows.map(options.serialize),
    meta: {
      page: query.page,
      page_size: query.pageSize,
      first_page_url: link(0),
      previous_page_url:
        hasPrevious && first ? link(Math.max(query.page - 1, 0), pageToken("PB", first)) : null,
      url: link(query.page, query.cursor ? pageToken(query.cursor.direction === "after" ? "PA" : "PB", query.cursor) : undefined),
      next_page_url: hasNext && last ? link(query.page + 1, pageToken("PA", last)) : null,
      key: options.key,
    },
  };
}
