/**
 * Pattern matching for Action, Resource and string-like condition values: `*` and `?` wildcards,
 * policy variables (`${aws:username}`, `${key, 'default'}`) and their escapes (`${*}`, `${?}`, `${$}`).
 * Patterns are compiled once (at parse time) and matched many times.
 */
import type { ReadingId } from "./readings.js";
import { normalizeConditionKey, RESOURCE_KEY, type EvalEnv } from "./request-context.js";
import { UNKNOWN, type Tri } from "./tri.js";

/** Character kinds in a compiled pattern: a literal character or one of the two wildcards. */
const LIT = 0;
const STAR = 1;
const QMARK = 2;

export interface VariableRef {
  /** The key as written inside `${...}`. */
  key: string;
  normalizedKey: string;
  default?: string;
}

export type PatternPart =
  | { type: "text"; text: string }
  | { type: "literal"; char: "*" | "?" | "$" }
  | { type: "variable"; variable: VariableRef };

export interface CompiledPattern {
  /** The pattern as written in the policy. */
  source: string;
  /** Set only when the pattern holds variables or escapes that must be resolved per request. */
  parts: readonly PatternPart[] | null;
  /** Static form: text (lower-cased when case-insensitive) and per-character kinds. */
  text: string;
  /** Null when the static text holds no wildcard, so matching is plain equality. */
  kinds: Uint8Array | null;
  /** True for a bare "*" (with wildcards on): matches everything, including an unknown value. */
  matchesAll: boolean;
  variables: readonly VariableRef[];
  caseInsensitive: boolean;
  wildcards: boolean;
  /** How the pattern reads under the other reading of an open question (Resource patterns only). */
  alternatives: readonly PatternAlternative[] | null;
}

export interface PatternAlternative {
  reading: ReadingId;
  pattern: CompiledPattern;
  /** Compare the request ARN with its segments before the resource part lower-cased. */
  lowerRequestPrefix: boolean;
}

export interface PatternOptions {
  /** `*` and `?` are wildcards (Like operators, Action, Resource) rather than literal characters. */
  wildcards: boolean;
  caseInsensitive?: boolean;
  /** Parse `${...}`: only policies with Version 2012-10-17 have variables; older ones read them literally. */
  variables?: boolean;
  /** Parse variables only from this index on; the text before it is literal (Resource ARNs). */
  variablesFrom?: number;
}

export interface VariableSyntaxProblem {
  message: string;
}

/**
 * Splits text into literal text, escapes and variables. An unterminated or malformed `${` is kept as
 * literal text and reported, so that the parser can warn about it.
 */
export function parseVariables(source: string, problems?: VariableSyntaxProblem[]): PatternPart[] {
  const parts: PatternPart[] = [];
  let text = "";
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf("${", i);
    if (open === -1) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, open);
    const close = findVariableEnd(source, open + 2);
    if (close === -1) {
      problems?.push({ message: `unterminated policy variable at "${source.slice(open)}"; read literally` });
      text += source.slice(open);
      break;
    }
    const inner = source.slice(open + 2, close);
    const trimmed = inner.trim();
    if (trimmed === "*" || trimmed === "?" || trimmed === "$") {
      if (text) parts.push({ type: "text", text });
      text = "";
      parts.push({ type: "literal", char: trimmed });
    } else {
      const variable = parseVariableBody(inner);
      if (!variable) {
        problems?.push({ message: `malformed policy variable "\${${inner}}"; read literally` });
        text += source.slice(open, close + 1);
      } else {
        if (text) parts.push({ type: "text", text });
        text = "";
        parts.push({ type: "variable", variable });
      }
    }
    i = close + 1;
  }
  if (text) parts.push({ type: "text", text });
  return parts;
}

