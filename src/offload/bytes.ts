/**
 * Large strings cross to the worker thread as bytes: posting a large string holds the event loop for
 * its serialisation, while an ASCII string's Latin-1 bytes cost a copy. Other text is
 * encoded as UTF-8 in slices that yield to the event loop between them.
 */
const SLICE_CHARS = 1 << 20;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface TextBytes {
  bytes: Uint8Array;
  /** The text is ASCII, its bytes one per character (Latin-1). */
  latin1: boolean;
}

/**
 * Bytes a string was just made from (a large string of a request body, rebuilt from the worker's
 * bytes): handed back once when the same string goes to the worker again, so a pasted log is not
 * encoded anew. A few entries; a string longer than V8 hashes costs no scan as a key.
 */
const recent = new Map<string, { bytes: TextBytes; at: number }>();
const MAX_RECENT = 4;
const RECENT_MS = 30_000;

function forgetOld(): void {
  const now = Date.now();
  for (const [text, entry] of recent) if (now - entry.at > RECENT_MS) recent.delete(text);
}

export function rememberBytes(text: string, bytes: TextBytes): void {
  forgetOld();
  if (recent.size >= MAX_RECENT) recent.delete(recent.keys().next().value as string);
  recent.set(text, { bytes, at: Date.now() });
}

/** A string as bytes for the worker thread, without holding the event loop long. */
export async function textToBytes(text: string): Promise<TextBytes> {
  forgetOld();
  const known = recent.get(text)?.bytes;
  recent.delete(text);
  // Bytes handed to the worker once are gone (detached): encode again.
  if (known && known.bytes.byteLength === Buffer.byteLength(text, known.latin1 ? "latin1" : "utf8"))
    return known;
  // One byte per character in UTF-8 exactly when every character is ASCII.
  if (Buffer.byteLength(text, "utf8") === text.length)
    return { bytes: Buffer.from(text, "latin1"), latin1: true };
  const parts: Buffer[] = [];
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + SLICE_CHARS);
    // Never split a surrogate pair between two slices.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(Buffer.from(text.slice(i, end), "utf8"));
    i = end;
    if (i < text.length) await yieldToLoop();
  }
  return { bytes: Buffer.concat(parts), latin1: false };
}

/** The string again, on the worker thread (a leading byte-order mark is kept: it was in the text). */
export function bytesToText({ bytes, latin1 }: TextBytes): string {
  return latin1
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")
    : new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

/** The buffer to hand to the worker rather than copy, when the bytes are all of it. */
export function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}
