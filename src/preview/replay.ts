/**
 * The replay: every distinct recorded request evaluated under today's chains and under the changed
 * ones, each request reduced first to what the policies can see (the condition keys they use, the
 * resource only when a statement names one), so identical requests are evaluated once. Requests
 * whose chains the change does not reach are counted unchanged without an evaluation. Pure and
 * synchronous: the caller resolves the chains first.
 */
import type { EffectiveChain } from "../model/chain.js";
import type { PolicyType } from "../model/policy-type.js";
import { policyKindOf } from "../model/policy-type.js";
import { combineDecisions, evaluate } from "../policy/evaluate.js";
import type { Decision, EvaluationRequest, EvaluationResult } from "../policy/evaluate.js";
import { parsePolicyCached } from "../policy/parse.js";
import { normalizeConditionKey } from "../policy/request-context.js";
import { countSkip, type SkipTally } from "./activity-text.js";
import { principalLabel, type ContextRecord, type RecordedRequest, type SkipReason } from "./records.js";
import type { DistinctRequest } from "./table.js";

export interface ChainPair {
  policyType: PolicyType;
  before: EffectiveChain;
  after: EffectiveChain;
}

/** What the organization says about one request: its chains (changed types only) and the keys it settles. */
export type ChainLookup = (r: RecordedRequest) => { pairs: ChainPair[]; context: ContextRecord } | SkipReason;

export const CATEGORIES = ["newlyDenied", "newlyAllowed", "nowDependsOnContext"] as const;
export type Category = (typeof CATEGORIES)[number];

export interface DecidingStatement {
  policyType: PolicyType;
  policyId: string;
  policyName: string;
  statementIndex: number;
  sid: string | null;
  effect: "Allow" | "Deny";
  targetId: string;
  targetName: string;
}

export interface MissingAllow {
  policyType: PolicyType;
  targetId: string;
  targetName: string;
}

export interface Outcome {
  before: Decision;
  after: Decision;
  category: Category | null;
  deciding: DecidingStatement | null;
  missingAllowAt: MissingAllow | null;
  missingContextKeys: string[];
  reason: string;
}

export interface Group {
  category: Category;
  principal: string;
  action: string;
  accountId: string;
  events: number;
  distinctRequests: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Events of the group that had failed when recorded (an errorCode). */
  recordedErrors: number;
  /** The outcome of the group's most frequent request. */
  outcome: Outcome;
  example: { resource: string | null; resourceAccountId: string | null; region: string | null };
}

export interface ReplayCounts {
  /** Events of every distinct request handed in. */
  events: number;
  distinctRequests: number;
  /** Distinct requests evaluated (after reducing each to what the policies see). */
  evaluatedRequests: number;
  /** Events whose decision did not change, those the change does not reach included. */
  unchanged: number;
  /** Of those, events whose chains the change does not touch (not evaluated). */
  notReached: number;
  newlyDenied: number;
  newlyAllowed: number;
  nowDependsOnContext: number;
  skipped: number;
}

export interface ReplayResult {
  counts: ReplayCounts;
  skipped: Partial<Record<SkipReason, SkipTally>>;
  /** Every group, most events first. */
  groups: Record<Category, Group[]>;
}

// ---------------------------------------------------------------------------------------------
// What the policies of a chain can see

interface Relevance {
  keys: Set<string>;
  resources: boolean;
}

const VARIABLE = /\$\{([^}]{1,256})\}/g;
const byContent = new Map<string, Relevance>();
const byChain = new WeakMap<EffectiveChain, Relevance>();

function contentRelevance(content: string, type: PolicyType): Relevance {
  const known = byContent.get(content);
  if (known) return known;
  const rel: Relevance = { keys: new Set(), resources: false };
  const parsed = parsePolicyCached(content, policyKindOf(type));
  if (parsed.ok) {
    for (const s of parsed.policy.statements) {
      if (s.resource.element === "NotResource" || s.resource.values.some((v) => v !== "*"))
        rel.resources = true;
      for (const c of s.conditions) rel.keys.add(c.normalizedKey);
    }
  }
  for (const m of content.matchAll(VARIABLE)) rel.keys.add(normalizeConditionKey(m[1] ?? ""));
  if (byContent.size > 5000) byContent.clear();
  byContent.set(content, rel);
  return rel;
}

function chainRelevance(chain: EffectiveChain): Relevance {
  let rel = byChain.get(chain);
  if (!rel) {
    rel = { keys: new Set(), resources: false };
    for (const level of chain.levels) {
      for (const p of level.policies) {
        const r = contentRelevance(p.content, chain.policyType);
        for (const k of r.keys) rel.keys.add(k);
        rel.resources ||= r.resources;
      }
    }
    byChain.set(chain, rel);
  }
  return rel;
}

