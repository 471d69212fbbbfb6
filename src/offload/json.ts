/**
 * JSON from callers, parsed without holding the event loop: a large text is parsed on the worker
 * thread, which also checks its shape, so a body of a million tiny values (a 16 MB one held the
 * loop for two seconds) is refused there, most of them before parsing. Only a value within the
 * limits comes back (a structured clone, cheaper to receive than its text is to parse).
 */
import { count, MAX_INPUT_ELEMENTS, MAX_OBJECT_MEMBERS } from "../policy/limits.js";
import { bytesToText, rememberBytes, textToBytes, transferable, type TextBytes } from "./bytes.js";
import { jsonShape } from "./json-elements.js";
import { offload } from "./pool.js";

/** Texts up to this size are parsed on the event loop (a few milliseconds at worst). */
export const INLINE_JSON_BYTES = 256 * 1024;
/** A parse on the worker is stopped by force after this long. */
const PARSE_TIMEOUT_MS = 10_000;

/** The text is JSON, but holds more values, or a wider object, than any tool takes. */
export class JsonTooLargeError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = "JsonTooLargeError";
  }
}

/** A long ASCII string taken out of a parsed value, sent back as its bytes: where it was, and them. */
export interface LiftedString {
  path: (string | number)[];
  bytes: Uint8Array;
}

export type JsonParseOutcome =
  | { ok: true; value: unknown; lifted?: LiftedString[] }
  | { ok: false; syntaxError: string }
  | { ok: false; tooLarge: string };

/**
 * Strings this long come back from the worker as Latin-1 bytes, handed over without a copy: the
 * structured clone of a large string holds the event loop far longer than its rebuilding from bytes.
 */
const LIFT_CHARS = 64 * 1024;

const TOO_MANY = `it holds more than ${count(MAX_INPUT_ELEMENTS)} JSON values (array elements and object members), the limit for one request`;

/** What is wrong with a parsed value's shape, if anything (the same words wherever it was parsed). */
export function shapeProblem(value: unknown): string | undefined {
  const shape = jsonShape(value, MAX_INPUT_ELEMENTS, MAX_OBJECT_MEMBERS);
  if (shape.elements > MAX_INPUT_ELEMENTS) return TOO_MANY;
  if (shape.widest > MAX_OBJECT_MEMBERS)
    return `it has an object with more than ${count(MAX_OBJECT_MEMBERS)} members, the limit for one request`;
  return undefined;
}

/**
 * A lower bound of the values in a JSON text, read without parsing it: its commas, and its opening
 * brackets but one, outside strings. Refuses most oversized texts before JSON.parse builds them.
 */
function valuesAtLeast(text: string): number {
  let commas = 0;
  let opens = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 44) commas++;
    else if (c === 91 || c === 123) opens++;
  }
  return Math.max(commas, opens - 1);
}

/** Parses and checks a text (on the worker, or inline for a short text). */
export function parseChecked(text: string): JsonParseOutcome {
  if (text.length > INLINE_JSON_BYTES && valuesAtLeast(text) > MAX_INPUT_ELEMENTS) {
    // Too many values whether or not it parses: refused before JSON.parse builds them.
    return { ok: false, tooLarge: TOO_MANY };
  }
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
 * The worker's job: the text from bytes (a request body, decoded as Response.text() decodes it, or a
 * string argument), parsed and checked; its long ASCII strings lifted out as bytes.
 */
export function parseBytesChecked(input: TextBytes | Uint8Array): JsonParseOutcome {
  const outcome = parseChecked(
    input instanceof Uint8Array ? new TextDecoder().decode(input) : bytesToText(input),
  );
  if (!outcome.ok) return outcome;
  const lifted: LiftedString[] = [];
  // Each node links to its parent: a path is built only for a lifted string, so a value nested
  // tens of thousands of levels deep costs its size, not its depth squared.
  const stack: Step[] = [{ node: outcome.value, at: "", up: undefined }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { node } = next;
    if (node === null || typeof node !== "object") continue;
    for (const [key, child] of Object.entries(node)) {
      const at = Array.isArray(node) ? Number(key) : key;
      if (
        typeof child === "string" &&
        child.length >= LIFT_CHARS &&
        Buffer.byteLength(child, "utf8") === child.length
      ) {
        lifted.push({ path: [...pathOf(next), at], bytes: Buffer.from(child, "latin1") });
        setOwn(node, key, "");
      } else if (child !== null && typeof child === "object") stack.push({ node: child, at, up: next });
    }
  }
  return lifted.length ? { ...outcome, lifted } : outcome;
}

/** A node met while looking for long strings: its key in its parent, and the parent's step. */
interface Step {
  node: unknown;
  at: string | number;
  up: Step | undefined;
}

/** The keys from the root to a step's node. */
function pathOf(step: Step): (string | number)[] {
  const path: (string | number)[] = [];
  for (let s: Step | undefined = step; s?.up; s = s.up) path.push(s.at);
  return path.reverse();
}

/** Sets an own property, whatever its name (a JSON key may be "__proto__"). */
function setOwn(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The buffers of the lifted strings, for the worker to hand over. */
export function liftedBuffers(outcome: JsonParseOutcome): ArrayBuffer[] {
  return outcome.ok ? (outcome.lifted ?? []).flatMap((l) => transferable(l.bytes)) : [];
}

function unwrap(outcome: JsonParseOutcome): unknown {
  if (!outcome.ok) {
    if ("syntaxError" in outcome) throw new SyntaxError(outcome.syntaxError);
    throw new JsonTooLargeError(outcome.tooLarge);
  }
  for (const { path, bytes } of outcome.lifted ?? []) {
    let parent = outcome.value as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    setOwn(parent, path[path.length - 1] as string | number, text);
    // The tool that sends this string to the worker again (a pasted log) reuses the bytes.
    rememberBytes(text, { bytes, latin1: true });
  }
  return outcome.value;
}

/** Parses on the worker, handing it the bytes (no copy: a large copy costs page faults too). */
async function onWorker(input: TextBytes | Uint8Array): Promise<unknown> {
  const { value } = await offload("parseJson", [input], {
    timeoutMs: PARSE_TIMEOUT_MS,
    maxWaitMs: PARSE_TIMEOUT_MS,
    transfer: transferable(input instanceof Uint8Array ? input : input.bytes),
  });
  return unwrap(value);
}

/**
 * A request body, as bytes, decoded as UTF-8 (as Response.text() decodes it) and parsed. Throws
 * SyntaxError for broken JSON and JsonTooLargeError for a value over the limits.
 */
export async function parseJsonBody(bytes: Uint8Array): Promise<unknown> {
  if (bytes.byteLength <= INLINE_JSON_BYTES) return unwrap(parseBytesChecked(bytes));
  return onWorker(bytes);
}

/** A JSON text passed as a string argument (a baseline), parsed the same way. */
export async function parseJsonBounded(text: string): Promise<unknown> {
  if (text.length <= INLINE_JSON_BYTES) return unwrap(parseChecked(text));
  return onWorker(await textToBytes(text));
}
