/**
 * One concrete request whose decision a change flips, found by the evaluator itself: candidate
 * requests are built from what the policies name (actions, resources, principals, regions, condition
 * values, and values outside them), each is evaluated under the chain before and after the change
 * with a complete context (a key not listed is absent from the request), and the first that goes
 * from allowed to denied (a tightening) or from denied to allowed (a weakening) is returned.
 */
import type { EffectiveChain } from "../model/chain.js";
import { policyKindOf } from "../model/policy-type.js";
import {
  evaluate,
  type Decision,
  type EvaluationRequest,
  type EvaluationResult,
} from "../policy/evaluate.js";
import type { IamIndex } from "../policy/iam-index.js";
import { parsePolicyCached, type ParsedStatement } from "../policy/parse.js";

export interface Witness {
  accountId: string;
  principalArn: string;
  action: string;
  resource: string;
  region: string;
  /** Condition keys of the request; any key not listed is absent. */
  context: Record<string, string | string[]>;
  before: Decision;
  after: Decision;
  /** The statement that decides after the change (tightening) or before it (weakening). */
  decidingStatement: string;
}

export type Direction = "tightens" | "weakens";

const DEFAULT_ACTIONS = ["s3:GetObject", "ec2:DescribeInstances", "sqs:SendMessage", "iam:CreateRole"];
const DEFAULT_REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"];
const OTHER = "example-other-value";
const SPECIAL_KEYS = new Set(["aws:principalarn", "aws:requestedregion", "aws:principalaccount"]);

function instantiate(pattern: string, account: string): string {
  return pattern
    .replace(/\$\{[^}]*\}/g, "example")
    .replace(/^arn:([^:]*):([^:]*):([^:]*):\*:/, `arn:$1:$2:$3:${account}:`)
    .replace(/\*/g, "example")
    .replace(/\?/g, "x");
}

function statements(chains: readonly EffectiveChain[]): ParsedStatement[] {
  const out: ParsedStatement[] = [];
  const seen = new Set<string>();
  for (const chain of chains) {
    for (const level of chain.levels) {
      for (const p of level.policies) {
        if (seen.has(p.content)) continue;
        seen.add(p.content);
        const parsed = parsePolicyCached(p.content, policyKindOf(chain.policyType));
        if (parsed.ok) out.push(...parsed.policy.statements);
      }
    }
  }
  return out;
}

function unique<T>(xs: Iterable<T>, max: number): T[] {
  return [...new Set(xs)].slice(0, max);
}

interface Dimensions {
  actions: string[];
  resources: string[];
  principals: string[];
  regions: string[];
  keys: { key: string; values: (string | string[])[] }[];
}

const COMMON_VERBS = ["create", "get", "list", "describe", "put", "delete", "update"];

/** Actions a reader recognises first: the common verbs (CreateDistribution before AllowVendedLog...). */
function common(actions: readonly string[]): string[] {
  const rank = (a: string): number => {
    const name = a.slice(a.indexOf(":") + 1);
    const i = COMMON_VERBS.findIndex((v) => name.startsWith(v));
    return i === -1 ? COMMON_VERBS.length : i;
  };
  return [...actions].sort((x, y) => rank(x) - rank(y) || x.length - y.length || x.localeCompare(y));
}

/** "s3:getobject" -> "s3:GetObject", as the IAM catalogue spells it. */
function spelled(action: string, iam?: IamIndex): string {
  const [service = "", name = ""] = action.split(":");
  const found = iam?.actionsOf(service)?.find((a) => a.name.toLowerCase() === name.toLowerCase());
  return found ? `${service}:${found.name}` : action;
}

function dimensions(
  chains: readonly EffectiveChain[],
  account: string,
  hints: readonly string[],
  iam?: IamIndex,
): Dimensions {
  const stmts = statements(chains);
  const actions: string[] = [];
  const hinted: string[] = [];
  for (const h of hints)
    if (/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(h))
      hinted.push(...(h.includes("*") || h.includes("?") ? common(iam?.expand(h) ?? []).slice(0, 3) : [h]));
  for (const s of stmts) {
    for (const v of s.action.values) {
      if (v === "*") continue;
      if (v.includes("*") || v.includes("?")) actions.push(...common(iam?.expand(v) ?? []).slice(0, 2));
      else actions.push(v);
    }
  }
  const resources = unique(
    stmts.flatMap((s) => s.resource.values.filter((v) => v !== "*").map((v) => instantiate(v, account))),
    6,
  );
  const principals: string[] = [];
  const regions: string[] = [];
  const keys = new Map<string, { key: string; values: (string | string[])[] }>();
  for (const s of stmts) {
    for (const c of s.conditions) {
      const n = c.normalizedKey;
      if (n === "aws:principalarn") {
        for (const v of c.values)
          if (/^arn:[^:]*:(iam|sts)::/.test(v)) principals.push(instantiate(v, account));
        continue;
      }
      if (n === "aws:requestedregion") {
        regions.push(...c.values.map((v) => v.replace(/\*/g, "1")));
        continue;
      }
      if (SPECIAL_KEYS.has(n)) continue;
      const entry = keys.get(n) ?? { key: c.key, values: [] };
      const family = c.operator.base.family;
      const multi = c.operator.qualifier !== undefined;
      for (const v of c.values) {
        let value = family === "IpAddress" ? v.replace(/\/\d+$/, "") : instantiate(v, account);
        if (family === "Null") continue;
        if (family === "Bool") value = v.toLowerCase();
        entry.values.push(multi ? [value] : value);
      }
      if (family === "Bool") entry.values.push("true", "false");
      else if (family === "IpAddress") entry.values.push("192.0.2.1");
      else if (family === "Numeric") entry.values.push("0", "999999");
      else if (family === "Date") entry.values.push("2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z");
      else
        entry.values.push(
          multi
            ? [OTHER]
            : c.normalizedKey.endsWith("arn")
              ? `arn:aws:iam::${account}:role/ExampleOther`
              : OTHER,
        );
      entry.values.push([]);
      keys.set(n, entry);
    }
  }
  return {
    actions: unique(
      [...hinted, ...actions, ...DEFAULT_ACTIONS].map((a) => spelled(a, iam)),
      40,
    ),
    resources: resources.length ? resources : [],
    principals: unique([`arn:aws:iam::${account}:role/ExampleRole`, ...principals], 6),
    regions: unique([...regions, ...DEFAULT_REGIONS], 6),
    keys: [...keys.values()].map((k) => ({
      key: k.key,
      values: unique(
        k.values.map((v) => JSON.stringify(v)),
        8,
      ).map((v) => JSON.parse(v) as string | string[]),
    })),
  };
}

