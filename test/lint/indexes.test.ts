/**
 * The linter's indexes answer what the plain searches they replace answered: positions from one
 * pass over the text (locateInJson rescans it), and did-you-mean from prepared candidates (an edit
 * distance against every name of the service).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createIamIndex } from "../../src/policy/iam-index.js";
import { locateInJson, parsePathString, type PathSegment } from "../../src/policy/json-locate.js";
import { JsonPositions } from "../../src/policy/json-positions.js";

const DIR = join(import.meta.dirname, "../fixtures/lint");

/** Every path to a node of a JSON value, plus paths that go astray. */
function paths(value: unknown, prefix: PathSegment[] = []): PathSegment[][] {
  const out: PathSegment[][] = [prefix, [...prefix, "Missing"], [...prefix, 0], [...prefix, 99]];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

describe("JsonPositions", () => {
  it("locates every node of every lint fixture, as text and pretty-printed, as locateInJson does", () => {
    let checked = 0;
    for (const file of readdirSync(DIR).filter((f) => f.endsWith(".json"))) {
      const fixture = JSON.parse(readFileSync(join(DIR, file), "utf8")) as { document: unknown };
      const texts =
        typeof fixture.document === "string"
          ? [fixture.document]
          : [JSON.stringify(fixture.document), JSON.stringify(fixture.document, null, 2)];
      for (const text of texts) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          continue;
        }
        const index = new JsonPositions(text);
        for (const path of paths(value)) {
          expect(index.locate(path), `${file} ${JSON.stringify(path)}`).toEqual(locateInJson(text, path));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1_000);
  });

  it("agrees with locateInJson on generated documents and parser paths", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const index = new JsonPositions(text);
        for (const path of paths(value)) expect(index.locate(path)).toEqual(locateInJson(text, path));
      }),
      { seed: 15, numRuns: 200 },
    );
    const text = '{"Statement":[{"Action":"s3:x","Condition":{"StringEquals":{"aws:SourceIp":["1"]}}}]}';
    const path = parsePathString('Statement[0].Condition["StringEquals"]["aws:SourceIp"]');
    expect(new JsonPositions(text).locate(path)).toEqual(locateInJson(text, path));
  });
});

/** What lint used before: the edit distance against every candidate, the first closest kept. */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}
function closest(word: string, candidates: readonly string[], maxDistance = 3): string | undefined {
  let best: string | undefined;
  let bestD = maxDistance + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

describe("did-you-mean", () => {
  const names = [
    "DeleteDetector",
    "DeleteDetectors",
    "CreateDetector",
    "GetDetector",
    "ListDetectors",
    "UpdateDetector",
    "DeleteFilter",
    "Describe",
    "Tag",
    "TagResource",
  ];
  const services = ["guardduty", "s3", "s3express", "ec2", "iam", "sts", "kms", "organizations"];
  const index = createIamIndex({
    serviceKeys: services,
    services: { guardduty: { actions: names.map((name) => ({ name, conditionKeys: [] })) } },
  });

  it("suggests what an edit distance against every name suggests", () => {
    const typo = fc
      .tuple(
        fc.constantFrom(...names),
        fc.array(fc.tuple(fc.nat(30), fc.constantFrom("", "x", "e", "D", "s")), { maxLength: 4 }),
      )
      .map(([name, edits]) =>
        edits.reduce(
          (w, [at, c]) =>
            at % 2
              ? w.slice(0, at % (w.length + 1)) + c + w.slice(at % (w.length + 1))
              : w.slice(0, at % (w.length + 1)) + c + w.slice((at % (w.length + 1)) + 1),
          name,
        ),
      );
    fc.assert(
      fc.property(fc.oneof(typo, fc.string({ maxLength: 20 })), (word) => {
        expect(index.suggestAction("guardduty", word)).toBe(closest(word, names));
      }),
      { seed: 15, numRuns: 2_000 },
    );
    for (const s of ["guardduyt", "s3x", "ec", "iamm", "kmz", "organisations", "zzzzzzz"])
      expect(index.suggestService(s)).toBe(closest(s, services));
  });
});

describe("condition keys an action sends", () => {
  it("answers per service and key what asking each action answers", () => {
    const keys = [
      "aws:RequestTag/${TagKey}",
      "aws:TagKeys",
      "ec2:ResourceTag/${TagKey}",
      "ec2:Region",
      "s3:ExistingObjectTag/<key>",
      "ec2:InstanceType",
    ];
    const actions = Array.from({ length: 30 }, (_, i) => ({
      name: `Action${i}`,
      conditionKeys: keys.filter((_, k) => (i >> k) % 2 === 1),
    }));
    const index = createIamIndex({ serviceKeys: ["ec2"], services: { ec2: { actions } } });
    const asked = [
      "aws:RequestTag/team",
      "AWS:REQUESTTAG/Team",
      "aws:RequestTag/",
      "aws:tagkeys",
      "ec2:ResourceTag/x",
      "ec2:region",
      "s3:ExistingObjectTag/k",
      "ec2:InstanceType",
      "ec2:Other",
    ];
    for (const key of asked) {
      const senders = index.actionsSendingKey("ec2", key);
      for (const a of actions)
        expect(senders?.has(a.name.toLowerCase()), `${a.name} ${key}`).toBe(
          index.actionSendsKey(`ec2:${a.name}`, key),
        );
    }
    expect(index.actionsSendingKey("s3", "s3:x")).toBeUndefined();
  });
});
