/** The worker thread (src/offload): jobs, their bounds, and strings crossing as bytes. */
import { describe, expect, it } from "vitest";
import { bytesToText, textToBytes } from "../../src/offload/bytes.js";
import { parseJsonBounded } from "../../src/offload/json.js";
import { JobStopped, offload } from "../../src/offload/pool.js";

const json = (text: string) => Buffer.from(text);

describe("the worker pool", () => {
  it("runs a job and answers with its result and its own time", async () => {
    const { value, ms } = await offload("parseJson", [json('{"a":[1,2,3]}')], {
      timeoutMs: 30_000,
      maxWaitMs: 30_000,
    });
    expect(value).toEqual({ ok: true, value: { a: [1, 2, 3] } });
    expect(ms).toBeGreaterThanOrEqual(0);
  });

  it("stops a job past its time by ending its worker, and the next job gets a new one", async () => {
    const big = json(
      JSON.stringify({ text: "x".repeat(4_000_000), list: Array.from({ length: 40_000 }, (_, i) => i) }),
    );
    await expect(offload("parseJson", [big], { timeoutMs: 1, maxWaitMs: 30_000 })).rejects.toBeInstanceOf(
      JobStopped,
    );
    const { value } = await offload("parseJson", [json("[true]")], { timeoutMs: 30_000, maxWaitMs: 30_000 });
    expect(value).toEqual({ ok: true, value: [true] });
  });

  it("keeps at most 8 jobs waiting and refuses the next at once, retryable", async () => {
    const jobs = Array.from({ length: 10 }, (_, i) =>
      offload("parseJson", [json(`[${i}]`)], { timeoutMs: 30_000, maxWaitMs: 30_000 }).then(
        () => "done",
        (error: Error & { retryable?: boolean }) => `${error.retryable ? "retryable: " : ""}${error.message}`,
      ),
    );
    const outcomes = await Promise.all(jobs);
    expect(outcomes.filter((o) => o === "done")).toHaveLength(9);
    expect(outcomes[9]).toMatch(/^retryable: The server is busy with other long calls/);
  });

  it("gives back a job's errors: a syntax error, a value over the limits", async () => {
    await expect(parseJsonBounded(`[${"1,".repeat(200_000)}`)).rejects.toMatchObject({
      name: "JsonTooLargeError",
    });
    await expect(parseJsonBounded(`{"a": "${"y".repeat(300_000)}"`)).rejects.toBeInstanceOf(SyntaxError);
    await expect(parseJsonBounded(`{"a": "${"y".repeat(300_000)}"}`)).resolves.toEqual({
      a: "y".repeat(300_000),
    });
  });
});

describe("strings as bytes", () => {
  it("round-trips ASCII as Latin-1 and everything else as UTF-8, a surrogate pair never split across slices", async () => {
    const ascii = "plain text ".repeat(10);
    expect((await textToBytes(ascii)).latin1).toBe(true);
    expect(bytesToText(await textToBytes(ascii))).toBe(ascii);
    // An emoji straddling the first 1 MiB slice boundary, Latin-1 and BMP characters, a byte-order mark.
    const tricky = `\uFEFF${"a".repeat((1 << 20) - 2)}\u{1F600}é€${"b".repeat(10)}`;
    const bytes = await textToBytes(tricky);
    expect(bytes.latin1).toBe(false);
    expect(bytesToText(bytes)).toBe(tricky);
  });

  it("parses a large text with a long string on the worker and gives the string back whole", async () => {
    const text = "é is not ASCII; ".repeat(20_000) + "x".repeat(100_000);
    const deep = { d: [[{ e: "y".repeat(70_000) }]] };
    const value = (await parseJsonBounded(
      JSON.stringify({ a: [{ b: text }], c: "x".repeat(70_000), deep }),
    )) as { a: { b: string }[]; c: string; deep: typeof deep };
    expect(value.a[0]?.b).toBe(text);
    expect(value.c).toBe("x".repeat(70_000));
    expect(value.deep).toEqual(deep);
  });

  it("keeps a __proto__ key's long string as an own property", async () => {
    const value = (await parseJsonBounded(`{"__proto__": "${"p".repeat(300_000)}"}`)) as Record<
      string,
      unknown
    >;
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toBe("p".repeat(300_000));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});
