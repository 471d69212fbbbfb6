/**
 * The semantic form of a parsed statement, for comparing two documents: everything a reader cannot
 * tell apart at evaluation time (single value vs array, action case, order, duplicates, key order,
 * operator and key spelling, an implicit Resource "*") is folded away, everything else is kept.
 */
import { parseDate, parseNumber, parseCidr } from "./conditions.js";
import type { Comparison, ConditionFamily, SetQualifier } from "./operators.js";
import type { ParsedCondition, ParsedPolicy, ParsedStatement } from "./parse.js";

export interface NormalCondition {
  /** Canonical operator, e.g. "ForAnyValue:StringNotEqualsIfExists". */
  operator: string;
  /** The operator without IfExists, so that toggling IfExists pairs the entry with itself. */
  pairingOperator: string;
  family: ConditionFamily;
  comparison: Comparison;
  negated: boolean;
  ifExists: boolean;
  qualifier?: SetQualifier;
  wildcards: boolean;
  /** Key as normalizeConditionKey gives it (case folded before the first "/"). */
  key: string;
  /** Key as written in the policy. */
  writtenKey: string;
  /** Values normalised for comparison, sorted and unique. */
  values: string[];
  /** The values as written, in the order of `values` (first spelling of each). */
  displayValues: string[];
  path: string;
}

export interface NormalStatement {
  index: number;
  sid?: string;
  path: string;
  effect: "Allow" | "Deny";
  actionElement: "Action" | "NotAction";
  /** Lower-cased, sorted, unique; "*:*" is read as "*". */
  actions: string[];
  resourceElement: "Resource" | "NotResource";
  resources: string[];
  /** Canonical JSON of the Principal (RCPs), absent for SCPs. */
  principal?: string;
  conditions: NormalCondition[];
  /** Action/NotAction and Resource/NotResource values as written. */
  rawActions: string[];
  rawResources: string[];
  /** The statement as written. */
  raw: Readonly<Record<string, unknown>>;
  /** Canonical JSON of every semantic part except Sid and position: equal signatures mean equal statements. */
  signature: string;
  /** The signature without the actions: statements that differ only in their actions share it. */
  scopeSignature: string;
}

/** Canonical value of a condition value for its operator family. */
export function normalizeConditionValue(value: string, family: ConditionFamily, ignoreCase: boolean): string {
  switch (family) {
    case "String":
      return ignoreCase ? value.toLowerCase() : value;
    case "Bool":
    case "Null":
      return value.trim().toLowerCase();
    case "Numeric": {
      const n = parseNumber(value);
      return Number.isFinite(n) ? String(n) : value;
    }
    case "Date": {
      const ms = parseDate(value);
      return Number.isFinite(ms) ? new Date(ms).toISOString() : value;
    }
    case "IpAddress": {
      const cidr = parseCidr(value);
      return cidr ? `${cidr[0].toString()}/${cidr[1]}` : value.trim().toLowerCase();
    }
    default:
      return value;
  }
}

function normalizeCondition(c: ParsedCondition): NormalCondition {
  const op = c.operator;
  const byValue = new Map<string, string>();
  for (const v of c.values) {
    const n = normalizeConditionValue(v, op.base.family, op.base.ignoreCase);
    if (!byValue.has(n)) byValue.set(n, v);
  }
  const values = [...byValue.keys()].sort();
  // ArnEquals and ArnLike behave the same (segment-wise, with wildcards): one name, so a rewrite
  // from one to the other is no difference.
  const sameAs = (name: string): string =>
    name.replace("ArnNotEquals", "ArnNotLike").replace("ArnEquals", "ArnLike");
  return {
    operator: sameAs(op.canonical),
    pairingOperator: `${op.qualifier ? `${op.qualifier}:` : ""}${sameAs(op.base.name)}`,
    family: op.base.family,
    comparison: op.base.comparison,
    negated: op.base.negated,
    ifExists: op.ifExists,
    ...(op.qualifier ? { qualifier: op.qualifier } : {}),
    wildcards: op.base.wildcards,
    key: c.normalizedKey,
    writtenKey: c.key,
    values,
    displayValues: values.map((v) => byValue.get(v) ?? v),
    path: c.path,
  };
}

const uniqueSorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** Canonical JSON: object keys sorted, so key order never matters. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function canonicalPrincipal(raw: unknown): string {
  // "*" and {"AWS": "*"} / {"AWS": ["*"]} grant the same thing.
  const one = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);
  if (raw === "*") return '"*"';
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length === 1 && entries[0]?.[0] === "AWS" && one(entries[0][1]) === "*") return '"*"';
    return canonicalJson(
      Object.fromEntries(
        entries.map(([k, v]) => [k, Array.isArray(v) ? uniqueSorted(v.map(String)) : [String(v)]]),
      ),
    );
  }
  return canonicalJson(raw);
}

export function normalizeAction(action: string): string {
  const lower = action.toLowerCase();
  return lower === "*:*" ? "*" : lower;
}

export function normalizeStatement(s: ParsedStatement): NormalStatement {
  const actions = uniqueSorted(s.action.values.map(normalizeAction));
  const resources = uniqueSorted(s.resource.values);
  const conditions = s.conditions
    .map(normalizeCondition)
    .sort((a, b) => (a.key === b.key ? (a.operator < b.operator ? -1 : 1) : a.key < b.key ? -1 : 1));
  const principal = s.principal ? canonicalPrincipal(s.principal.raw) : undefined;
  const scope = {
    effect: s.effect,
    actionElement: s.action.element,
    resourceElement: s.resource.element,
    resources,
    principal: principal ?? null,
    conditions: conditions.map((c) => [c.operator, c.key, c.values]),
  };
  return {
    index: s.index,
    ...(s.sid !== undefined ? { sid: s.sid } : {}),
    path: s.path,
    effect: s.effect,
    actionElement: s.action.element,
    actions,
    resourceElement: s.resource.element,
    resources,
    ...(principal !== undefined ? { principal } : {}),
    conditions,
    rawActions: [...s.action.values],
    rawResources: [...s.resource.values],
    raw: s.raw,
    signature: canonicalJson({ ...scope, actions }),
    scopeSignature: canonicalJson(scope),
  };
}

export function normalizePolicy(policy: ParsedPolicy): NormalStatement[] {
  return policy.statements.map(normalizeStatement);
}

/**
 * True when every string the `specific` glob matches is also matched by `general` (`*` any run,
 * `?` one character). Sound, not complete: a false answer only means containment was not shown.
 */
export function patternSubsumes(general: string, specific: string, caseInsensitive = false): boolean {
  const g = caseInsensitive ? general.toLowerCase() : general;
  const s = caseInsensitive ? specific.toLowerCase() : specific;
  if (g === "*" || g === s) return true;
  const memo = new Map<number, boolean>();
  const width = s.length + 1;
  const go = (i: number, j: number): boolean => {
    const key = i * width + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let result: boolean;
    if (i === g.length) result = j === s.length;
    else {
      const gc = g[i];
      if (gc === "*") result = go(i + 1, j) || (j < s.length && go(i, j + 1));
      else if (j === s.length) result = false;
      else if (gc === "?") result = s[j] !== "*" && go(i + 1, j + 1);
      else result = s[j] === gc && go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** The members of `items` that no member of `others` subsumes. */
export function notCoveredBy(
  items: readonly string[],
  others: readonly string[],
  covers: (general: string, specific: string) => boolean,
): string[] {
  return items.filter((item) => !others.some((o) => covers(o, item)));
}
