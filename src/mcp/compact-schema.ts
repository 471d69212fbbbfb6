/**
 * The output schema a tool advertises in tools/list, cut from the schema it is declared with: the
 * top-level fields keep their JSON Schema types, and an object below them (a list's items, a group
 * of counts) is advertised as an object whose description gives its TypeScript-like signature,
 * `{ id: string; total: integer; rcp: as scp | null }`, a tenth of the size of its JSON Schema.
 * tools/list is paid for at the start of every session, and each tool's schema stands alone (MCP
 * has no definitions shared between tools): the full nesting was most of it.
 *
 * The answers keep the full shape the tool declares: test/output-check.test.ts holds every tool's
 * answers to it. Only what the SDK and clients check against is looser below the cut.
 */
import { z } from "zod";

/** Objects at this depth (the output object is 0) and deeper are advertised by their signature. */
export const ADVERTISED_DEPTH = 1;
/** Levels of nesting a signature spells out below the cut; deeper objects are "object". */
const SIGNATURE_DEPTH = 0;
/** Enums of more values than this are advertised as strings (stable ids are documented in docs/). */
const MAX_ENUM_VALUES = 8;

type Any = z.ZodType;

export function compactSchema<T extends Any>(schema: T, maxDepth = ADVERTISED_DEPTH): T {
  // One map for the whole output: an object met again under another field is named, not spelled.
  return cut(schema, 0, maxDepth, new Map(), "") as T;
}

/**
 * A TypeScript-like signature: { id: string; n: integer }. An object met again under another key
 * is named by the first one ("rcp: as scp | null").
 */
export function signature(schema: Any, depth: number, seen = new Map<Any, string>(), key = ""): string {
  const again = (s: Any, d = depth): string => signature(s, d, seen, key);
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return again(schema.unwrap() as Any);
  if (schema instanceof z.ZodNullable) return `${again(schema.unwrap() as Any)} | null`;
  if (schema instanceof z.ZodArray) {
    const inner = again(schema.element as Any);
    return / \| /.test(inner) && !inner.startsWith("{") ? `(${inner})[]` : `${inner}[]`;
  }
  if (schema instanceof z.ZodUnion) return (schema.options as Any[]).map((o) => again(o)).join(" | ");
  if (schema instanceof z.ZodEnum)
    return schema.options.length <= 4 ? schema.options.map((o) => `'${String(o)}'`).join(" | ") : "string";
  if (schema instanceof z.ZodLiteral) return JSON.stringify(schema.value);
  if (schema instanceof z.ZodRecord) return `{ [key: string]: ${again(schema.valueType as Any, depth - 1)} }`;
  if (schema instanceof z.ZodObject) {
    if (depth < 0) return "object";
    const named = seen.get(schema);
    if (named !== undefined) return `as ${named}`;
    if (key) seen.set(schema, key);
    const fields = Object.entries(schema.shape as Record<string, Any>).map(
      ([k, v]) => `${k}${v instanceof z.ZodOptional ? "?" : ""}: ${signature(v, depth - 1, seen, k)}`,
    );
    return `{ ${fields.join("; ")} }`;
  }
  if (schema instanceof z.ZodNumber) return schema.format?.includes("int") ? "integer" : "number";
  if (schema instanceof z.ZodString) return "string";
  if (schema instanceof z.ZodBoolean) return "boolean";
  return "any";
}

function withDescription(schema: Any, original: Any): Any {
  const text = original.description;
  return text && schema.description !== text ? schema.describe(text) : schema;
}

function cut(schema: Any, depth: number, max: number, seen: Map<Any, string>, key: string): Any {
  if (schema instanceof z.ZodObject) {
    if (depth >= max) {
      const said = schema.description ? `${schema.description}: ` : "";
      // An object whose fields need no listing (counters) says so in its metadata: `{ summary }`.
      const summary = (schema.meta() as { summary?: string } | undefined)?.summary;
      if (summary) return z.unknown().meta({ type: "object", description: summary });
      const named = seen.get(schema);
      // Advertised as {"type": "object", "description": signature}; the SDK checks no further.
      return z.unknown().meta({
        type: "object",
        description: named ? `${said}as ${named}` : `${said}${signature(schema, SIGNATURE_DEPTH, seen, key)}`,
      });
    }
    const shape = schema.shape as Record<string, Any>;
    const inner = Object.fromEntries(
      Object.entries(shape).map(([k, v]) => [k, cut(v, depth + 1, max, seen, k)]),
    );
    return withDescription(z.object(inner), schema);
  }
  // Lists, optional and nullable values and unions take the depth of what holds them.
  if (schema instanceof z.ZodArray)
    return withDescription(z.array(cut(schema.element as Any, depth, max, seen, key)), schema);
  if (schema instanceof z.ZodOptional)
    return withDescription(cut(schema.unwrap() as Any, depth, max, seen, key).optional(), schema);
  if (schema instanceof z.ZodNullable)
    return withDescription(cut(schema.unwrap() as Any, depth, max, seen, key).nullable(), schema);
  if (schema instanceof z.ZodUnion)
    return withDescription(
      z.union((schema.options as Any[]).map((o) => cut(o, depth, max, seen, key))),
      schema,
    );
  if (schema instanceof z.ZodEnum && schema.options.length > MAX_ENUM_VALUES) {
    const said = schema.description ? `${schema.description}; ` : "";
    const some = schema.options.slice(0, 3).join(", ");
    return z.string().describe(`${said}one of ${schema.options.length} values such as ${some}`);
  }
  if (schema instanceof z.ZodRecord)
    return withDescription(
      z.record(schema.keyType as z.ZodString, cut(schema.valueType as Any, depth + 1, max, seen, key)),
      schema,
    );
  return schema;
}
