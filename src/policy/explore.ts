/**
 * The values a missing context key can take, when they fall into finitely many cases: a key compared
 * only by exact String operators, Bool and Null has as many cases as values the undecided statements
 * name, plus "any other value" and "absent" (and, for a key under a set operator, every subset of
 * those). Evaluating each case settles a depends_on_context answer: an outcome gets a context that
 * yields it and, when every missing key was enumerated, an outcome no case yields is impossible; when
 * every case gives one decision, the missing keys cannot change it. Keys compared with wildcards, ARN,
 * numeric, date or IP operators, or used as policy variables, stay missing in every case; a case is
 * still definite when the three-valued evaluation decides it without them.
 */
import type { ParsedCondition, ParsedStatement } from "./parse.js";
import { normalizeConditionKey, RESOURCE_KEY, type ContextValue } from "./request-context.js";

/** Above this many contexts the answer is left undecided rather than paying for the search. */
export const MAX_CONTEXTS = 128;
/** Above this many values named for a key under a set operator, its subsets are not enumerated. */
const MAX_SET_VALUES = 4;

/** Whether a condition's truth depends only on which of its literal values the key's value equals. */
function finiteCases(c: ParsedCondition): boolean {
  const { family, wildcards, ignoreCase } = c.operator.base;
  if (family === "Null") return true;
  if (family !== "String" && family !== "Bool") return false;
  if (wildcards || ignoreCase) return false;
  return c.compiled.every((v) => (v.kind === "pattern" || v.kind === "bool") && v.pattern.parts === null);
}

function mentionsVariable(statement: ParsedStatement, normalizedKey: string): boolean {
  const patterns = [
    ...statement.resource.patterns,
    ...statement.conditions.flatMap((c) => c.compiled.flatMap((v) => ("pattern" in v ? [v.pattern] : []))),
  ];
  return patterns.some((p) => p.variables.some((v) => v.normalizedKey === normalizedKey));
}

function otherValue(taken: ReadonlySet<string>): string {
  let value = "(any other value)";
  while (taken.has(value)) value += "'";
  return value;
}

function subsets(values: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const v of values) for (const s of [...out]) out.push([...s, v]);
  return out;
}

export type KeyContexts =
  | {
      contexts: Record<string, ContextValue>[];
      /** Every missing key was enumerated (none stays missing in the contexts). */
      complete: boolean;
    }
  | { tooMany: number };

/**
 * Every context the enumerable missing keys can take, up to the distinctions the (undecided)
 * statements make; undefined when no key is enumerable, `tooMany` above MAX_CONTEXTS.
 */
export function missingKeyContexts(
  missingKeys: readonly string[],
  statements: readonly ParsedStatement[],
): KeyContexts | undefined {
  let complete = true;
  const perKey: { key: string; values: ContextValue[] }[] = [];
  let total = 1;
  // Sorted keys and values: the cases, and so the context shown for each outcome, do not depend on
  // the order of statements, policies or values.
  const keys = [...missingKeys].sort((a, b) =>
    normalizeConditionKey(a) < normalizeConditionKey(b) ? -1 : 1,
  );
  for (const key of keys) {
    const normalized = normalizeConditionKey(key);
    const conditions = statements.flatMap((s) => s.conditions.filter((c) => c.normalizedKey === normalized));
    if (
      key === RESOURCE_KEY ||
      !conditions.every(finiteCases) ||
      statements.some((s) => mentionsVariable(s, normalized))
    ) {
      complete = false;
      continue;
    }
    const named = new Set(
      conditions.filter((c) => c.operator.base.family !== "Null").flatMap((c) => c.values),
    );
    if (conditions.some((c) => c.operator.base.family === "Bool")) {
      named.add("true");
      named.add("false");
    }
    const literals = [...[...named].sort(), otherValue(named)];
    let values: ContextValue[];
    if (conditions.some((c) => c.operator.qualifier !== undefined)) {
      if (literals.length > MAX_SET_VALUES + 1) {
        complete = false;
        continue;
      }
      values = subsets(literals);
    } else {
      values = [[], ...literals];
    }
    total *= values.length;
    perKey.push({ key, values });
  }
  if (total > MAX_CONTEXTS) return { tooMany: total };
  if (perKey.length === 0) return undefined;
  let contexts: Record<string, ContextValue>[] = [{}];
  for (const { key, values } of perKey) {
    contexts = contexts.flatMap((ctx) => values.map((v) => ({ ...ctx, [key]: v })));
  }
  return { contexts, complete };
}