const DENIED = new Set<Decision>(["explicitly_denied", "implicitly_denied"]);

function flips(direction: Direction, before: Decision, after: Decision): boolean {
  return direction === "tightens"
    ? before === "allowed" && DENIED.has(after)
    : DENIED.has(before) && after === "allowed";
}

function deciding(r: EvaluationResult): string {
  const s = r.decidingStatements[0];
  if (s)
    return `${s.effect} statement ${s.sid ? `"${s.sid}" ` : ""}#${s.statementIndex} of ${s.policyName} (${s.policyId}) at ${s.level.targetName}`;
  const m = r.missingAllowAt[0];
  return m ? `no Allow at ${m.targetName} (${m.targetId})` : r.summary;
}

/** A seeded generator, so the same plan gives the same witness. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A request the change flips in the given direction, or undefined when none is found within
 * `budget` evaluations. `hints` (the values a difference names) are tried first.
 */
export function findWitness(
  before: EffectiveChain,
  after: EffectiveChain,
  direction: Direction,
  options: { accountId: string; hints?: readonly string[]; iam?: IamIndex; budget?: number; now?: Date },
): Witness | undefined {
  const account = options.accountId;
  const d = dimensions([before, after], account, options.hints ?? [], options.iam);
  const budget = options.budget ?? 3000;
  const now = options.now ?? new Date();
  const random = seeded(18);
  const opts = { missingKeys: "absent" as const, outcomes: false, now };
  const tryOne = (
    action: string,
    principalArn: string,
    region: string,
    resource: string,
    context: Record<string, string | string[]>,
  ): Witness | undefined => {
    const request: EvaluationRequest = {
      action,
      principalArn,
      principalAccount: account,
      region,
      resource,
      context,
    };
    const b = evaluate(request, before, opts);
    const a = evaluate(request, after, opts);
    if (!flips(direction, b.decision, a.decision)) return undefined;
    // Global services are authorised in their home region, whatever the request names.
    const requested = a.context["aws:RequestedRegion"];
    return {
      accountId: account,
      principalArn,
      action,
      resource,
      region: typeof requested === "string" ? requested : region,
      context,
      before: b.decision,
      after: a.decision,
      decidingStatement: deciding(direction === "tightens" ? a : b),
    };
  };
  // A resource of the action's own service: a pattern the policies name, else a generic ARN.
  const resourceFor = (action: string, i: number): string => {
    const service = action.split(":")[0] ?? "";
    const named = d.resources.filter((r) => r.split(":")[2] === service);
    // S3 ARNs carry neither region nor account.
    const generic =
      service === "s3"
        ? "arn:aws:s3:::example-bucket"
        : `arn:aws:${service}:us-east-1:${account}:example-resource`;
    return named[i % Math.max(1, named.length)] ?? generic;
  };
  let spent = 0;
  // A sweep of action x principal x region with each key at its first value, then random requests.
  for (const action of d.actions) {
    for (const principal of d.principals) {
      for (const region of d.regions) {
        if (spent++ >= budget) return undefined;
        // No condition key at all first: the smallest request that shows the flip.
        const w = tryOne(action, principal, region, resourceFor(action, spent), {});
        if (w) return w;
      }
    }
  }
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  while (spent++ < budget) {
    const action = pick(d.actions);
    const context: Record<string, string | string[]> = {};
    for (const k of d.keys) {
      const v = pick(k.values);
      if (!(Array.isArray(v) && v.length === 0)) context[k.key] = v;
    }
    const w = tryOne(
      action,
      pick(d.principals),
      pick(d.regions),
      resourceFor(action, Math.floor(random() * 8)),
      context,
    );
    if (w) return w;
  }
  return undefined;
}
