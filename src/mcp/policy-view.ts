/**
 * How tools show a policy document: the exact text, and its statements normalised (every element a
 * list). The document is not repeated a third time as parsed JSON, because answers are read by
 * models, whose context each copy costs: the statements carry everything the evaluator reads, and
 * anything else (the Version, an Id, a misspelt element such as "Actions") is in `raw`.
 */
import { z } from "zod";
import { count } from "./schemas.js";
import { POLICY_SIZE_LIMITS } from "../policy/quotas.js";
import type { Policy } from "../model/organization.js";
import { deepFreeze } from "../org/freeze.js";
import { Recent } from "./recent.js";
import { clip, listText } from "./text.js";

const principalSchema = z
  .union([z.string(), z.record(z.string(), z.array(z.string()))])
  .describe('"*", or principal type -> values (RCP statements; SCPs have none)');

export const statementViewSchema = z.object({
  index: count,
  sid: z.string().nullable(),
  effect: z.string().nullable(),
  principal: principalSchema.optional(),
  notPrincipal: principalSchema.optional(),
  action: z.array(z.string()).optional(),
  notAction: z.array(z.string()).optional(),
  resource: z.array(z.string()).optional(),
  notResource: z.array(z.string()).optional(),
  condition: z.record(z.string(), z.record(z.string(), z.array(z.string()))).optional(),
});
export type StatementView = z.infer<typeof statementViewSchema>;

export const documentViewSchema = z.object({
  raw: z.string().describe("the document exactly as stored"),
  parseError: z.string().nullable().describe("why the document is not valid JSON; null when it is"),
  statements: z.array(statementViewSchema),
});
export type DocumentView = z.infer<typeof documentViewSchema>;

/** A document's statements without its text, where the text is one call away (get_scp_detail). */
export const statementsViewSchema = documentViewSchema.omit({ raw: true });
export type StatementsView = z.infer<typeof statementsViewSchema>;

export function viewStatements(content: string): StatementsView {
  const { parseError, statements } = viewDocument(content);
  return { parseError, statements };
}

const principalText = (p: NonNullable<StatementView["principal"]>): string =>
  typeof p === "string"
    ? p
    : Object.entries(p)
        .map(([type, values]) => `${type} ${listText(values, 4)}`)
        .join(", ");

/**
 * One line saying what a statement does, for the text answers: its effect, actions, resources,
 * principal (RCPs) and conditions, each list cut to `max` items ("+3 more").
 */
export function describeStatement(s: StatementView, max = 8): string {
  const parts = [`#${s.index}${s.sid ? ` "${clip(s.sid, 64)}"` : ""}: ${s.effect ?? "(no Effect)"}`];
  if (s.principal !== undefined) parts.push(`to ${principalText(s.principal)}`);
  if (s.notPrincipal !== undefined) parts.push(`to everyone but ${principalText(s.notPrincipal)}`);
  if (s.action) parts.push(listText(s.action, max));
  else if (s.notAction) parts.push(`every action except ${listText(s.notAction, max)}`);
  else parts.push("(no Action)");
  if (s.resource) parts.push(`on ${listText(s.resource, max)}`);
  else if (s.notResource) parts.push(`on every resource except ${listText(s.notResource, max)}`);
  const conditions = Object.entries(s.condition ?? {}).flatMap(([op, keys]) =>
    Object.entries(keys).map(([key, values]) => `${clip(op, 64)} ${clip(key, 128)} ${listText(values, max)}`),
  );
  if (conditions.length)
    parts.push(
      `when ${conditions.slice(0, max).join(" and ")}${conditions.length > max ? ` and ${conditions.length - max} more` : ""}`,
    );
  return parts.join(" ");
}

const asList = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map((x) => String(x));

/** "*" as written; { AWS: "arn" } with every value a list of strings. */
function asPrincipal(v: unknown): StatementView["principal"] {
  if (v === undefined) return undefined;
  if (v !== null && typeof v === "object" && !Array.isArray(v))
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, asList(x) ?? []]),
    );
  return String(v);
}

// Views of the documents most recently shown, by content: warm calls show the same few policies
// again and again. Views are frozen and shared.
const views = new Recent<DocumentView>(512);

export function viewDocument(content: string): DocumentView {
  return views.get(content, () => deepFreeze(buildView(content)));
}

function buildView(content: string): DocumentView {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    return { raw: content, parseError: (error as Error).message, statements: [] };
  }
  const rawStatements = (parsed as { Statement?: unknown } | null)?.Statement;
  const list =
    rawStatements === undefined ? [] : Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const statements = list.map((s: unknown, index): StatementView => {
    const st = (s ?? {}) as Record<string, unknown>;
    const view: StatementView = {
      index,
      sid: typeof st.Sid === "string" ? st.Sid : null,
      effect: typeof st.Effect === "string" ? st.Effect : null,
    };
    const principal = asPrincipal(st.Principal);
    const notPrincipal = asPrincipal(st.NotPrincipal);
    if (principal !== undefined) view.principal = principal;
    if (notPrincipal !== undefined) view.notPrincipal = notPrincipal;
    const action = asList(st.Action);
    const notAction = asList(st.NotAction);
    const resource = asList(st.Resource);
    const notResource = asList(st.NotResource);
    if (action) view.action = action;
    if (notAction) view.notAction = notAction;
    if (resource) view.resource = resource;
    if (notResource) view.notResource = notResource;
    if (st.Condition && typeof st.Condition === "object") {
      view.condition = Object.fromEntries(
        Object.entries(st.Condition as Record<string, unknown>).map(([op, keys]) => [
          op,
          Object.fromEntries(
            Object.entries((keys ?? {}) as Record<string, unknown>).map(([k, v]) => [k, asList(v) ?? []]),
          ),
        ]),
      );
    }
    return view;
  });
  return { raw: content, parseError: null, statements };
}

export function policySize(policy: Policy): { characters: number; limit: number; percentOfLimit: number } {
  const limit = POLICY_SIZE_LIMITS[policy.type];
  const characters = policy.content.length;
  return { characters, limit, percentOfLimit: Math.round((characters / limit) * 1000) / 10 };
}

/**
 * A document's statements, one line each, in about `budget` characters: lists are cut shorter
 * (20, 8, then 3 items) until the lines fit, and the statements that still do not are counted.
 */
export function describeStatements(
  statements: readonly StatementView[],
  budget: number,
  indent = "  ",
): string[] {
  let lines: string[] = [];
  for (const max of [20, 8, 3]) {
    lines = statements.map((st) => `${indent}${describeStatement(st, max)}`);
    if (lines.reduce((n, l) => n + l.length + 1, 0) <= budget) return lines;
  }
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (kept.length > 0 && used + line.length + 1 > budget) break;
    kept.push(line);
    used += line.length + 1;
  }
  const more = statements.length - kept.length;
  return more > 0 ? [...kept, `${indent}... ${more} more statement(s): see structuredContent`] : kept;
}