const chainIds = new WeakMap<EffectiveChain, number>();
let nextChainId = 1;
function chainId(chain: EffectiveChain): number {
  let id = chainIds.get(chain);
  if (id === undefined) {
    id = nextChainId++;
    chainIds.set(chain, id);
  }
  return id;
}

/** The request as the policies of these chains see it, and its cache key. */
function project(
  r: RecordedRequest,
  orgContext: ContextRecord,
  pairs: readonly ChainPair[],
): { request: EvaluationRequest; key: string } {
  const keys = new Set<string>();
  let resources = false;
  for (const p of pairs) {
    for (const chain of [p.before, p.after]) {
      const rel = chainRelevance(chain);
      for (const k of rel.keys) keys.add(k);
      resources ||= rel.resources;
    }
  }
  const context: ContextRecord = {};
  const merged = { ...orgContext, ...r.context };
  for (const k of Object.keys(merged).sort()) {
    if (keys.has(normalizeConditionKey(k))) context[k] = merged[k] as string | string[];
  }
  // aws:RequestedRegion is the only key the region feeds; aws:ResourceAccount needs the owner.
  const region = keys.has("aws:requestedregion") ? r.region : undefined;
  const resource = resources ? r.resource : undefined;
  const request: EvaluationRequest = {
    action: r.action,
    principalAccount: r.accountId,
    ...(r.principalArn ? { principalArn: r.principalArn } : {}),
    ...(resource ? { resource } : {}),
    ...(region ? { region } : {}),
    context,
  };
  const key = [
    pairs.map((p) => `${chainId(p.before)}:${chainId(p.after)}`).join(","),
    r.accountId,
    r.principalArn ?? "",
    r.action.toLowerCase(),
    resource ?? "",
    region ?? "",
    JSON.stringify(context),
  ].join("\u0000");
  return { request, key };
}

// ---------------------------------------------------------------------------------------------
// Evaluation and classification

type Class = "A" | "D" | "U";
const classOf = (d: Decision): Class => (d === "allowed" ? "A" : d === "depends_on_context" ? "U" : "D");

function categoryOf(before: Decision, after: Decision): Category | null {
  const b = classOf(before);
  const a = classOf(after);
  if (a === b) return null;
  return a === "D" ? "newlyDenied" : a === "A" ? "newlyAllowed" : "nowDependsOnContext";
}

function decidingOf(results: readonly EvaluationResult[], wanted: Decision[]): DecidingStatement | null {
  for (const want of wanted) {
    for (const r of results) {
      if (r.decision !== want) continue;
      const s = r.decidingStatements[0];
      if (s)
        return {
          policyType: r.policyType,
          policyId: s.policyId,
          policyName: s.policyName,
          statementIndex: s.statementIndex,
          sid: s.sid ?? null,
          effect: s.effect,
          targetId: s.level.targetId,
          targetName: s.level.targetName,
        };
    }
  }
  return null;
}

function missingAllowOf(results: readonly EvaluationResult[]): MissingAllow | null {
  for (const r of results) {
    const m = r.missingAllowAt[0];
    if (r.decision === "implicitly_denied" && m)
      return { policyType: r.policyType, targetId: m.targetId, targetName: m.targetName };
  }
  return null;
}

function describe(d: DecidingStatement): string {
  return `${d.effect} statement ${d.sid ? `"${d.sid}" ` : ""}#${d.statementIndex} of ${d.policyName} (${d.policyId}) at ${d.targetName} (${d.targetId})`;
}

function reasonOf(o: Omit<Outcome, "reason">): string {
  switch (o.category) {
    case "newlyDenied":
      if (o.deciding) return `would be denied by ${describe(o.deciding)}`;
      if (o.missingAllowAt)
        return `no Allow would remain at ${o.missingAllowAt.targetName} (${o.missingAllowAt.targetId})`;
      return "would be denied";
    case "newlyAllowed":
      if (o.deciding) return `no longer denied by ${describe(o.deciding)}`;
      if (o.missingAllowAt)
        return `an Allow now applies at ${o.missingAllowAt.targetName} (${o.missingAllowAt.targetId})`;
      return "would be allowed";
    case "nowDependsOnContext":
      return `would depend on ${o.missingContextKeys.join(", ") || "context the record does not carry"}${
        o.deciding ? ` (${describe(o.deciding)})` : ""
      }`;
    default:
      return "unchanged";
  }
}

