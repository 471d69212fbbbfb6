/**
 * The replay told briefly: a one-line verdict, the counts, and the most important groups of each
 * category within a size budget (a language model reads the answer), with how many were left out.
 */
import { SKIP_REASON_TEXT, SKIP_REASONS, type SkipReason } from "./records.js";
import { CATEGORIES, type Category, type Group, type ReplayCounts, type ReplayResult } from "./replay.js";
import type { SkipTally } from "./activity-text.js";
import type { Decision } from "../policy/evaluate.js";

export interface SkippedView {
  reason: SkipReason;
  events: number;
  description: string;
  /** 1-based line of the first such item in pasted text; null otherwise. */
  firstLine: number | null;
}

/** A group as the answer shows it: the replay's group, its outcome spelt out. */
export interface GroupView extends Omit<Group, "category" | "outcome"> {
  before: Decision;
  after: Decision;
  decidingStatement: {
    policyType: string;
    policyId: string;
    policyName: string;
    statementIndex: number;
    sid: string | null;
    effect: string;
    targetId: string;
    targetName: string;
  } | null;
  missingAllowAt: { policyType: string; targetId: string; targetName: string } | null;
  missingContextKeys: string[];
  reason: string;
}

export interface ReplayView {
  verdict: string;
  /** The replay's counts, with the records read and the events replayed in place of `events`. */
  counts: { records: number; replayed: number } & Omit<ReplayCounts, "events">;
  skipped: SkippedView[];
  newlyDenied: GroupView[];
  newlyAllowed: GroupView[];
  nowDependsOnContext: GroupView[];
  /** Groups found but not listed, per category. */
  omittedGroups: Record<Category, number>;
}

const MAX_TEXT = 512;
const cut = (s: string, n = MAX_TEXT): string => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

