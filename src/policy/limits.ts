/**
 * What one tool call may hand the server (issue 15). Each tool states these in its input schema; a
 * document or baseline is held to the same limits whether it comes as JSON text or as an object.
 * Measured costs at these limits are in docs/reliability.md ("Hostile input at the limits").
 */

/** A policy document to lint or compare: its text, or the compact JSON of an object. */
export const MAX_DOCUMENT_CHARS = 200_000;
/** Statements in one document. AWS's size quota (10,240 characters) allows a few hundred at most. */
export const MAX_STATEMENTS = 1_000;
/** Entries of one Action, NotAction, Resource or NotResource element. */
export const MAX_ELEMENT_ENTRIES = 1_000;
/** Condition keys in one statement (each operator's keys together). */
export const MAX_CONDITION_KEYS = 100;
/** Values of one condition key in one operator. */
export const MAX_CONDITION_VALUES = 1_000;

/** A baseline passed to compare_scp_config: its text, or the compact JSON of an object. */
export const MAX_BASELINE_CHARS = 2_000_000;
/** Policies in a baseline (AWS allows 1,000 policies of a type in an organization). */
export const MAX_BASELINE_POLICIES = 1_000;
/** Target selectors of one baseline policy, and of the whole baseline. */
export const MAX_POLICY_TARGETS = 1_000;
export const MAX_BASELINE_TARGETS = 10_000;

/** simulate_scp_request: actions, and the request context's keys and values. */
export const MAX_SIMULATED_ACTIONS = 50;
export const MAX_CONTEXT_KEYS = 100;
export const MAX_CONTEXT_VALUES = 100;
export const MAX_CONTEXT_VALUE_CHARS = 2_048;
/** Characters of the whole context: every key and every value. */
export const MAX_CONTEXT_CHARS = 20_000;

/**
 * JSON values (array elements and object members) in one request's arguments, whatever the tool:
 * a request body holding more is refused before any tool reads it.
 */
export const MAX_INPUT_ELEMENTS = 50_000;
/**
 * Members of any one object in a request. An object of tens of thousands of keys costs far more to
 * parse and validate than as many array elements; no tool input has more than a few hundred.
 */
export const MAX_OBJECT_MEMBERS = 1_000;

/** 1000000 → "1,000,000", for limits in messages and schema descriptions. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * The length of `value` as compact JSON (what JSON.stringify gives), or undefined as soon as it is
 * known to exceed `max`: the walk stops there, so its cost follows the limit, not the input.
 */
export function compactJsonLength(value: unknown, max: number): number | undefined {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "string") {
      // Escaping only lengthens a string: test the cheap lower bound before measuring it exactly.
      if (total + node.length + 2 > max) return undefined;
      total += JSON.stringify(node).length;
    } else if (node === null || node === undefined) {
      total += 4;
    } else if (typeof node === "number" || typeof node === "boolean") {
      total += String(node).length;
    } else if (Array.isArray(node)) {
      total += 2 + Math.max(0, node.length - 1);
      for (let i = node.length - 1; i >= 0 && total <= max; i--) stack.push(node[i]);
    } else if (typeof node === "object") {
      const keys = Object.keys(node);
      total += 2 + Math.max(0, keys.length - 1);
      for (const key of keys) {
        if (total > max) break;
        total += JSON.stringify(key).length + 1;
        stack.push((node as Record<string, unknown>)[key]);
      }
    }
    if (total > max) return undefined;
  }
  return total;
}

const asList = (v: unknown): unknown[] | undefined =>
  Array.isArray(v) ? v : v === undefined ? undefined : [v];

/**
 * What in a policy document (a parsed JSON value) exceeds the statement, element and condition
 * limits; undefined when nothing does. Only counts are read: the parser reports everything else.
 */
export function documentLimitProblem(doc: unknown): string | undefined {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  const statements = asList((doc as Record<string, unknown>).Statement) ?? [];
  if (statements.length > MAX_STATEMENTS) {
    return `the document has ${count(statements.length)} statements, over the limit of ${count(MAX_STATEMENTS)}`;
  }
  for (const [i, st] of statements.entries()) {
    if (st === null || typeof st !== "object" || Array.isArray(st)) continue;
    const rec = st as Record<string, unknown>;
    const where = Array.isArray((doc as Record<string, unknown>).Statement) ? `Statement[${i}]` : "Statement";
    for (const element of ["Action", "NotAction", "Resource", "NotResource"]) {
      const entries = asList(rec[element])?.length ?? 0;
      if (entries > MAX_ELEMENT_ENTRIES) {
        return `${where}.${element} has ${count(entries)} entries, over the limit of ${count(MAX_ELEMENT_ENTRIES)} per element`;
      }
    }
    const condition = rec.Condition;
    if (condition === null || typeof condition !== "object" || Array.isArray(condition)) continue;
    let keys = 0;
    for (const [operator, block] of Object.entries(condition)) {
      if (block === null || typeof block !== "object" || Array.isArray(block)) continue;
      for (const [key, values] of Object.entries(block)) {
        keys++;
        const n = asList(values)?.length ?? 0;
        if (n > MAX_CONDITION_VALUES) {
          return `${where}.Condition["${operator}"]["${key}"] has ${count(n)} values, over the limit of ${count(MAX_CONDITION_VALUES)} per key`;
        }
      }
    }
    if (keys > MAX_CONDITION_KEYS) {
      return `${where}.Condition has ${count(keys)} keys, over the limit of ${count(MAX_CONDITION_KEYS)} per statement`;
    }
  }
  return undefined;
}
