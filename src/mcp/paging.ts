/**
 * Answers sized for a model: a tool whose answer can grow with the organization or the input gives
 * its items a page at a time, the most important first, with counts of the whole. A page holds at
 * most `limit` items, and fewer when the next would take the answer past ANSWER_BUDGET characters
 * (text and structured content together); `nextCursor` reads on from there. Clients cap what a
 * model sees (Claude Code warns past 10,000 tokens), so an answer that does not fit is an answer
 * cut or refused.
 *
 * A cursor is opaque to the client but not a secret: it holds the tool, a digest of the other
 * arguments, a digest of the whole list and the offset. The server keeps nothing between calls;
 * each call computes the list again and checks the cursor against it, so a cursor from another
 * tool, other arguments or a list that has since changed is refused with a clear error rather
 * than giving a page of a different answer. An offset anyone could pass reveals nothing a first
 * page would not: every page is computed within the scope.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { invalidInput } from "../errors.js";
import { count } from "./schemas.js";

/**
 * Characters of text and structured content an answer's items may fill before a page stops; the
 * rest of the 20 KB is the answer's head, and the `dataAge` field and "Data:" line a snapshot store
 * adds to every answer (src/mcp/define-tool.ts), about 450 characters.
 */
export const ANSWER_BUDGET = 15_500;
/** What a whole answer stays near, for the descriptions. */
export const ANSWER_SIZE_TEXT = "20 KB";
const MAX_CURSOR_CHARS = 512;

/** Page sizes by what a page holds: long entries (a policy's statements, an action's details), findings, one-line listings. */
export const PAGE_SIZES = {
  details: { defaultLimit: 10, maxLimit: 50 },
  findings: { defaultLimit: 25, maxLimit: 100 },
  listings: { defaultLimit: 50, maxLimit: 200 },
} as const satisfies Record<string, PageLimits>;

export interface PageLimits {
  defaultLimit: number;
  maxLimit: number;
}

/** The limit and cursor arguments of a paged tool; `what` names the items ("policies"). */
export function pagingInput(what: string, { defaultLimit, maxLimit }: PageLimits) {
  return {
    limit: z
      .number()
      .int()
      .min(1)
      .max(maxLimit)
      .default(defaultLimit)
      .describe(`${what} per page (fewer near ${ANSWER_SIZE_TEXT})`),
    // Its length is checked, not advertised: tools/list spells out every bound of every paged tool.
    cursor: z
      .string()
      .refine(
        (c) => c.length > 0 && c.length <= MAX_CURSOR_CHARS,
        "pass the previous answer's nextCursor exactly as given",
      )
      .optional()
      .describe("the previous answer's nextCursor"),
  };
}

export const pageSchema = z.object({
  offset: count.describe("items before this page"),
  returned: count,
  total: count,
  nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last"),
});
export type Page = z.infer<typeof pageSchema>;

interface CursorState {
  v: 1;
  /** tool */
  t: string;
  /** digest of the other arguments */
  q: string;
  /** digest of the whole list */
  l: string;
  /** offset */
  o: number;
}

const cursorStateSchema = z.strictObject({
  v: z.literal(1),
  t: z.string().max(64),
  q: z.string().max(32),
  l: z.string().max(32),
  o: z.number().int().min(1),
});

export const digest = (text: string): string =>
  createHash("sha256").update(text).digest("base64url").slice(0, 16);

/** A digest of a list by its items' keys, in order. */
export function listDigest(keys: Iterable<string>): string {
  const hash = createHash("sha256");
  for (const key of keys) hash.update(key).update("\u0000");
  return hash.digest("base64url").slice(0, 16);
}

function encode(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString("base64url");
}

function decode(cursor: string): CursorState | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const parsed = cursorStateSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    return parsed.success ? (parsed.data as CursorState) : undefined;
  } catch {
    return undefined;
  }
}

