/**
 * JSON serialisation that reuses the text of values that never change. A warm answer is mostly
 * policy document views (about 80 % of a 27 KB get_effective_scps answer), the same few shown again
 * and again; serialising them once instead of per answer was the largest single cost of a warm
 * tools/call (docs/performance.md). Everything else is serialised as JSON.stringify would.
 */
import { deepFreeze } from "../org/freeze.js";

const fragments = new WeakMap<object, string>();

/**
 * Keeps the JSON text of `value`, which is frozen first: a fragment is only right while its value
 * cannot change.
 */
export function withJsonFragment<T extends object>(value: T): T {
  deepFreeze(value);
  fragments.set(value, JSON.stringify(value));
  return value;
}

/**
 * JSON.stringify(value) for JSON data (plain objects, arrays, primitives, toJSON), with fragments.
 * Unlike JSON.stringify it throws on NaN and ±Infinity, which JSON.stringify writes as null: an
 * answer holding one would not match its own schema (a number), and must not go out as if it did.
 */
export function stringifyJson(value: unknown): string {
  return serialise(value, "") ?? "null";
}

// Member names as JSON, by name: answers repeat the same few dozen names thousands of times.
const quotedKeys = new Map<string, string>();
function quoteKey(k: string): string {
  let quoted = quotedKeys.get(k);
  if (quoted === undefined) {
    quoted = JSON.stringify(k);
    if (quotedKeys.size < 4096) quotedKeys.set(k, quoted);
  }
  return quoted;
}

function serialise(input: unknown, key: string): string | undefined {
  let value = input;
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value))
        throw new RangeError(`${String(value)} at "${key}" cannot be written as JSON`);
      return JSON.stringify(value);
    case "object":
      break;
    default:
      return JSON.stringify(value) as string | undefined; // undefined, functions, symbols: skipped; bigint throws
  }
  if (value === null) return "null";
  const cached = fragments.get(value);
  if (cached !== undefined) return cached;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    value = (toJSON as (k: string) => unknown).call(value, key);
    if (value === null || typeof value !== "object") return serialise(value, key);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += serialise(value[i], String(i)) ?? "null";
    }
    return out + "]";
  }
  let out = "{";
  let first = true;
  for (const k of Object.keys(value as object)) {
    const member = serialise((value as Record<string, unknown>)[k], k);
    if (member === undefined) continue;
    out += (first ? "" : ",") + quoteKey(k) + ":" + member;
    first = false;
  }
  return out + "}";
}
