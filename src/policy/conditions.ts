/**
 * Condition evaluation, three-valued. Semantics follow the IAM condition operator reference:
 * several values for one key are OR (NOR for negated operators), several keys and several
 * operators are AND; ...IfExists, Null and the set operators give absence a defined result.
 * A plain operator on a key the context lacks is "unknown" (in the default partial-context mode),
 * never the permissive branch.
 */
import ipaddr from "ipaddr.js";
import { normalizeConditionKey, type EvalEnv } from "./request-context.js";
import { compilePattern, globMatch, matchCompiled, resolvePattern, type CompiledPattern } from "./match.js";
import type { Comparison, ConditionOperator } from "./operators.js";
import { and2, or2, triAnd, triNot, UNKNOWN, type Tri } from "./tri.js";

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface ArnSegments {
  texts: string[];
  kinds: (Uint8Array | null)[];
}

export type CompiledValue =
  | { kind: "pattern"; pattern: CompiledPattern }
  | { kind: "arn"; pattern: CompiledPattern; segments?: ArnSegments }
  | { kind: "number"; value: number }
  | { kind: "date"; value: number }
  | { kind: "bool"; pattern: CompiledPattern }
  | { kind: "binary"; value: string }
  | { kind: "ip"; cidr: Cidr }
  | { kind: "null"; value: boolean }
  | { kind: "invalid"; reason: string };

export interface ParsedCondition {
  operator: ConditionOperator;
  /** The key as written in the policy. */
  key: string;
  normalizedKey: string;
  /** Policy values as strings (numbers and booleans in the JSON are stringified). */
  values: string[];
  /** The value exactly as in the JSON (string, number, boolean or array). */
  rawValue: unknown;
  compiled: CompiledValue[];
  /** JSON path inside the statement, e.g. Condition["StringEquals"]["aws:RequestedRegion"]. */
  path: string;
}

// ---------------------------------------------------------------------------------------------
// Value parsing

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const EPOCH = /^[+-]?\d+(?:\.\d+)?$/;
const ISO_DATE =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

export function parseNumber(text: string): number {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : Number.NaN;
}

/** ISO 8601 (date, or date and time with optional zone; no zone means UTC) or epoch seconds → ms. */
export function parseDate(text: string): number {
  const t = text.trim();
  if (EPOCH.test(t)) return Number(t) * 1000;
  const m = ISO_DATE.exec(t);
  if (!m) return Number.NaN;
  const [, date, time, zone] = m;
  if (!time) return Date.parse(`${date}T00:00:00Z`);
  let z = zone ?? "Z";
  if (z === "z") z = "Z";
  if (z !== "Z" && !z.includes(":")) z = z.length === 3 ? `${z}:00` : `${z.slice(0, 3)}:${z.slice(3)}`;
  return Date.parse(`${date}T${time}${z}`);
}

function parseIpStrict(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const t = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) return ipaddr.IPv4.parse(t);
  if (t.includes(":") && ipaddr.IPv6.isValid(t)) {
    const v6 = ipaddr.IPv6.parse(t);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return undefined;
}

/** A CIDR ("10.0.0.0/8", "2001:db8::/32") or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const t = text.trim();
  const slash = t.indexOf("/");
  if (slash === -1) {
    const ip = parseIpStrict(t);
    return ip ? [ip, ip.kind() === "ipv4" ? 32 : 128] : undefined;
  }
  const addr = t.slice(0, slash);
  const bitsText = t.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (addr.includes(":")) {
    if (!ipaddr.IPv6.isValid(addr) || bits > 128) return undefined;
    const v6 = ipaddr.IPv6.parse(addr);
    // An IPv4-mapped range (::ffff:a.b.c.d/96+) is the IPv4 range it maps, as addresses are read.
    if (v6.isIPv4MappedAddress() && bits >= 96) return [v6.toIPv4Address(), bits - 96];
    return [v6, bits];
  }
  const ip = parseIpStrict(addr);
  if (!ip || bits > 32) return undefined;
  return [ip, bits];
}

export function ipInCidr(ipText: string, cidr: Cidr): boolean {
  const ip = parseIpStrict(ipText);
  if (!ip || ip.kind() !== cidr[0].kind()) return false;
  return ip.match(cidr);
}

/** Splits an ARN (or a compiled ARN pattern) into its six colon-separated segments. */
function splitArn(text: string, kinds: Uint8Array | null): ArnSegments | undefined {
  const texts: string[] = [];
  const kindList: (Uint8Array | null)[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = text.indexOf(":", start);
    if (colon === -1) return undefined;
    texts.push(text.slice(start, colon));
    kindList.push(kinds ? kinds.slice(start, colon) : null);
    start = colon + 1;
  }
  texts.push(text.slice(start));
  kindList.push(kinds ? kinds.slice(start) : null);
  return { texts, kinds: kindList };
}