/** Finds the closing brace, skipping over a quoted default value (which may contain braces). */
function findVariableEnd(source: string, from: number): number {
  let inQuote = false;
  for (let j = from; j < source.length; j++) {
    const c = source[j];
    if (inQuote) {
      if (c === "'") {
        if (source[j + 1] === "'") j++;
        else inQuote = false;
      }
    } else if (c === "'") inQuote = true;
    else if (c === "}") return j;
  }
  return -1;
}

function parseVariableBody(inner: string): VariableRef | undefined {
  const comma = inner.indexOf(",");
  const key = (comma === -1 ? inner : inner.slice(0, comma)).trim();
  if (!/^[A-Za-z0-9_-]+:[^,'{}]+$/.test(key)) return undefined;
  if (comma === -1) return { key, normalizedKey: normalizeConditionKey(key) };
  const rest = inner.slice(comma + 1).trim();
  // A default is a single-quoted string; '' inside it stands for one quote.
  if (rest.length < 2 || !rest.startsWith("'") || !rest.endsWith("'")) return undefined;
  const body = rest.slice(1, -1);
  if (body.replace(/''/g, "").includes("'")) return undefined;
  return { key, normalizedKey: normalizeConditionKey(key), default: body.replace(/''/g, "'") };
}

export function compilePattern(source: string, options: PatternOptions): CompiledPattern {
  const caseInsensitive = options.caseInsensitive ?? false;
  const wildcards = options.wildcards;
  const from = options.variablesFrom ?? 0;
  const parts =
    options.variables && source.includes("${", from)
      ? from > 0
        ? [{ type: "text" as const, text: source.slice(0, from) }, ...parseVariables(source.slice(from))]
        : parseVariables(source)
      : undefined;
  const dynamic = parts !== undefined && parts.some((p) => p.type !== "text");
  const variables = dynamic && parts ? parts.flatMap((p) => (p.type === "variable" ? [p.variable] : [])) : [];
  const staticText = dynamic ? "" : source;
  const { text, kinds } = buildStatic(staticText, wildcards, caseInsensitive);
  return {
    source,
    parts: dynamic && parts ? parts : null,
    text,
    kinds,
    matchesAll: !dynamic && wildcards && source === "*",
    variables,
    caseInsensitive,
    wildcards,
    alternatives: null,
  };
}

function buildStatic(
  source: string,
  wildcards: boolean,
  caseInsensitive: boolean,
): { text: string; kinds: Uint8Array | null } {
  const text = caseInsensitive ? source.toLowerCase() : source;
  if (!wildcards || (!text.includes("*") && !text.includes("?"))) return { text, kinds: null };
  const kinds = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    kinds[i] = c === 42 ? STAR : c === 63 ? QMARK : LIT;
  }
  return { text, kinds };
}

/**
 * Glob match with `*` (any run, including across `:` and `/`) and `?` (one character), in linear
 * space and without backtracking blow-up: on mismatch, retry from the last star only.
 */
export function globMatch(text: string, kinds: Uint8Array | null, value: string): boolean {
  if (kinds === null) return text === value;
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  const pl = text.length;
  const vl = value.length;
  while (v < vl) {
    if (p < pl) {
      const k = kinds[p];
      if (k === STAR) {
        star = p++;
        mark = v;
        continue;
      }
      if (k === QMARK || text.charCodeAt(p) === value.charCodeAt(v)) {
        p++;
        v++;
        continue;
      }
    }
    if (star === -1) return false;
    p = star + 1;
    v = ++mark;
  }
  while (p < pl && kinds[p] === STAR) p++;
  return p === pl;
}

/** Convenience for callers with plain strings: `*` and `?` are wildcards. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const { text, kinds } = buildStatic(pattern, true, caseInsensitive);
  return globMatch(text, kinds, caseInsensitive ? value.toLowerCase() : value);
}

export type ResolvedPattern =
  | { ok: true; text: string; kinds: Uint8Array | null; resolved: string; defaultedKeys: string[] }
  | { ok: false; result: Tri; missingKeys: string[]; reason: string };

/**
 * Substitutes variables from the context (one pass: substituted text is never re-read for variables
 * or wildcards). A missing key with no default is unknown in "unknown" mode and a non-match in
 * "absent" mode; a multivalued key cannot be a variable, so it fails to the default or a non-match.
 */
export function resolvePattern(pattern: CompiledPattern, env: EvalEnv): ResolvedPattern {
  if (!pattern.parts) {
    return {
      ok: true,
      text: pattern.text,
      kinds: pattern.kinds,
      resolved: pattern.source,
      defaultedKeys: [],
    };
  }
  let text = "";
  const kindList: number[] = [];
  const missing: string[] = [];
  const defaulted: string[] = [];
  let failure: string | undefined;
  const pushLiteral = (s: string) => {
    text += s;
    for (let i = 0; i < s.length; i++) kindList.push(LIT);
  };
  for (const part of pattern.parts) {
    if (part.type === "text") {
      text += part.text;
      for (let i = 0; i < part.text.length; i++) {
        const c = part.text.charCodeAt(i);
        kindList.push(pattern.wildcards ? (c === 42 ? STAR : c === 63 ? QMARK : LIT) : LIT);
      }
    } else if (part.type === "literal") {
      pushLiteral(part.char);
    } else {
      const { variable } = part;
      const entry = env.context.getNormalized(variable.normalizedKey);
      const single = entry && entry.values.length === 1 ? entry.values[0] : undefined;
      if (single !== undefined) {
        pushLiteral(single);
      } else if (variable.default !== undefined) {
        defaulted.push(variable.key);
        pushLiteral(variable.default);
      } else if (entry && entry.values.length > 1) {
        failure = `${variable.key} has several values and cannot be used as a policy variable`;
      } else if (!entry && env.missingKeys === "unknown") {
        missing.push(variable.key);
      } else {
        failure = `${variable.key} is not in the request, so \${${variable.key}} cannot be substituted`;
      }
    }
  }
  if (failure) {
    env.readingsUsed?.push("unresolved_policy_variable");
    return { ok: false, result: false, missingKeys: [], reason: failure };
  }
  if (missing.length > 0) {
    return {
      ok: false,
      result: UNKNOWN,
      missingKeys: missing,
      reason: `policy variable needs ${missing.join(", ")}, which the request context does not give`,
    };
  }
  const finalText = pattern.caseInsensitive ? text.toLowerCase() : text;
  const hasWild = kindList.some((k) => k !== LIT);
  return {
    ok: true,
    text: finalText,
    kinds: hasWild ? Uint8Array.from(kindList) : null,
    resolved: text,
    defaultedKeys: defaulted,
  };
}

export interface PatternMatch {
  result: Tri;
  missingKeys: string[];
  /** The pattern after variable substitution, when it differs from the source. */
  resolved?: string;
  reason?: string;
}

/** Matches one compiled pattern against a value (already lower-cased for case-insensitive patterns). */
export function matchCompiled(pattern: CompiledPattern, value: string, env: EvalEnv): PatternMatch {
  if (pattern.matchesAll) return { result: true, missingKeys: [] };
  if (!pattern.parts) return { result: globMatch(pattern.text, pattern.kinds, value), missingKeys: [] };
  const r = resolvePattern(pattern, env);
  if (!r.ok) return { result: r.result, missingKeys: r.missingKeys, reason: r.reason };
  return { result: globMatch(r.text, r.kinds, value), missingKeys: [], resolved: r.resolved };
}

// ---------------------------------------------------------------------------------------------
// Actions

export interface ActionPattern extends CompiledPattern {
  /** The service prefix, lower-cased ("*" for the bare wildcard). */
  service: string;
}

/** Actions are `service:Action`, case-insensitive, with `*` and `?` anywhere; no variables. */
export function compileActionPattern(source: string): ActionPattern {
  const c = compilePattern(source, { wildcards: true, caseInsensitive: true });
  const colon = source.indexOf(":");
  // Listed property by property (no spread) so every action pattern shares one object shape.
  return {
    source: c.source,
    parts: c.parts,
    text: c.text,
    kinds: c.kinds,
    matchesAll: c.matchesAll,
    variables: c.variables,
    caseInsensitive: c.caseInsensitive,
    wildcards: c.wildcards,
    alternatives: null,
    service: colon === -1 ? source.toLowerCase() : source.slice(0, colon).toLowerCase(),
  };
}

/** `action` must already be lower-cased (the evaluator does it once per request). */
export function matchActionPattern(pattern: ActionPattern, lowerAction: string): boolean {
  if (pattern.matchesAll) return true;
  return globMatch(pattern.text, pattern.kinds, lowerAction);
}

export function matchAction(pattern: string, action: string): boolean {
  return matchActionPattern(compileActionPattern(pattern), action.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Resources

/** Index where the resource part of an ARN begins (just after its fifth colon), or -1 with fewer colons. */
export function resourcePartStart(arn: string): number {
  let at = -1;
  for (let i = 0; i < 5; i++) {
    at = arn.indexOf(":", at + 1);
    if (at === -1) return -1;
  }
  return at + 1;
}

/** The part of an ARN pattern before its resource part (all of it when it has fewer than five colons). */
function arnPrefix(source: string): string {
  const cut = resourcePartStart(source);
  return cut === -1 ? source : source.slice(0, cut);
}

function lowerArnPrefix(arn: string): string {
  const cut = resourcePartStart(arn);
  return cut === -1 ? arn.toLowerCase() : arn.slice(0, cut).toLowerCase() + arn.slice(cut);
}

/**
 * Resource ARNs are case-sensitive; `*` matches within and across ARN segments, as IAM does. Policy
 * variables are substituted only in the resource part, after the fifth colon; before it they are
 * literal text. Both that and the case of the segments before the resource part are open readings
 * (readings.ts), so such a pattern carries its form under the other reading.
 */
export function compileResourcePattern(source: string, variables: boolean): CompiledPattern {
  const prefix = arnPrefix(source);
  const from = prefix.length;
  const pattern = compilePattern(source, { wildcards: true, variables, variablesFrom: from });
  const alternatives: PatternAlternative[] = [];
  if (variables && prefix.includes("${")) {
    alternatives.push({
      reading: "resource_variable_before_resource_part",
      pattern: compilePattern(source, { wildcards: true, variables }),
      lowerRequestPrefix: false,
    });
  }
  if (/[A-Z]/.test(prefix.replace(/\$\{[^}]*\}/g, ""))) {
    alternatives.push({
      reading: "resource_arn_prefix_case",
      pattern: compilePattern(prefix.toLowerCase() + source.slice(from), {
        wildcards: true,
        variables,
        variablesFrom: from,
      }),
      lowerRequestPrefix: true,
    });
  }
  if (alternatives.length > 0) pattern.alternatives = alternatives;
  return pattern;
}

/**
 * Matches a Resource/NotResource pattern. With no resource in the request, only a bare "*" can be
 * decided; anything else is unknown and reports RESOURCE_KEY as missing.
 */
export function matchResourcePattern(pattern: CompiledPattern, resource: string, env: EvalEnv): PatternMatch {
  if (pattern.matchesAll) return { result: true, missingKeys: [] };
  if (!env.resourceKnown) {
    return {
      result: UNKNOWN,
      missingKeys: [RESOURCE_KEY],
      reason: "the request names no resource, so a specific resource pattern cannot be decided",
    };
  }
  if (pattern.alternatives) {
    for (const alt of pattern.alternatives) {
      env.readingsUsed?.push(alt.reading);
      if (env.alternativeReadings?.has(alt.reading)) {
        return matchCompiled(alt.pattern, alt.lowerRequestPrefix ? lowerArnPrefix(resource) : resource, env);
      }
    }
  }
  return matchCompiled(pattern, resource, env);
}