function viewGroup(g: Group): GroupView {
  const o = g.outcome;
  return {
    principal: cut(g.principal),
    action: cut(g.action, 160),
    accountId: g.accountId,
    events: g.events,
    distinctRequests: g.distinctRequests,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    recordedErrors: g.recordedErrors,
    before: o.before,
    after: o.after,
    decidingStatement: o.deciding
      ? {
          ...o.deciding,
          policyName: cut(o.deciding.policyName, 128),
          sid: o.deciding.sid && cut(o.deciding.sid, 128),
        }
      : null,
    missingAllowAt: o.missingAllowAt,
    missingContextKeys: o.missingContextKeys.slice(0, 10).map((k) => cut(k, 128)),
    reason: cut(o.reason),
    example: {
      resource: g.example.resource && cut(g.example.resource),
      resourceAccountId: g.example.resourceAccountId,
      region: g.example.region,
    },
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** "roles", "users", "principals": what the denied callers are, for the verdict. */
function principalNoun(principals: readonly string[]): [string, string] {
  if (principals.every((p) => /:role\//.test(p))) return ["role", "roles"];
  if (principals.every((p) => /:user\//.test(p))) return ["user", "users"];
  return ["principal", "principals"];
}

export function verdictOf(result: ReplayResult): string {
  const { counts, groups } = result;
  const replayed = counts.events - counts.skipped;
  if (replayed === 0) {
    return counts.events === 0
      ? "No recorded request to replay: give CloudTrail records (see skipped for what was read instead)."
      : `Nothing replayed: all ${plural(counts.events, "recorded request")} were skipped (see skipped).`;
  }
  const parts: string[] = [];
  if (counts.newlyDenied > 0) {
    const principals = [...new Set(groups.newlyDenied.map((g) => g.principal))];
    const accounts = new Set(groups.newlyDenied.map((g) => g.accountId));
    const [one, many] = principalNoun(principals);
    parts.push(
      `breaks ${plural(principals.length, one, many)} in ${plural(accounts.size, "account")} (${plural(counts.newlyDenied, "recorded request")} newly denied)`,
    );
  }
  if (counts.newlyAllowed > 0) {
    const principals = new Set(groups.newlyAllowed.map((g) => g.principal));
    parts.push(
      `newly allows ${plural(counts.newlyAllowed, "recorded request")} by ${plural(principals.size, "principal")}`,
    );
  }
  if (counts.nowDependsOnContext > 0) {
    parts.push(
      `leaves ${plural(counts.nowDependsOnContext, "recorded request")} depending on context the records do not carry`,
    );
  }
  if (parts.length === 0)
    return `Changes nothing in the recorded activity: ${plural(replayed, "recorded request")} replayed, all unchanged.`;
  const sentence = parts.join("; ");
  return `${sentence[0]?.toUpperCase()}${sentence.slice(1)}; ${plural(counts.unchanged, "request")} unchanged.`;
}

export function skippedView(skipped: Partial<Record<SkipReason, SkipTally>>): SkippedView[] {
  return SKIP_REASONS.filter((r) => (skipped[r]?.count ?? 0) > 0).map((reason) => ({
    reason,
    events: skipped[reason]?.count ?? 0,
    description: SKIP_REASON_TEXT[reason],
    firstLine: skipped[reason]?.firstLine ?? null,
  }));
}

/**
 * The view of a replay within `budgetBytes` of JSON: at most `maxGroups` groups per category, fewer
 * when they do not fit (the category with the most listed gives one up first).
 */
export function viewReplay(
  result: ReplayResult,
  options: {
    records: number;
    extraSkipped?: Partial<Record<SkipReason, SkipTally>>;
    maxGroups: number;
    budgetBytes: number;
  },
): ReplayView {
  const allSkipped: Partial<Record<SkipReason, SkipTally>> = {};
  for (const source of [options.extraSkipped ?? {}, result.skipped]) {
    for (const [reason, t] of Object.entries(source) as [SkipReason, SkipTally][]) {
      const into = (allSkipped[reason] ??= { count: 0 });
      into.count += t.count;
      if (into.firstLine === undefined && t.firstLine !== undefined) into.firstLine = t.firstLine;
    }
  }
  const skipped = skippedView(allSkipped);
  const skippedTotal = skipped.reduce((n, s) => n + s.events, 0);
  const c = result.counts;
  const shown: Record<Category, number> = {
    newlyDenied: Math.min(options.maxGroups, result.groups.newlyDenied.length),
    newlyAllowed: Math.min(options.maxGroups, result.groups.newlyAllowed.length),
    nowDependsOnContext: Math.min(options.maxGroups, result.groups.nowDependsOnContext.length),
  };
  const views: Record<Category, GroupView[]> = {
    newlyDenied: result.groups.newlyDenied.slice(0, shown.newlyDenied).map(viewGroup),
    newlyAllowed: result.groups.newlyAllowed.slice(0, shown.newlyAllowed).map(viewGroup),
    nowDependsOnContext: result.groups.nowDependsOnContext.slice(0, shown.nowDependsOnContext).map(viewGroup),
  };
  const build = (): ReplayView => ({
    verdict: verdictOf(result),
    counts: {
      records: options.records,
      replayed: c.events - c.skipped,
      distinctRequests: c.distinctRequests,
      evaluatedRequests: c.evaluatedRequests,
      unchanged: c.unchanged,
      notReached: c.notReached,
      newlyDenied: c.newlyDenied,
      newlyAllowed: c.newlyAllowed,
      nowDependsOnContext: c.nowDependsOnContext,
      skipped: skippedTotal,
    },
    skipped,
    newlyDenied: views.newlyDenied.slice(0, shown.newlyDenied),
    newlyAllowed: views.newlyAllowed.slice(0, shown.newlyAllowed),
    nowDependsOnContext: views.nowDependsOnContext.slice(0, shown.nowDependsOnContext),
    omittedGroups: {
      newlyDenied: result.groups.newlyDenied.length - shown.newlyDenied,
      newlyAllowed: result.groups.newlyAllowed.length - shown.newlyAllowed,
      nowDependsOnContext: result.groups.nowDependsOnContext.length - shown.nowDependsOnContext,
    },
  });
  let view = build();
  // Newly denied matters most: the other categories give groups up first, then it does.
  const order: Category[] = ["nowDependsOnContext", "newlyAllowed", "newlyDenied"];
  while (JSON.stringify(view).length > options.budgetBytes) {
    const from =
      order.find((k) => shown[k] > (k === "newlyDenied" ? 1 : 0)) ?? order.find((k) => shown[k] > 0);
    if (!from) break;
    shown[from]--;
    view = build();
  }
  return view;
}

export { CATEGORIES };