export interface CompileProblem {
  value: string;
  message: string;
}

/** Compiles the policy values of one condition; invalid values never match and are reported. */
export function compileConditionValues(
  operator: ConditionOperator,
  values: readonly string[],
  variables: boolean,
  problems: CompileProblem[],
): CompiledValue[] {
  const base = operator.base;
  const vars = variables && base.variables;
  return values.map((value): CompiledValue => {
    const invalid = (message: string): CompiledValue => {
      problems.push({ value, message });
      return { kind: "invalid", reason: message };
    };
    switch (base.family) {
      case "String":
        return {
          kind: "pattern",
          pattern: compilePattern(value, {
            wildcards: base.wildcards,
            caseInsensitive: base.ignoreCase,
            variables: vars,
          }),
        };
      case "Arn": {
        const pattern = compilePattern(value, { wildcards: true, variables: vars });
        if (pattern.parts) return { kind: "arn", pattern };
        const segments = splitArn(pattern.text, pattern.kinds);
        if (!segments) {
          return invalid(`"${value}" is not an ARN with six colon-separated segments; it can never match`);
        }
        return { kind: "arn", pattern, segments };
      }
      case "Numeric": {
        const n = parseNumber(value);
        return Number.isNaN(n) ? invalid(`"${value}" is not a number`) : { kind: "number", value: n };
      }
      case "Date": {
        const d = parseDate(value);
        return Number.isNaN(d)
          ? invalid(`"${value}" is not an ISO 8601 date or epoch seconds`)
          : { kind: "date", value: d };
      }
      case "Bool": {
        const pattern = compilePattern(value, { wildcards: false, caseInsensitive: true, variables: vars });
        if (!pattern.parts && pattern.text !== "true" && pattern.text !== "false") {
          return invalid(`"${value}" is not true or false`);
        }
        return { kind: "bool", pattern };
      }
      case "Binary":
        return { kind: "binary", value: value.trim() };
      case "IpAddress": {
        const cidr = parseCidr(value);
        return cidr ? { kind: "ip", cidr } : invalid(`"${value}" is not an IPv4 or IPv6 address or CIDR`);
      }
      case "Null": {
        const lower = value.trim().toLowerCase();
        if (lower === "true") return { kind: "null", value: true };
        if (lower === "false") return { kind: "null", value: false };
        return invalid(`Null takes "true" or "false", not "${value}"`);
      }
    }
  });
}

/** Builds a standalone condition (for tests and callers outside a parsed policy). */
export function makeCondition(
  operator: ConditionOperator,
  key: string,
  value: string | number | boolean | readonly (string | number | boolean)[],
  options: { variables?: boolean } = {},
): ParsedCondition {
  const values = (Array.isArray(value) ? value : [value]).map((v) => String(v));
  const path = `Condition["${operator.written}"]["${key}"]`;
  return compileCondition(operator, key, { raw: value, values, path }, options.variables ?? true, []);
}