export interface PageRequest {
  tool: string;
  /** The tool's other arguments: a cursor is valid only with the arguments that gave it. */
  args: unknown;
  limit: number;
  cursor?: string | undefined;
  /** What the items are, for the messages ("policies", "findings"). */
  what: string;
}

/** Where a page starts: 0 without a cursor; a cursor is checked against the tool, arguments and list. */
export function pageStart(request: PageRequest, list: string, total: number): number {
  if (request.cursor === undefined) return 0;
  const state = decode(request.cursor);
  const again = "leave cursor out to start again at the first page";
  if (!state)
    throw invalidInput(
      `cursor: this is not a cursor this server gave (it does not decode): pass the nextCursor of the previous answer exactly as given, or ${again}.`,
    );
  if (state.t !== request.tool)
    throw invalidInput(
      `cursor: this cursor was given by ${state.t}, not ${request.tool}: pass it to ${state.t}, or ${again}.`,
    );
  if (state.q !== digest(JSON.stringify(request.args)))
    throw invalidInput(
      `cursor: this cursor was given for other arguments of ${request.tool}: call again with the arguments of the answer that gave it (only limit may change), or ${again}.`,
    );
  if (state.l !== list || state.o >= total)
    throw invalidInput(
      `cursor: this cursor is stale: the ${request.what} it pages through have changed since it was given (the organization's data was read again). ${again[0]?.toUpperCase()}${again.slice(1)}.`,
    );
  return state.o;
}

function nextCursor(request: PageRequest, list: string, offset: number): string {
  return encode({ v: 1, t: request.tool, q: digest(JSON.stringify(request.args)), l: list, o: offset });
}

export interface PageOf<V> {
  items: V[];
  page: Page;
  /** True when the page stopped before `limit` to keep the answer small. */
  stoppedAtSize: boolean;
}

/**
 * One page of `items`: from the cursor's offset, at most `limit`, and no more than `budget`
 * characters as `cost` counts them (each item's text and JSON); never fewer than one. `view` makes
 * an item's answer (for the tools that evaluate only what they show), called on the page only.
 */
export async function paginate<T, V>(
  items: readonly T[],
  request: PageRequest,
  options: {
    key: (item: T) => string;
    view: (item: T) => V | Promise<V>;
    cost: (view: V) => number;
    budget?: number;
  },
): Promise<PageOf<V>> {
  const list = listDigest(items.map(options.key));
  const offset = pageStart(request, list, items.length);
  const budget = options.budget ?? ANSWER_BUDGET;
  const views: V[] = [];
  let used = 0;
  let stoppedAtSize = false;
  for (let i = offset; i < items.length && views.length < request.limit; i++) {
    const view = await options.view(items[i] as T);
    const cost = options.cost(view);
    if (views.length > 0 && used + cost > budget) {
      stoppedAtSize = true;
      break;
    }
    views.push(view);
    used += cost;
  }
  const end = offset + views.length;
  return {
    items: views,
    page: {
      offset,
      returned: views.length,
      total: items.length,
      nextCursor: end < items.length ? nextCursor(request, list, end) : null,
    },
    stoppedAtSize,
  };
}

/** The last line of a paged answer's text: where the page is, and how to read on. */
export function pageLine(p: PageOf<unknown>, what: string): string | undefined {
  const { offset, returned, total, nextCursor: next } = p.page;
  if (total === 0) return undefined;
  if (offset === 0 && next === null) return undefined;
  const range = returned ? `${offset + 1}-${offset + returned}` : "none";
  return (
    `Showing ${what} ${range} of ${total}` +
    (next
      ? `${p.stoppedAtSize ? " (the page stopped early to keep the answer small)" : ""}. Next page: call again with the same arguments and cursor "${next}".`
      : ".")
  );
}

/** The size an item adds to an answer: its JSON and its lines of text. */
export const sizeOf = (data: unknown, lines: readonly string[]): number =>
  JSON.stringify(data).length + lines.reduce((n, l) => n + l.length + 1, 0);
