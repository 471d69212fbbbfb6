import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  LOG_SOURCES,
  MESSAGE_POLICY_TYPES,
  parseErrorLog,
  type DeniedRequest,
} from "../../src/logs/index.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "logs");

const nullableString = z.string().nullable();
const expectedSchema = z
  .object({
    principalArn: nullableString,
    accountId: nullableString,
    action: nullableString,
    resource: nullableString,
    policyType: z.enum(MESSAGE_POLICY_TYPES as [string, ...string[]]).nullable(),
    denyKind: z.enum(["explicit", "implicit"]).nullable(),
    policyArn: nullableString,
    region: nullableString,
    occurrences: z.number().int().positive(),
    source: z.enum(LOG_SOURCES as [string, ...string[]]),
    sdkOperation: nullableString,
    errorCode: nullableString,
    requestId: nullableString,
    encodedMessage: nullableString,
    line: z.number().int().positive(),
    /** Each string must occur in some note. */
    notesInclude: z.array(z.string()),
    /** Each format must be among `sources`. */
    sourcesInclude: z.array(z.enum(LOG_SOURCES as [string, ...string[]])),
    encodedMessageStartsWith: z.string(),
    /** Each key must be in `requestContext` (a decoded authorization message). */
    contextKeysInclude: z.array(z.string()),
  })
  .partial()
  .strict();

const fixtureSchema = z
  .object({
    id: z.string().regex(/^\d{2}-[a-z0-9-]+$/),
    origin: z.enum(["real", "adapted", "synthetic"]),
    source: z.string().min(10),
    sourceTitle: z.string().min(3),
    format: z.string(),
    adaptation: z.string().optional(),
    hints: z.object({ accountId: z.string().optional(), region: z.string().optional() }).strict().optional(),
    text: z.string().optional(),
    textFile: z.string().optional(),
    expected: z.array(expectedSchema).min(1),
    expectedCount: z.number().int().nonnegative().optional(),
    /** Substrings that must each appear in some warning; `[]` means no warnings at all. */
    expectedWarnings: z.array(z.string()).optional(),
  })
  .strict()
  .refine((f) => (f.text === undefined) !== (f.textFile === undefined), "exactly one of text / textFile");

type Fixture = z.infer<typeof fixtureSchema>;
type Expected = z.infer<typeof expectedSchema>;

function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const fixture = fixtureSchema.parse(JSON.parse(readFileSync(join(FIXTURES, file), "utf8")));
      if (`${fixture.id}.json` !== file)
        throw new Error(`${file}: id ${fixture.id} does not match the file name`);
      return fixture;
    });
}

function textOf(f: Fixture): string {
  return f.textFile === undefined ? (f.text ?? "") : readFileSync(join(FIXTURES, f.textFile), "utf8");
}

/** Fields of `d` that disagree with `e`. */
function mismatches(d: DeniedRequest, e: Expected): string[] {
  const out: string[] = [];
  for (const [key, want] of Object.entries(e)) {
    if (key === "notesInclude") {
      for (const s of want as string[]) if (!d.notes.some((n) => n.includes(s))) out.push(`notes ∌ "${s}"`);
    } else if (key === "sourcesInclude") {
      for (const s of want as string[])
        if (!d.sources.includes(s as DeniedRequest["source"])) out.push(`sources ∌ ${s}`);
    } else if (key === "contextKeysInclude") {
      for (const k of want as string[])
        if (!Object.hasOwn(d.requestContext ?? {}, k)) out.push(`requestContext ∌ ${k}`);
    } else if (key === "encodedMessageStartsWith") {
      if (!(d.encodedMessage ?? "").startsWith(want as string))
        out.push(`encodedMessage=${String(d.encodedMessage)}`);
    } else {
      const got = (d as unknown as Record<string, unknown>)[key];
      if (got !== want) out.push(`${key}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
  }
  return out;
}

const fixtures = loadFixtures();

describe("error-log corpus", () => {
  it("has at least 40 real examples with public sources", () => {
    const real = fixtures.filter((f) => f.origin === "real");
    expect(real.length).toBeGreaterThanOrEqual(40);
    for (const f of real) expect(f.source, f.id).toMatch(/^https:\/\/(github\.com|docs\.aws\.amazon\.com)\//);
    for (const f of fixtures.filter((x) => x.origin === "adapted")) expect(f.adaptation, f.id).toBeTruthy();
  });

  it("has unique ids", () => {
    const ids = fixtures.map((f) => f.id.slice(0, 2));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(fixtures.map((f) => [f.id, f] as const))("%s", (_id, f) => {
    const result = parseErrorLog(textOf(f), f.hints as { accountId?: string; region?: string } | undefined);
    const summary = JSON.stringify(result.denials, null, 1);
    if (f.expectedCount !== undefined) expect(result.denials.length, summary).toBe(f.expectedCount);
    for (const e of f.expected) {
      const ranked = result.denials
        .map((d) => ({ d, miss: mismatches(d, e) }))
        .sort((a, b) => a.miss.length - b.miss.length);
      const best = ranked[0];
      expect(best, `no denial found; warnings: ${result.warnings.join(" | ")}`).toBeDefined();
      expect(best?.miss ?? [], `closest denial:\n${JSON.stringify(best?.d, null, 1)}`).toEqual([]);
    }
    if (f.expectedWarnings !== undefined) {
      if (f.expectedWarnings.length === 0) expect(result.warnings).toEqual([]);
      for (const w of f.expectedWarnings) {
        expect(
          result.warnings.some((x) => x.includes(w)),
          `warnings: ${result.warnings.join(" | ")}`,
        ).toBe(true);
      }
    }
    // Invariants every result keeps.
    for (const d of result.denials) {
      expect(d.occurrences).toBeGreaterThanOrEqual(1);
      expect(d.sources[0]).toBeDefined();
      expect(d.sources).toContain(d.source);
      expect(d.rawMessage.length).toBeLessThanOrEqual(1000);
      if (d.accountId !== null) expect(d.accountId).toMatch(/^\d{12}$/);
      if (d.action !== null) expect(d.action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9*_-]+$/);
    }
    expect(result.counts.denials).toBe(result.denials.length);
  });
});