/** A condition entry with its values compiled; values that cannot be compiled are added to `problems`. */
export function compileCondition(
  operator: ConditionOperator,
  key: string,
  written: { raw: unknown; values: string[]; path: string },
  variables: boolean,
  problems: CompileProblem[],
): ParsedCondition {
  return {
    operator,
    key,
    normalizedKey: normalizeConditionKey(key),
    values: written.values,
    rawValue: written.raw,
    compiled: compileConditionValues(operator, written.values, variables, problems),
    path: written.path,
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface ConditionExplanation {
  operator: string;
  canonicalOperator: string;
  key: string;
  policyValues: string[];
  /** Policy values after variable substitution, when any value held a variable. */
  resolvedPolicyValues?: string[];
  /** The context value compared: absent when the key is missing. */
  contextValue?: string | string[];
  keyPresent: boolean;
  /**
   * The key is not in the context and the operator gave absence a defined result (IfExists, Null,
   * a set operator, or missingKeys "absent"): if the real request carries the key, this may differ.
   */
  assumedAbsent?: boolean;
  result: Tri;
  missingKeys: string[];
  reason: string;
}

function compare(a: number, b: number, c: Comparison): boolean {
  switch (c) {
    case "eq":
      return a === b;
    case "lt":
      return a < b;
    case "lte":
      return a <= b;
    case "gt":
      return a > b;
    case "gte":
      return a >= b;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function binaryEquals(a: string, b: string): boolean {
  if (a === b) return true;
  if (!BASE64.test(a) || !BASE64.test(b)) return false;
  return Buffer.from(a, "base64").equals(Buffer.from(b, "base64"));
}

interface ValueMatch {
  result: Tri;
  missingKeys: string[];
  resolved?: string;
}

const TRUE_MATCH: ValueMatch = { result: true, missingKeys: [] };
const FALSE_MATCH: ValueMatch = { result: false, missingKeys: [] };

/** Does one context value match one policy value (the positive form of the operator)? */
function matchValue(
  cv: CompiledValue,
  contextValue: string,
  comparison: Comparison,
  env: EvalEnv,
): ValueMatch {
  switch (cv.kind) {
    case "pattern": {
      const value = cv.pattern.caseInsensitive ? contextValue.toLowerCase() : contextValue;
      const m = matchCompiled(cv.pattern, value, env);
      return {
        result: m.result,
        missingKeys: m.missingKeys,
        ...(m.resolved ? { resolved: m.resolved } : {}),
      };
    }
    case "arn": {
      const ctx = splitArn(contextValue, null);
      if (!ctx) return FALSE_MATCH;
      let segments = cv.segments;
      let resolved: string | undefined;
      if (!segments) {
        const r = resolvePattern(cv.pattern, env);
        if (!r.ok) return { result: r.result, missingKeys: r.missingKeys };
        resolved = r.resolved;
        segments = splitArn(r.text, r.kinds);
        if (!segments) return { result: false, missingKeys: [], resolved };
      }
      for (let i = 0; i < 6; i++) {
        if (!globMatch(segments.texts[i] ?? "", segments.kinds[i] ?? null, ctx.texts[i] ?? "")) {
          return { result: false, missingKeys: [], ...(resolved ? { resolved } : {}) };
        }
      }
      return { result: true, missingKeys: [], ...(resolved ? { resolved } : {}) };
    }
    case "number": {
      const n = parseNumber(contextValue);
      return Number.isNaN(n) ? FALSE_MATCH : compare(n, cv.value, comparison) ? TRUE_MATCH : FALSE_MATCH;
    }
    case "date": {
      const d = parseDate(contextValue);
      return Number.isNaN(d) ? FALSE_MATCH : compare(d, cv.value, comparison) ? TRUE_MATCH : FALSE_MATCH;
    }
    case "bool": {
      const value = contextValue.trim().toLowerCase();
      if (value !== "true" && value !== "false") return FALSE_MATCH;
      const m = matchCompiled(cv.pattern, value, env);
      return {
        result: m.result,
        missingKeys: m.missingKeys,
        ...(m.resolved ? { resolved: m.resolved } : {}),
      };
    }
    case "binary":
      return binaryEquals(contextValue.trim(), cv.value) ? TRUE_MATCH : FALSE_MATCH;
    case "ip":
      return ipInCidr(contextValue, cv.cidr) ? TRUE_MATCH : FALSE_MATCH;
    case "null":
    case "invalid":
      return FALSE_MATCH;
  }
}

function quote(value: string): string {
  return value.includes('"') || value.includes("\\") ? JSON.stringify(value) : `"${value}"`;
}

function show(values: readonly string[]): string {
  if (values.length === 1) return quote(values[0] ?? "");
  let out = "[";
  for (let i = 0; i < values.length; i++) out += (i > 0 ? ", " : "") + quote(values[i] ?? "");
  return out + "]";
}

interface ExplainExtra {
  contextValue?: string | string[] | undefined;
  missingKeys?: string[];
  resolved?: string[] | undefined;
  absent?: boolean;
}

function explain(
  cond: ParsedCondition,
  result: Tri,
  reason: string,
  extra: ExplainExtra = {},
): ConditionExplanation {
  // Built property by property: spreads here cost more than the comparison itself.
  const out: ConditionExplanation = {
    operator: cond.operator.written,
    canonicalOperator: cond.operator.canonical,
    key: cond.key,
    policyValues: cond.values,
    keyPresent: extra.contextValue !== undefined && extra.absent !== true,
    result,
    missingKeys: extra.missingKeys ?? [],
    reason,
  };
  if (extra.resolved) out.resolvedPolicyValues = extra.resolved;
  if (extra.contextValue !== undefined) out.contextValue = extra.contextValue;
  else if (extra.absent && result !== UNKNOWN) out.assumedAbsent = true;
  return out;
}

/** Keys the evaluator derives from request fields: say which field to fill. */
const REQUEST_FIELD_HINTS: Readonly<Record<string, string>> = {
  "aws:principalarn": "give principalArn, or add it to the context",
  "aws:principalaccount": "give principalAccount or principalArn, or add it to the context",
  "aws:requestedregion": "give region, or add it to the context",
  "aws:currenttime": "evaluate with a clock (options.now), or add it to the context",
  "aws:epochtime": "evaluate with a clock (options.now), or add it to the context",
};

const HOW_ALL_NEG =
  "ForAllValues with a negated operator: every request value must match none of the policy values";
const HOW_ALL = "ForAllValues: every request value must match a policy value";
const HOW_ANY_NEG =
  "ForAnyValue with a negated operator: at least one request value must match none of the policy values";
const HOW_ANY = "ForAnyValue: at least one request value must match a policy value";
const HOW_NEG = "negated operator: true when the request value matches none of the policy values";
const HOW_POS = "true when the request value matches any policy value";

export function evaluateCondition(cond: ParsedCondition, env: EvalEnv): ConditionExplanation {
  const { operator } = cond;
  const { base } = operator;
  const entry = env.context.getNormalized(cond.normalizedKey);
  const present = entry !== undefined && entry.values.length > 0;
  const contextValue = entry ? (entry.multi ? [...entry.values] : (entry.values[0] ?? "")) : undefined;

  if (entry === undefined && env.missingKeys === "unknown") {
    // Not even absence is known: IfExists, Null and the set operators would all read a missing key
    // as absent, which is the permissive guess when the real request does carry it.
    return explain(
      cond,
      UNKNOWN,
      `${cond.key} is not in the request context; the result depends on it (${
        REQUEST_FIELD_HINTS[cond.normalizedKey] ?? "add it to the context, or give [] to say it is absent"
      })`,
      { missingKeys: [cond.key] },
    );
  }

  if (base.family === "Null") {
    // Null tests presence itself, so absence always has a defined answer.
    const isNull = !present;
    let result = false;
    for (const c of cond.compiled) if (c.kind === "null" && c.value === isNull) result = true;
    const state = isNull ? "absent (null)" : "present";
    return explain(cond, result, `${cond.key} is ${state}; Null ${show(cond.values)} → ${result}`, {
      contextValue,
      absent: isNull,
    });
  }

  if (!present) {
    if (operator.ifExists && operator.qualifier === "ForAnyValue") {
      // IfExists says true for a missing key, ForAnyValue says false: an open reading.
      env.readingsUsed?.push("for_any_value_if_exists_absent");
      if (env.alternativeReadings?.has("for_any_value_if_exists_absent")) {
        return explain(
          cond,
          false,
          `${cond.key} is absent; read as ForAnyValue (false for a missing set) rather than IfExists`,
          { contextValue, absent: true },
        );
      }
    }
    if (operator.ifExists) {
      return explain(
        cond,
        true,
        `${cond.key} is absent; ${operator.canonical} is true when the key is absent`,
        {
          contextValue,
          absent: true,
        },
      );
    }
    if (operator.qualifier === "ForAllValues") {
      return explain(
        cond,
        true,
        `${cond.key} has no values; ForAllValues is true for an empty or missing set (even with a negated operator)`,
        { contextValue, absent: true },
      );
    }
    if (operator.qualifier === "ForAnyValue") {
      return explain(
        cond,
        false,
        `${cond.key} has no values; ForAnyValue is false for an empty or missing set`,
        {
          contextValue,
          absent: true,
        },
      );
    }
    // The key is known to be absent: a positive operator fails, a negated one holds.
    const result = base.negated;
    return explain(
      cond,
      result,
      `${cond.key} is absent from the request; ${operator.canonical} is ${result} when the key is absent`,
      { contextValue, absent: true },
    );
  }

  const ctxValues = entry.values;
  if (!operator.qualifier && entry.multi) {
    // The documentation requires a set operator for a multivalued key and says no more: an open reading.
    env.readingsUsed?.push("multivalued_key_without_set_operator");
    if (env.alternativeReadings?.has("multivalued_key_without_set_operator")) {
      return explain(
        cond,
        false,
        `${cond.key} has several values and ${operator.canonical} has no set operator; read as never matching`,
        { contextValue },
      );
    }
  }
  const compiled = cond.compiled;
  let missing: string[] | undefined;
  let resolved: string[] | undefined;
  let matched: boolean[] | undefined;
  const negated = base.negated;
  const qualifier = operator.qualifier;
  // Fold over the request values: ForAll is an AND, ForAny and the plain operators an OR.
  let acc: Tri = qualifier === "ForAllValues";
  for (const v of ctxValues) {
    let any: Tri = false;
    for (let i = 0; i < compiled.length; i++) {
      const cv = compiled[i];
      if (!cv) continue;
      const m = matchValue(cv, v, base.comparison, env);
      if (m.missingKeys.length > 0) {
        missing ??= [];
        for (const k of m.missingKeys) if (!missing.includes(k)) missing.push(k);
      }
      if (m.resolved !== undefined) {
        resolved ??= [];
        if (!resolved.includes(m.resolved)) resolved.push(m.resolved);
      }
      if (m.result === true) {
        matched ??= new Array<boolean>(compiled.length).fill(false);
        matched[i] = true;
        any = true;
      } else if (m.result === UNKNOWN && any === false) any = UNKNOWN;
    }
    const term: Tri = qualifier && negated ? triNot(any) : any;
    acc = qualifier === "ForAllValues" ? and2(acc, term) : or2(acc, term);
  }
  const result: Tri = !qualifier && negated ? triNot(acc) : acc;
  let how =
    qualifier === "ForAllValues"
      ? negated
        ? HOW_ALL_NEG
        : HOW_ALL
      : qualifier === "ForAnyValue"
        ? negated
          ? HOW_ANY_NEG
          : HOW_ANY
        : negated
          ? HOW_NEG
          : HOW_POS;
  if (!qualifier && ctxValues.length > 1)
    how += " (several request values without a set operator: any of them counts)";
  const matchedValues = matched ? cond.values.filter((_, i) => matched[i]) : [];
  const matchedText =
    matchedValues.length > 0 ? `matches ${show(matchedValues)}` : `matches none of ${show(cond.values)}`;
  const unresolved = missing ? `; some policy values need ${missing.join(", ")}` : "";
  const ctxText = entry.multi ? show(ctxValues) : quote(ctxValues[0] ?? "");
  return explain(
    cond,
    result,
    `${cond.key} = ${ctxText} ${matchedText}${unresolved}; ${operator.canonical} (${how}) → ${result}`,
    { contextValue, missingKeys: missing ?? [], resolved },
  );
}

export interface ConditionBlockResult {
  result: Tri;
  conditions: ConditionExplanation[];
  missingKeys: string[];
}

/** All conditions of a statement are ANDed (across keys and across operators). */
export function evaluateConditions(
  conditions: readonly ParsedCondition[],
  env: EvalEnv,
): ConditionBlockResult {
  if (conditions.length === 0) return { result: true, conditions: [], missingKeys: [] };
  const explanations = conditions.map((c) => evaluateCondition(c, env));
  const result = triAnd(explanations.map((e) => e.result));
  // Keys only matter while the block is undecided: a false condition settles it.
  const missingKeys =
    result === UNKNOWN
      ? [...new Set(explanations.filter((e) => e.result === UNKNOWN).flatMap((e) => e.missingKeys))]
      : [];
  return { result, conditions: explanations, missingKeys };
}
