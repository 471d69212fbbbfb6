/**
 * Semantic drift between an expected policy document (the baseline) and the actual one, and the
 * finding model compare_scp_config reports. Cosmetic differences (single value vs array, action
 * case, order of statements/actions/resources/values, whitespace, key order, Sid) yield nothing;
 * every other difference is named by a stable `kind`, a `direction` and a `severity`.
 */
import { directionRank, raise, severityRank, type Direction, type Severity } from "./findings.js";
import type { IamIndex } from "./iam-index.js";
import { wildcardMatch } from "./match.js";
import {
  normalizeAction,
  normalizePolicy,
  notCoveredBy,
  patternSubsumes,
  type NormalCondition,
  type NormalStatement,
} from "./normalize.js";
import type { ParsedPolicy } from "./parse.js";

/** The stable contract CI consumers parse (docs/baseline.md, "Finding kinds"). */
export const DRIFT_KINDS = [
  "policy_missing",
  "policy_unexpected",
  "attachment_missing",
  "attachment_unexpected",
  "full_aws_access_detached",
  "deny_statement_removed",
  "deny_statement_added",
  "deny_actions_removed",
  "deny_actions_added",
  "allow_widened",
  "allow_narrowed",
  "condition_loosened",
  "condition_tightened",
  "condition_changed",
  "resource_scope_changed",
  "effect_changed",
  "target_unresolved",
  "policy_unparseable",
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface StatementRef {
  index: number;
  sid: string | null;
}

/** Where a difference is and what differs, as content changes and drift findings both report it. */
export interface DifferenceDetail {
  /** For Condition changes: the operator and key concerned. */
  condition: { operator: string; key: string } | null;
  /** Where in the actual document (the expected one when the actual has no such place). */
  path: string | null;
  /** The element's value in the baseline and in the organization (null when absent on that side). */
  expected: unknown;
  actual: unknown;
  /** Exactly the values that differ (actions, resources, condition values...). */
  difference: string[];
  explanation: string;
}

/** One semantic difference between two documents of the same policy. */
export interface ContentChange extends DifferenceDetail {
  kind: DriftKind;
  direction: Direction;
  severity: Severity;
  statement: { expected: StatementRef | null; actual: StatementRef | null };
  /** Effect, Action, NotAction, Resource, NotResource, Condition, or Statement (a whole statement). */
  element: string;
}

export interface DiffOptions {
  /** With it, wildcards are compared by the actions they match (s3:Get* vs the list of s3:Get actions). */
  iam?: IamIndex;
}

const ref = (s: NormalStatement): StatementRef => ({ index: s.index, sid: s.sid ?? null });
const label = (s: NormalStatement): string => `statement ${s.index}${s.sid ? ` ("${s.sid}")` : ""}`;
const quote = (values: readonly string[]): string =>
  values.length > 6
    ? `${values
        .slice(0, 6)
        .map((v) => `"${v}"`)
        .join(", ")} and ${values.length - 6} more`
    : values.map((v) => `"${v}"`).join(", ");

/** Whether a set of action patterns covers `pattern`, by pattern or (with the index) by the actions it matches. */
function actionsCover(patterns: readonly string[], pattern: string, iam: IamIndex | undefined): boolean {
  if (patterns.some((p) => patternSubsumes(p, pattern, true))) return true;
  const expanded = iam?.expand(pattern);
  if (!expanded || expanded.length === 0) return false;
  return expanded.every((a) => patterns.some((p) => wildcardMatch(p, a, true)));
}

/** Whether two action patterns match at least one action in common (not only one containing the other). */
function overlaps(a: string, b: string, iam?: IamIndex): boolean {
  if (patternSubsumes(a, b, true) || patternSubsumes(b, a, true)) return true;
  const ea = iam?.expand(a);
  const eb = iam?.expand(b);
  if (ea && eb) {
    const set = new Set(eb);
    return ea.some((x) => set.has(x));
  }
  return globsIntersect(a.toLowerCase(), b.toLowerCase());
}

/** Whether some string matches both wildcard patterns (`*` any run, `?` one character). */
function globsIntersect(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const m = b.length + 1;
  const f = (i: number, j: number): boolean => {
    const key = i * m + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === "*") r = f(i + 1, j) || (j < b.length && f(i, j + 1));
    else if (j < b.length && b[j] === "*") r = f(i, j + 1) || (i < a.length && f(i + 1, j));
    else if (i < a.length && j < b.length && (a[i] === b[j] || a[i] === "?" || b[j] === "?"))
      r = f(i + 1, j + 1);
    else r = false;
    memo.set(key, r);
    return r;
  };
  return f(0, 0);
}