function evaluateOutcome(request: EvaluationRequest, pairs: readonly ChainPair[], now: Date): Outcome {
  const options = { now, outcomes: false };
  const before = pairs.map((p) => evaluate(request, p.before, options));
  const after = pairs.map((p) => evaluate(request, p.after, options));
  const b = combineDecisions(before.map((r) => r.decision));
  const a = combineDecisions(after.map((r) => r.decision));
  const category = categoryOf(b, a);
  let deciding: DecidingStatement | null = null;
  let missingAllowAt: MissingAllow | null = null;
  let missingContextKeys: string[] = [];
  if (category === "newlyDenied") {
    deciding = decidingOf(after, ["explicitly_denied"]);
    if (!deciding) missingAllowAt = missingAllowOf(after);
  } else if (category === "newlyAllowed") {
    deciding = decidingOf(before, ["explicitly_denied"]);
    if (!deciding) missingAllowAt = missingAllowOf(before);
  } else if (category === "nowDependsOnContext") {
    deciding = decidingOf(after, ["depends_on_context"]);
    missingContextKeys = [...new Set(after.flatMap((r) => r.missingContextKeys))];
  }
  const o = { before: b, after: a, category, deciding, missingAllowAt, missingContextKeys };
  return { ...o, reason: reasonOf(o) };
}

// ---------------------------------------------------------------------------------------------
// Grouping

interface GroupAcc extends Group {
  bestEvents: number;
}

function addToGroup(groups: Map<string, GroupAcc>, d: DistinctRequest, outcome: Outcome): void {
  const category = outcome.category as Category;
  const r = d.request;
  const principal = principalLabel(r);
  const key = `${category}\u0000${principal}\u0000${r.action}\u0000${r.accountId}`;
  let g = groups.get(key);
  if (!g) {
    g = {
      category,
      principal,
      action: r.action,
      accountId: r.accountId,
      events: 0,
      distinctRequests: 0,
      firstSeen: null,
      lastSeen: null,
      recordedErrors: 0,
      outcome,
      example: { resource: null, resourceAccountId: null, region: null },
      bestEvents: -1,
    };
    groups.set(key, g);
  }
  g.events += d.events;
  g.distinctRequests++;
  g.recordedErrors += d.recordedErrors;
  if (d.firstSeen && (g.firstSeen === null || d.firstSeen < g.firstSeen)) g.firstSeen = d.firstSeen;
  if (d.lastSeen && (g.lastSeen === null || d.lastSeen > g.lastSeen)) g.lastSeen = d.lastSeen;
  if (d.events > g.bestEvents) {
    g.bestEvents = d.events;
    g.outcome = outcome;
    g.example = {
      resource: r.resource ?? null,
      resourceAccountId: r.resourceAccountId ?? null,
      region: r.region ?? null,
    };
  }
}

const byWeight = (a: Group, b: Group): number =>
  b.events - a.events ||
  a.accountId.localeCompare(b.accountId) ||
  a.principal.localeCompare(b.principal) ||
  a.action.localeCompare(b.action);

/** Replays every distinct request against the chains `lookup` gives. */
export function replay(distinct: Iterable<DistinctRequest>, lookup: ChainLookup, now: Date): ReplayResult {
  const counts: ReplayCounts = {
    events: 0,
    distinctRequests: 0,
    evaluatedRequests: 0,
    unchanged: 0,
    notReached: 0,
    newlyDenied: 0,
    newlyAllowed: 0,
    nowDependsOnContext: 0,
    skipped: 0,
  };
  const skipped: Partial<Record<SkipReason, SkipTally>> = {};
  const cache = new Map<string, Outcome>();
  const groups = new Map<string, GroupAcc>();
  for (const d of distinct) {
    counts.events += d.events;
    counts.distinctRequests++;
    const found = lookup(d.request);
    if (typeof found === "string") {
      countSkip(skipped, found, d.events);
      counts.skipped += d.events;
      continue;
    }
    if (found.pairs.every((p) => p.before === p.after)) {
      counts.unchanged += d.events;
      counts.notReached += d.events;
      continue;
    }
    const { request, key } = project(d.request, found.context, found.pairs);
    let outcome = cache.get(key);
    if (!outcome) {
      outcome = evaluateOutcome(request, found.pairs, now);
      cache.set(key, outcome);
      counts.evaluatedRequests++;
    }
    if (outcome.category === null) {
      counts.unchanged += d.events;
      continue;
    }
    counts[outcome.category] += d.events;
    addToGroup(groups, d, outcome);
  }
  const out: Record<Category, Group[]> = { newlyDenied: [], newlyAllowed: [], nowDependsOnContext: [] };
  for (const g of groups.values()) {
    const { bestEvents: _, ...group } = g;
    out[g.category].push(group);
  }
  for (const c of CATEGORIES) out[c].sort(byWeight);
  return { counts, skipped, groups: out };
}
