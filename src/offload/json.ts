/**
 * JSON from callers, parsed without holding the event loop: a large text is parsed on the worker
 * thread, which also checks its shape, so a body of a million tiny values (a 16 MB one held the
 * loop for two seconds) is refused there. Only a value within the limits comes back (a structured
 * clone, cheaper to receive than the text is to parse).
 */
import { count, MAX_INPUT_ELEMENTS, MAX_OBJECT_MEMBERS } from "../policy/limits.js";
import { jsonShape } from "./json-elements.js";
import { offload } from "./pool.js";

/** Texts up to this length are parsed on the event loop (a few milliseconds at worst). */
export const INLINE_JSON_CHARS = 256 * 1024;
/** A parse on the worker is stopped by force after this long. */
const PARSE_TIMEOUT_MS = 10_000;

/** The text is JSON, but holds more values, or a wider object, than any tool takes. */
export class JsonTooLargeError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = "JsonTooLargeError";
  }
}

export type JsonParseOutcome =
  { ok: true; value: unknown } | { ok: false; syntaxError: string } | { ok: false; tooLarge: string };

/** What is wrong with a parsed value's shape, if anything (the same words wherever it was parsed). */
export function shapeProblem(value: unknown): string | undefined {
  const shape = jsonShape(value, MAX_INPUT_ELEMENTS, MAX_OBJECT_MEMBERS);
  if (shape.elements > MAX_INPUT_ELEMENTS)
    return `it holds more than ${count(MAX_INPUT_ELEMENTS)} JSON values (array elements and object members), the limit for one request`;
  if (shape.widest > MAX_OBJECT_MEMBERS)
    return `it has an object with more than ${count(MAX_OBJECT_MEMBERS)} members, the limit for one request`;
  return undefined;
}

/** Parses and checks a text (the worker's job, or inline for a short text). */
export function parseChecked(text: string): JsonParseOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, syntaxError: error instanceof Error ? error.message : String(error) };
  }
  const problem = shapeProblem(value);
  return problem ? { ok: false, tooLarge: problem } : { ok: true, value };
}

/**
 * Parses a JSON text from a caller. Throws SyntaxError for broken JSON and JsonTooLargeError for a
 * value over the limits; a large text is parsed on the worker thread.
 */
export async function parseJsonBounded(text: string): Promise<unknown> {
  const outcome =
    text.length <= INLINE_JSON_CHARS
      ? parseChecked(text)
      : (await offload("parseJson", [text], { timeoutMs: PARSE_TIMEOUT_MS, maxWaitMs: PARSE_TIMEOUT_MS }))
          .value;
  if (outcome.ok) return outcome.value;
  if ("syntaxError" in outcome) throw new SyntaxError(outcome.syntaxError);
  throw new JsonTooLargeError(outcome.tooLarge);
}