// ---------------------------------------------------------------------------------------------
// Statement pairing

function jaccard<T>(a: readonly T[], b: readonly T[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const sa = new Set(a);
  const inter = b.filter((x) => sa.has(x)).length;
  return inter / (sa.size + new Set(b).size - inter);
}

function similarity(e: NormalStatement, a: NormalStatement): number {
  const actionOverlap = e.actions.some((x) => a.actions.some((y) => overlaps(x, y)));
  const eKeys = e.conditions.map((c) => c.key);
  const aKeys = a.conditions.map((c) => c.key);
  const keyOverlap = eKeys.some((k) => aKeys.includes(k));
  if (!actionOverlap && !(keyOverlap && e.effect === a.effect)) return 0;
  return (
    (e.effect === a.effect ? 0.2 : 0) +
    (e.actionElement === a.actionElement ? 0.1 : 0) +
    0.4 * Math.max(jaccard(e.actions, a.actions), actionOverlap ? 0.25 : 0) +
    0.1 * jaccard(e.resources, a.resources) +
    0.2 * jaccard(eKeys, aKeys)
  );
}

export interface StatementPairing {
  pairs: [NormalStatement, NormalStatement][];
  unpairedExpected: NormalStatement[];
  unpairedActual: NormalStatement[];
}

/** Pairs statements: identical ones first, then by Sid, then by best match. */
export function pairStatements(expected: NormalStatement[], actual: NormalStatement[]): StatementPairing {
  const pairs: [NormalStatement, NormalStatement][] = [];
  const freeE = new Set(expected);
  const freeA = new Set(actual);
  const take = (e: NormalStatement, a: NormalStatement): void => {
    pairs.push([e, a]);
    freeE.delete(e);
    freeA.delete(a);
  };
  for (const e of expected) {
    const same = [...freeA].filter((a) => a.signature === e.signature);
    const pick = same.find((a) => a.sid === e.sid) ?? same[0];
    if (pick) take(e, pick);
  }
  for (const e of [...freeE]) {
    if (!e.sid) continue;
    const pick =
      [...freeA].find((a) => a.sid === e.sid) ??
      [...freeA].find((a) => a.sid?.toLowerCase() === e.sid?.toLowerCase());
    if (pick) take(e, pick);
  }
  const scored: { e: NormalStatement; a: NormalStatement; score: number }[] = [];
  for (const e of freeE) for (const a of freeA) scored.push({ e, a, score: similarity(e, a) });
  scored.sort((x, y) => y.score - x.score || x.e.index - y.e.index || x.a.index - y.a.index);
  for (const { e, a, score } of scored) {
    if (score < 0.35) break;
    if (freeE.has(e) && freeA.has(a)) take(e, a);
  }
  return {
    pairs: pairs.sort((x, y) => x[0].index - y[0].index),
    unpairedExpected: [...freeE],
    unpairedActual: [...freeA],
  };
}

// ---------------------------------------------------------------------------------------------
// Severities

/** The severity of a content change before reach is considered (docs/baseline.md, "Severity"). */
function severityFor(
  kind: DriftKind,
  direction: Direction,
  effect: "Allow" | "Deny",
  principalKey = false,
): Severity {
  switch (kind) {
    case "effect_changed":
      return direction === "weakens" ? "critical" : "high";
    case "deny_statement_removed":
    case "deny_actions_removed":
      return "high";
    case "deny_statement_added":
    case "deny_actions_added":
      return "low";
    case "allow_widened":
      return "medium";
    case "allow_narrowed":
      return "medium";
    case "condition_loosened":
      return effect === "Deny" ? "high" : "medium";
    case "condition_tightened":
      return effect === "Allow" || principalKey ? "medium" : "low";
    case "resource_scope_changed":
      return direction === "weakens"
        ? effect === "Deny"
          ? "high"
          : "medium"
        : direction === "tightens"
          ? "low"
          : "medium";
    default:
      return "medium";
  }
}

function change(
  kind: DriftKind,
  direction: Direction,
  effect: "Allow" | "Deny",
  fields: Omit<ContentChange, "kind" | "direction" | "severity">,
  principalKey = false,
): ContentChange {
  return { kind, direction, severity: severityFor(kind, direction, effect, principalKey), ...fields };
}

// ---------------------------------------------------------------------------------------------
// Element comparisons

/** Both documents' statements, for comparisons that look beyond the pair being compared. */
interface Sides {
  expected: readonly NormalStatement[];
  actual: readonly NormalStatement[];
  iam: IamIndex | undefined;
}

/** Statements on one side that differ from `s` only in their actions (split or merged statements). */
function siblings(s: NormalStatement, side: readonly NormalStatement[]): NormalStatement[] {
  return side.filter((x) => x.scopeSignature === s.scopeSignature && x.actionElement === "Action");
}

function compareActions(e: NormalStatement, a: NormalStatement, sides: Sides): ContentChange[] {
  const { iam } = sides;
  // fewer: what the expected statement covers and the actual one no longer does; more: the reverse.
  let fewer: string[] = [];
  let more: string[] = [];
  let note = "";
  const ea = e.actionElement;
  const aa = a.actionElement;
  if (ea === "Action" && aa === "Action") {
    const actualPool = [...new Set([...a.actions, ...siblings(a, sides.actual).flatMap((s) => s.actions)])];
    const expectedPool = [
      ...new Set([...e.actions, ...siblings(e, sides.expected).flatMap((s) => s.actions)]),
    ];
    fewer = e.actions.filter((p) => !actionsCover(actualPool, p, iam));
    more = a.actions.filter((p) => !actionsCover(expectedPool, p, iam));
  } else if (ea === "NotAction" && aa === "NotAction") {
    // A larger NotAction covers fewer actions.
    fewer = a.actions.filter((p) => !actionsCover(e.actions, p, iam));
    more = e.actions.filter((p) => !actionsCover(a.actions, p, iam));
    note = " (NotAction: listed actions are exempt)";
  } else if (ea === "Action" && aa === "NotAction") {
    fewer = e.actions.includes("*")
      ? [...a.actions]
      : a.actions.filter((n) => e.actions.some((p) => overlaps(n, p, iam)));
    if (!e.actions.includes("*")) more = [`* except ${a.actions.join(", ")}`];
    note = " (the actual statement uses NotAction)";
  } else {
    more = a.actions.includes("*")
      ? [...e.actions]
      : a.actions.filter((p) => e.actions.some((n) => overlaps(n, p, iam)));
    if (!a.actions.includes("*"))
      fewer = [`* except ${e.actions.join(", ")}, beyond ${a.actions.join(", ")}`];
    note = " (the expected statement uses NotAction)";
  }
  // Report actions as written (the comparison is on lower-cased forms).
  const spelled = new Map<string, string>();
  for (const r of [...e.rawActions, ...a.rawActions])
    if (!spelled.has(normalizeAction(r))) spelled.set(normalizeAction(r), r);
  fewer = fewer.map((x) => spelled.get(x) ?? x);
  more = more.map((x) => spelled.get(x) ?? x);
  const out: ContentChange[] = [];
  const base = {
    statement: { expected: ref(e), actual: ref(a) },
    element: aa,
    condition: null,
    path: `${a.path}.${aa}`,
    expected: { [ea]: e.rawActions },
    actual: { [aa]: a.rawActions },
  };
  // An entry that matches no action (a typo) changes nothing: reported apart, as neutral.
  const isDead = (p: string): boolean => iam?.expand(p)?.length === 0;
  const emit = (
    kind: DriftKind,
    direction: Direction,
    values: string[],
    text: (v: string) => string,
  ): void => {
    const live = values.filter((v) => !isDead(v));
    const dead = values.filter(isDead);
    if (live.length)
      out.push(
        change(kind, direction, e.effect, {
          ...base,
          difference: live,
          explanation: `${text(quote(live))}.`,
        }),
      );
    if (dead.length)
      out.push({
        ...change(kind, "neutral", e.effect, {
          ...base,
          difference: dead,
          explanation: `${text(quote(dead))}; ${dead.length === 1 ? "it matches" : "they match"} no action in the IAM catalogue, so this changes nothing.`,
        }),
        severity: "info",
      });
  };
  if (e.effect === "Deny") {
    emit("deny_actions_removed", "weakens", fewer, (v) => `${label(a)} no longer denies ${v}${note}`);
    emit(
      "deny_actions_added",
      "tightens",
      more,
      (v) => `${label(a)} also denies ${v}, which the baseline does not${note}`,
    );
  } else {
    emit("allow_widened", "weakens", more, (v) => `${label(a)} also allows ${v}, beyond the baseline${note}`);
    emit("allow_narrowed", "tightens", fewer, (v) => `${label(a)} no longer allows ${v}${note}`);
  }
  return out;
}

function compareResources(e: NormalStatement, a: NormalStatement): ContentChange[] {
  const cover = (g: string, s: string): boolean => patternSubsumes(g, s);
  const everything = (st: NormalStatement): boolean =>
    st.resourceElement === "Resource" && st.resources.includes("*");
  let fewer: string[];
  let more: string[];
  let comparable = true;
  if (e.resourceElement === a.resourceElement) {
    const lost = notCoveredBy(e.resources, a.resources, cover);
    const gained = notCoveredBy(a.resources, e.resources, cover);
    [fewer, more] = e.resourceElement === "Resource" ? [lost, gained] : [gained, lost];
  } else if (everything(e)) {
    // "*" became NotResource X: X is no longer covered.
    [fewer, more] = [[...a.resources], []];
  } else if (everything(a)) {
    // NotResource X became "*": X is now covered too.
    [fewer, more] = [[], [...e.resources]];
  } else {
    [fewer, more] = [[...e.resources], [...a.resources]];
    comparable = false;
  }
  if (fewer.length === 0 && more.length === 0) return [];
  const make = (direction: Direction, what: string, lost: string[], gained: string[]): ContentChange =>
    change("resource_scope_changed", direction, e.effect, {
      statement: { expected: ref(e), actual: ref(a) },
      element: a.resourceElement,
      condition: null,
      path: `${a.path}.${a.resourceElement}`,
      expected: { [e.resourceElement]: e.rawResources },
      actual: { [a.resourceElement]: a.rawResources },
      difference: [...lost.map((r) => `-${r}`), ...gained.map((r) => `+${r}`)],
      explanation: `${label(a)} ${what} than the baseline${
        lost.length ? `: no longer ${quote(lost)}` : ""
      }${gained.length ? `${lost.length ? ";" : ":"} now also ${quote(gained)}` : ""}.`,
    });
  if (!comparable) return [make("neutral", "applies to different resources", fewer, more)];
  // Resources lost and resources gained are two changes: a Deny that stops covering a protected
  // resource weakens the guardrail even if it now covers another one.
  const out: ContentChange[] = [];
  const deny = e.effect === "Deny";
  if (fewer.length) out.push(make(deny ? "weakens" : "tightens", "applies to fewer resources", fewer, []));
  if (more.length) out.push(make(deny ? "tightens" : "weakens", "applies to more resources", [], more));
  return out;
}

type Growth = "grows" | "shrinks";

const PRINCIPAL_KEY =
  /^aws:(principalarn|principalaccount|principaltag\/|userid|username|principaltype|principalorgpaths|principalorgid|principalisawsservice)/;

function conditionChange(
  e: NormalStatement,
  a: NormalStatement,
  growth: Growth | "changed",
  c: { operator: string; key: string; writtenKey: string },
  path: string,
  expected: unknown,
  actual: unknown,
  difference: string[],
  explanation: string,
): ContentChange {
  const principalKey = PRINCIPAL_KEY.test(c.key);
  const fields = {
    statement: { expected: ref(e), actual: ref(a) },
    element: "Condition",
    condition: { operator: c.operator, key: c.writtenKey },
    path,
    expected,
    actual,
    difference,
  };
  if (growth === "changed") {
    return change("condition_changed", "neutral", e.effect, {
      ...fields,
      explanation: `${label(a)}: ${explanation}; it now matches different requests.`,
    });
  }
  // A Deny that matches more requests is tighter; an Allow that matches more is looser.
  const loosened = (growth === "grows") === (e.effect === "Allow");
  const effectText =
    e.effect === "Deny"
      ? loosened
        ? "the Deny applies to fewer requests"
        : "the Deny applies to more requests"
      : loosened
        ? "the Allow applies to more requests"
        : "the Allow applies to fewer requests";
  return change(
    loosened ? "condition_loosened" : "condition_tightened",
    loosened ? "weakens" : "tightens",
    e.effect,
    { ...fields, explanation: `${label(a)}: ${explanation}, so ${effectText}.` },
    principalKey,
  );
}

const condValue = (c: NormalCondition): Record<string, Record<string, string[]>> => ({
  [c.operator]: { [c.writtenKey]: c.displayValues },
});

function compareConditionPair(
  e: NormalStatement,
  a: NormalStatement,
  ec: NormalCondition,
  ac: NormalCondition,
): ContentChange[] {
  const out: ContentChange[] = [];
  const id = { operator: ac.operator, key: ac.key, writtenKey: ac.writtenKey };
  const where = `${ec.operator} ${ac.writtenKey}`;
  // IfExists only changes the result when absence would otherwise be false: a plain positive
  // operator, or ForAnyValue (false for a missing set, negated or not). ForAllValues is already true.
  const absenceMatters =
    ec.qualifier === "ForAnyValue" ? true : ec.qualifier === "ForAllValues" ? false : !ec.negated;
  if (ec.ifExists !== ac.ifExists && absenceMatters) {
    out.push(
      conditionChange(
        e,
        a,
        ac.ifExists ? "grows" : "shrinks",
        id,
        ac.path,
        condValue(ec),
        condValue(ac),
        [ac.operator],
        ac.ifExists
          ? `${ac.operator} now also matches requests without ${ac.writtenKey}`
          : `${ac.operator} no longer matches requests without ${ac.writtenKey}`,
      ),
    );
  }
  const single = ec.values.length === 1 && ac.values.length === 1;
  if (ec.comparison !== "eq" && single) {
    const ev = Number(ec.family === "Date" ? Date.parse(ec.values[0] ?? "") : ec.values[0]);
    const av = Number(ec.family === "Date" ? Date.parse(ac.values[0] ?? "") : ac.values[0]);
    if (Number.isFinite(ev) && Number.isFinite(av) && ev !== av) {
      const upper = ec.comparison === "lt" || ec.comparison === "lte";
      const grows = upper ? av > ev : av < ev;
      out.push(
        conditionChange(
          e,
          a,
          grows ? "grows" : "shrinks",
          id,
          ac.path,
          condValue(ec),
          condValue(ac),
          [`${ec.displayValues[0]} → ${ac.displayValues[0]}`],
          `${where} threshold changed from ${ec.displayValues[0]} to ${ac.displayValues[0]}`,
        ),
      );
      return out;
    }
  }
  const cover = (g: string, s: string): boolean => (ec.wildcards ? patternSubsumes(g, s) : g === s);
  const added = notCoveredBy(ac.values, ec.values, cover);
  const removed = notCoveredBy(ec.values, ac.values, cover);
  const display = (c: NormalCondition, values: string[]): string[] =>
    values.map((v) => c.displayValues[c.values.indexOf(v)] ?? v);
  if (ec.family === "Bool" || ec.family === "Null") {
    if (added.length || removed.length) {
      out.push(
        conditionChange(
          e,
          a,
          // Values are ORed: only added, the condition matches more; only removed, fewer.
          added.length && removed.length ? "changed" : added.length ? "grows" : "shrinks",
          id,
          ac.path,
          condValue(ec),
          condValue(ac),
          [...removed.map((v) => `-${v}`), ...added.map((v) => `+${v}`)],
          `${where} changed from ${quote(ec.displayValues)} to ${quote(ac.displayValues)}`,
        ),
      );
    }
    return out;
  }
  const negated = ec.negated;
  if (added.length) {
    out.push(
      conditionChange(
        e,
        a,
        negated ? "shrinks" : "grows",
        id,
        ac.path,
        condValue(ec),
        condValue(ac),
        display(ac, added),
        `${where} gained ${quote(display(ac, added))}${negated && e.effect === "Deny" ? " (more exemptions)" : ""}`,
      ),
    );
  }
  if (removed.length) {
    out.push(
      conditionChange(
        e,
        a,
        negated ? "grows" : "shrinks",
        id,
        ac.path,
        condValue(ec),
        condValue(ac),
        display(ec, removed),
        `${where} lost ${quote(display(ec, removed))}${negated && e.effect === "Deny" ? " (fewer exemptions)" : ""}`,
      ),
    );
  }
  return out;
}

function compareConditions(e: NormalStatement, a: NormalStatement): ContentChange[] {
  const group = (cs: readonly NormalCondition[]): Map<string, NormalCondition[]> => {
    const m = new Map<string, NormalCondition[]>();
    for (const c of cs) {
      const k = `${c.pairingOperator}|${c.key}`;
      m.set(k, [...(m.get(k) ?? []), c]);
    }
    return m;
  };
  const eg = group(e.conditions);
  const ag = group(a.conditions);
  const out: ContentChange[] = [];
  for (const [k, ecs] of eg) {
    const acs = ag.get(k) ?? [];
    ecs.forEach((ec, i) => {
      const ac = acs[i];
      if (ac) out.push(...compareConditionPair(e, a, ec, ac));
      else
        out.push(
          conditionChange(
            e,
            a,
            "grows",
            { operator: ec.operator, key: ec.key, writtenKey: ec.writtenKey },
            `${a.path}.Condition`,
            condValue(ec),
            null,
            ec.displayValues,
            `the condition ${ec.operator} ${ec.writtenKey} ${quote(ec.displayValues)} is missing`,
          ),
        );
    });
  }
  for (const [k, acs] of ag) {
    const ecs = eg.get(k) ?? [];
    acs.slice(ecs.length).forEach((ac) => {
      out.push(
        conditionChange(
          e,
          a,
          "shrinks",
          { operator: ac.operator, key: ac.key, writtenKey: ac.writtenKey },
          ac.path,
          null,
          condValue(ac),
          ac.displayValues,
          `an extra condition ${ac.operator} ${ac.writtenKey} ${quote(ac.displayValues)} was added`,
        ),
      );
    });
  }
  return out;
}

function compareStatements(e: NormalStatement, a: NormalStatement, sides: Sides): ContentChange[] {
  if (e.signature === a.signature) return [];
  if (e.effect !== a.effect) {
    const weakens = e.effect === "Deny";
    return [
      change("effect_changed", weakens ? "weakens" : "tightens", e.effect, {
        statement: { expected: ref(e), actual: ref(a) },
        element: "Effect",
        condition: null,
        path: `${a.path}.Effect`,
        expected: e.effect,
        actual: a.effect,
        difference: [`${e.effect} → ${a.effect}`],
        explanation: weakens
          ? `${label(a)} is an Allow where the baseline has a Deny: the guardrail is gone.`
          : `${label(a)} is a Deny where the baseline has an Allow: what it allowed is now denied.`,
      }),
    ];
  }
  const out: ContentChange[] = [];
  // RCP principals can only be "*" (the parser rejects anything else), so they never differ.
  out.push(...compareActions(e, a, sides));
  out.push(...compareResources(e, a));
  out.push(...compareConditions(e, a));
  return out;
}

function statementCovered(
  s: NormalStatement,
  otherSide: readonly NormalStatement[],
  iam: IamIndex | undefined,
): boolean {
  if (s.actionElement !== "Action") return false;
  const pool = siblings(s, otherSide).flatMap((x) => x.actions);
  return pool.length > 0 && s.actions.every((p) => actionsCover(pool, p, iam));
}

function describeStatement(s: NormalStatement): string {
  const cond = s.conditions.length
    ? ` when ${s.conditions.map((c) => `${c.operator} ${c.writtenKey} ${quote(c.displayValues)}`).join(" and ")}`
    : "";
  return `${s.effect} ${s.actionElement} ${quote(s.rawActions)}${cond}`;
}

/** Every semantic difference between the expected and the actual document. */
export function diffPolicyDocuments(
  expected: ParsedPolicy,
  actual: ParsedPolicy,
  options: DiffOptions = {},
): ContentChange[] {
  const E = normalizePolicy(expected);
  const A = normalizePolicy(actual);
  const { pairs, unpairedExpected, unpairedActual } = pairStatements(E, A);
  const out: ContentChange[] = [];
  for (const [e, a] of pairs)
    out.push(...compareStatements(e, a, { expected: E, actual: A, iam: options.iam }));
  for (const e of unpairedExpected) {
    if (statementCovered(e, A, options.iam)) continue;
    const deny = e.effect === "Deny";
    out.push(
      change(deny ? "deny_statement_removed" : "allow_narrowed", deny ? "weakens" : "tightens", e.effect, {
        statement: { expected: ref(e), actual: null },
        element: "Statement",
        condition: null,
        path: e.path,
        expected: e.raw,
        actual: null,
        difference: e.rawActions,
        explanation: `The baseline's ${label(e)} (${describeStatement(e)}) is missing from the policy${
          deny ? ": its guardrail is gone" : ": what it allowed is no longer allowed by this policy"
        }.`,
      }),
    );
  }
  for (const a of unpairedActual) {
    if (statementCovered(a, E, options.iam)) continue;
    const deny = a.effect === "Deny";
    out.push(
      change(deny ? "deny_statement_added" : "allow_widened", deny ? "tightens" : "weakens", a.effect, {
        statement: { expected: null, actual: ref(a) },
        element: "Statement",
        condition: null,
        path: a.path,
        expected: null,
        actual: a.raw,
        difference: a.rawActions,
        explanation: `${label(a)} (${describeStatement(a)}) is not in the baseline${
          deny ? "" : ": it allows more than expected"
        }.`,
      }),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Findings with their organization context (built by src/audit/drift.ts)

export interface FindingTarget {
  id: string;
  type: "ROOT" | "ORGANIZATIONAL_UNIT" | "ACCOUNT";
  name: string;
  path: string;
}

export interface DriftFinding extends DifferenceDetail {
  /** Stable across runs for the same difference (for CI de-duplication). */
  id: string;
  kind: DriftKind;
  severity: Severity;
  direction: Direction;
  policy: {
    name: string;
    type: "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";
    /** The organization's policy id; null when the policy does not exist there. */
    id: string | null;
    /** Position in the baseline's policies array; null for a policy the baseline does not name. */
    baselineIndex: number | null;
  };
  targets: FindingTarget[];
  statement: { expected: StatementRef | null; actual: StatementRef | null } | null;
  element: string | null;
  /** Accounts inside the allowed scope (and the requested scope) that the difference reaches. */
  accountsAffected: number;
}

/** Ranks: weakening first, then tightening, then neutral; within each, by severity, then reach. */
export function rankFindings<
  T extends Pick<DriftFinding, "direction" | "severity" | "accountsAffected" | "policy" | "kind" | "id">,
>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      directionRank(a.direction) - directionRank(b.direction) ||
      severityRank(a.severity) - severityRank(b.severity) ||
      b.accountsAffected - a.accountsAffected ||
      a.policy.name.localeCompare(b.policy.name) ||
      a.kind.localeCompare(b.kind) ||
      a.id.localeCompare(b.id),
  );
}

/** A weakening that reaches the whole organization (attached at a root) is one level more serious. */
export function severityWithReach(severity: Severity, direction: Direction, atRoot: boolean): Severity {
  return direction === "weakens" && atRoot ? raise(severity) : severity;
}

/** What a policy does, to judge its absence or an extra attachment. */
export function policyEffects(policy: ParsedPolicy): {
  allows: boolean;
  denies: boolean;
  fullAccess: boolean;
} {
  const allows = policy.statements.some((s) => s.effect === "Allow");
  const denies = policy.statements.some((s) => s.effect === "Deny");
  const fullAccess = policy.statements.some(
    (s) =>
      s.effect === "Allow" &&
      s.action.element === "Action" &&
      s.action.values.some((v) => normalizeAction(v) === "*") &&
      s.resource.element === "Resource" &&
      s.resource.values.includes("*") &&
      s.conditions.length === 0,
  );
  return { allows, denies, fullAccess };
}

/** A short stable hash (FNV-1a) for finding ids. */
export function fingerprint(parts: readonly unknown[]): string {
  const text = JSON.stringify(parts);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** What each kind means (SARIF rules, docs/baseline.md). */
export const DRIFT_KIND_INFO: Record<DriftKind, { title: string; description: string }> = {
  policy_missing: {
    title: "Policy missing",
    description: "A baseline policy does not exist in the organization.",
  },
  policy_unexpected: {
    title: "Unexpected policy",
    description: "A customer-managed policy of the organization is not in the baseline.",
  },
  attachment_missing: {
    title: "Attachment missing",
    description: "A baseline policy is not attached where the baseline says it must be.",
  },
  attachment_unexpected: {
    title: "Unexpected attachment",
    description: "A baseline policy is attached somewhere the baseline does not list.",
  },
  full_aws_access_detached: {
    title: "FullAWSAccess detached",
    description:
      "FullAWSAccess (or RCPFullAWSAccess) is missing where the baseline expects it: everything below is implicitly denied unless another Allow replaces it.",
  },
  deny_statement_removed: {
    title: "Deny statement removed",
    description: "A Deny statement of the baseline is missing from the organization's policy.",
  },
  deny_statement_added: {
    title: "Deny statement added",
    description: "The organization's policy has a Deny statement the baseline does not.",
  },
  deny_actions_removed: {
    title: "Deny covers fewer actions",
    description:
      "A Deny statement no longer covers actions the baseline denies (or exempts more in NotAction).",
  },
  deny_actions_added: {
    title: "Deny covers more actions",
    description:
      "A Deny statement covers actions the baseline does not deny (or exempts fewer in NotAction).",
  },
  allow_widened: {
    title: "Allow widened",
    description: "An Allow statement (allow-list) allows more than the baseline.",
  },
  allow_narrowed: {
    title: "Allow narrowed",
    description: "An Allow statement (allow-list) allows less than the baseline.",
  },
  condition_loosened: {
    title: "Condition loosened",
    description:
      "A condition change weakens the statement: a Deny applies to fewer requests (e.g. a longer exemption list), or an Allow to more.",
  },
  condition_tightened: {
    title: "Condition tightened",
    description:
      "A condition change strengthens the statement: a Deny applies to more requests (e.g. an exemption removed), or an Allow to fewer.",
  },
  condition_changed: {
    title: "Condition changed",
    description:
      "A condition now matches different requests, neither a subset nor a superset (e.g. a Bool flipped).",
  },
  resource_scope_changed: {
    title: "Resource scope changed",
    description: "A statement applies to other resources than in the baseline.",
  },
  effect_changed: {
    title: "Effect changed",
    description: "A statement's Effect differs from the baseline (Deny turned Allow, or the reverse).",
  },
  target_unresolved: {
    title: "Baseline target not found",
    description: "A baseline target (id or OU path) does not exist in the organization.",
  },
  policy_unparseable: {
    title: "Policy not compared",
    description: "The organization's document could not be parsed, so it was not compared with the baseline.",
  },
};
