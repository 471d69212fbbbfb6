/** The semantic document diff: cosmetic rewrites are no difference; real ones are named precisely. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffPolicyDocuments, pairStatements, rankFindings } from "../../src/policy/diff.js";
import { createIamIndex } from "../../src/policy/iam-index.js";
import { normalizePolicy, patternSubsumes } from "../../src/policy/normalize.js";
import { parsePolicyOrThrow } from "../../src/policy/parse.js";

const scp = (doc: unknown) =>
  parsePolicyOrThrow(typeof doc === "string" ? doc : JSON.stringify(doc), { kind: "SCP" });
const diff = (a: unknown, b: unknown, iam?: ReturnType<typeof createIamIndex>) =>
  diffPolicyDocuments(scp(a), scp(b), iam ? { iam } : {});

const BASE = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ProtectSecurity",
      Effect: "Deny",
      Action: ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "guardduty:DeleteDetector"],
      Resource: "*",
      Condition: {
        ArnNotLike: {
          "aws:PrincipalArn": ["arn:aws:iam::*:role/BreakGlassAdmin", "arn:aws:iam::*:role/SecOps"],
        },
      },
    },
    {
      Sid: "Regions",
      Effect: "Deny",
      NotAction: ["iam:*", "sts:*", "organizations:*"],
      Resource: "*",
      Condition: { StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "eu-central-1"] } },
    },
    { Effect: "Deny", Action: "s3:DeleteBucket", Resource: ["arn:aws:s3:::a", "arn:aws:s3:::b"] },
  ],
};

/** Rewrites a document without changing what it means. */
function cosmetic(doc: typeof BASE, rnd: () => number): unknown {
  const shuffle = <T>(xs: T[]): T[] => [...xs].sort(() => rnd() - 0.5);
  const flip = (s: string): string =>
    [...s].map((c) => (rnd() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join("");
  const one = <T>(xs: T[]): T | T[] => (xs.length === 1 && rnd() < 0.5 ? xs[0]! : xs);
  const reorderKeys = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(shuffle(Object.entries(o)));
  const statements = doc.Statement.map((st) => {
    const s: Record<string, unknown> = { ...st };
    if (rnd() < 0.5) delete s.Sid;
    for (const el of ["Action", "NotAction"]) {
      if (s[el] !== undefined) {
        const list = (Array.isArray(s[el]) ? s[el] : [s[el]]) as string[];
        s[el] = one(shuffle(list.map(flip)));
      }
    }
    if (Array.isArray(s.Resource)) s.Resource = shuffle(s.Resource as string[]);
    else if (rnd() < 0.5) s.Resource = [s.Resource];
    if (s.Condition) {
      s.Condition = reorderKeys(
        Object.fromEntries(
          Object.entries(s.Condition as Record<string, Record<string, string[]>>).map(([op, block]) => [
            rnd() < 0.3 ? op.toLowerCase() : op,
            Object.fromEntries(
              Object.entries(block).map(([k, v]) => [rnd() < 0.3 ? k.toUpperCase() : k, one(shuffle(v))]),
            ),
          ]),
        ),
      );
    }
    return reorderKeys(s);
  });
  const out = reorderKeys({ Version: doc.Version, Statement: shuffle(statements) });
  return rnd() < 0.5 ? JSON.stringify(out, null, rnd() < 0.5 ? 2 : 0) : out;
}

describe("cosmetic rewrites", () => {
  it("yield no finding (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        let x = seed;
        const rnd = (): number => {
          x = (x * 1103515245 + 12345) % 2 ** 31;
          return x / 2 ** 31;
        };
        expect(diff(BASE, cosmetic(BASE, rnd))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("treat a statement split in two (same scope) as the same guardrail", () => {
    const split = {
      Version: "2012-10-17",
      Statement: [
        { ...BASE.Statement[0], Sid: "A", Action: ["cloudtrail:StopLogging"] },
        { ...BASE.Statement[0], Sid: "B", Action: ["cloudtrail:DeleteTrail", "guardduty:DeleteDetector"] },
        BASE.Statement[1],
        BASE.Statement[2],
      ],
    };
    expect(diff(BASE, split)).toEqual([]);
    expect(diff(split, BASE)).toEqual([]);
  });

  it('read an implicit Resource as *, {"AWS": "*"} as *, and a wildcard as the actions it matches', () => {
    expect(
      diff(
        { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "s3:Get*", Resource: "*" }] },
        {
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: ["s3:GetObject", "s3:GetBucketAcl"] }],
        },
        createIamIndex({
          serviceKeys: ["s3"],
          services: {
            s3: {
              actions: [
                { name: "GetObject", conditionKeys: [] },
                { name: "GetBucketAcl", conditionKeys: [] },
                { name: "PutObject", conditionKeys: [] },
              ],
            },
          },
        }),
      ),
    ).toEqual([]);
  });
});

describe("differences", () => {
  const with0 = (patch: Record<string, unknown>) => ({
    ...BASE,
    Statement: [{ ...BASE.Statement[0], ...patch }, BASE.Statement[1], BASE.Statement[2]],
  });

  it("names the statement, element, expected and actual values", () => {
    const [f, ...rest] = diff(BASE, with0({ Action: ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"] }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      kind: "deny_actions_removed",
      direction: "weakens",
      severity: "high",
      statement: {
        expected: { index: 0, sid: "ProtectSecurity" },
        actual: { index: 0, sid: "ProtectSecurity" },
      },
      element: "Action",
      path: "Statement[0].Action",
      difference: ["guardduty:DeleteDetector"],
      expected: { Action: BASE.Statement[0]!.Action },
      actual: { Action: ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"] },
    });
  });

  it("an exemption list that grew loosens the deny; one that shrank tightens it", () => {
    const grown = diff(
      BASE,
      with0({
        Condition: {
          ArnNotLike: {
            "aws:PrincipalArn": [
              "arn:aws:iam::*:role/BreakGlassAdmin",
              "arn:aws:iam::*:role/SecOps",
              "arn:aws:iam::*:role/Contractor",
            ],
          },
        },
      }),
    );
    expect(grown).toMatchObject([
      {
        kind: "condition_loosened",
        direction: "weakens",
        condition: { operator: "ArnNotLike", key: "aws:PrincipalArn" },
        difference: ["arn:aws:iam::*:role/Contractor"],
      },
    ]);
    const shrunk = diff(
      BASE,
      with0({ Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlassAdmin" } } }),
    );
    expect(shrunk).toMatchObject([
      { kind: "condition_tightened", direction: "tightens", difference: ["arn:aws:iam::*:role/SecOps"] },
    ]);
    // A broader wildcard is a loosening too.
    const wider = diff(
      BASE,
      with0({ Condition: { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/*"] } } }),
    );
    expect(wider.map((f) => f.kind)).toEqual(["condition_loosened"]);
  });

  it("IfExists added to a positive operator in a Deny tightens it (absent key now matches)", () => {
    const a = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Action: "s3:*",
          Resource: "*",
          Condition: { StringEquals: { "aws:ResourceTag/x": "y" } },
        },
      ],
    };
    const b = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Action: "s3:*",
          Resource: "*",
          Condition: { StringEqualsIfExists: { "aws:ResourceTag/x": "y" } },
        },
      ],
    };
    expect(diff(a, b)).toMatchObject([{ kind: "condition_tightened", direction: "tightens" }]);
    expect(diff(b, a)).toMatchObject([{ kind: "condition_loosened", direction: "weakens" }]);
  });

  it("ranks weakening above tightening whatever the order found", () => {
    const ranked = rankFindings([
      {
        id: "1",
        kind: "deny_actions_added",
        direction: "tightens",
        severity: "high",
        accountsAffected: 9,
        policy: { name: "A" },
      },
      {
        id: "2",
        kind: "deny_actions_removed",
        direction: "weakens",
        severity: "low",
        accountsAffected: 1,
        policy: { name: "A" },
      },
      {
        id: "3",
        kind: "condition_changed",
        direction: "neutral",
        severity: "critical",
        accountsAffected: 1,
        policy: { name: "A" },
      },
      {
        id: "4",
        kind: "deny_actions_removed",
        direction: "weakens",
        severity: "high",
        accountsAffected: 1,
        policy: { name: "A" },
      },
    ] as never[]);
    expect(ranked.map((f: { id: string }) => f.id)).toEqual(["4", "2", "1", "3"]);
  });
});

describe("pairing and patterns", () => {
  it("pairs by Sid, else by best match", () => {
    const e = normalizePolicy(scp(BASE));
    const a = normalizePolicy(
      scp({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Deny", Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::c" },
          { ...BASE.Statement[1], NotAction: ["iam:*"] },
          { ...BASE.Statement[0], Action: "cloudtrail:*" },
        ],
      }),
    );
    const { pairs, unpairedExpected, unpairedActual } = pairStatements(e, a);
    expect(pairs.map(([x, y]) => [x.index, y.index])).toEqual([
      [0, 2],
      [1, 1],
      [2, 0],
    ]);
    expect(unpairedExpected).toEqual([]);
    expect(unpairedActual).toEqual([]);
  });

  it("pattern subsumption", () => {
    expect(patternSubsumes("s3:*", "s3:get*", true)).toBe(true);
    expect(patternSubsumes("s3:get*", "s3:*", true)).toBe(false);
    expect(patternSubsumes("s3:Get?", "s3:Get*")).toBe(false);
    expect(patternSubsumes("arn:aws:iam::*:role/*", "arn:aws:iam::*:role/Admin")).toBe(true);
    expect(patternSubsumes("*", "anything")).toBe(true);
  });
});

describe("operator equivalences and IfExists (review findings)", () => {
  const deny = (condition: Record<string, unknown>) => ({
    Version: "2012-10-17",
    Statement: [{ Sid: "S", Effect: "Deny", Action: "s3:DeleteBucket", Resource: "*", Condition: condition }],
  });

  it("treats ArnEquals and ArnLike (and their negations) as the same operator", () => {
    const like = deny({ ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/X"] } });
    const equals = deny({ ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::*:role/X"] } });
    expect(diff(like, equals)).toEqual([]);
    expect(
      diff(
        deny({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/Y" } }),
        deny({ ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::*:role/Y" } }),
      ),
    ).toEqual([]);
  });

  it("sees IfExists dropped from ForAnyValue with a negated operator: the Deny no longer applies to a missing set", () => {
    const found = diff(
      deny({ "ForAnyValue:StringNotEqualsIfExists": { "aws:TagKeys": ["a"] } }),
      deny({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["a"] } }),
    );
    expect(found.map((f) => [f.kind, f.direction])).toContainEqual(["condition_loosened", "weakens"]);
  });

  it("sees no change when IfExists is added to ForAllValues, which already holds for a missing set", () => {
    expect(
      diff(
        deny({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a"] } }),
        deny({ "ForAllValues:StringEqualsIfExists": { "aws:TagKeys": ["a"] } }),
      ),
    ).toEqual([]);
  });
});

describe("resource scope (review findings)", () => {
  const deny = (res: Record<string, unknown>) => ({
    Version: "2012-10-17",
    Statement: [{ Sid: "S", Effect: "Deny", Action: "s3:DeleteObject", ...res }],
  });

  it("reads Resource * becoming NotResource X as a Deny that no longer covers X", () => {
    const found = diff(deny({ Resource: "*" }), deny({ NotResource: ["arn:aws:s3:::exempt/*"] }));
    expect(found.map((f) => [f.kind, f.direction])).toEqual([["resource_scope_changed", "weakens"]]);
  });

  it("reports a Deny moved to another resource as a weakening and a tightening", () => {
    const found = diff(
      deny({ Resource: ["arn:aws:s3:::audit-logs/*"] }),
      deny({ Resource: ["arn:aws:s3:::other/*"] }),
    );
    expect(found.map((f) => f.direction).sort()).toEqual(["tightens", "weakens"]);
  });
});

describe("Action to NotAction (review finding)", () => {
  it("sees that NotAction s3:*Object no longer denies s3:GetObject that Action s3:Get* denied", () => {
    const found = diff(
      {
        Version: "2012-10-17",
        Statement: [{ Sid: "S", Effect: "Deny", Action: ["s3:Get*"], Resource: "*" }],
      },
      {
        Version: "2012-10-17",
        Statement: [{ Sid: "S", Effect: "Deny", NotAction: ["s3:*Object"], Resource: "*" }],
      },
    );
    expect(found.map((f) => [f.kind, f.direction])).toContainEqual(["deny_actions_removed", "weakens"]);
  });
});

describe("Bool values (review finding)", () => {
  const deny = (values: string[]) => ({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "S",
        Effect: "Deny",
        Action: "s3:*",
        Resource: "*",
        Condition: { Bool: { "aws:SecureTransport": values } },
      },
    ],
  });
  it("reads an added value as a Deny that applies to more requests", () => {
    expect(diff(deny(["false"]), deny(["false", "true"])).map((f) => [f.kind, f.direction])).toEqual([
      ["condition_tightened", "tightens"],
    ]);
  });
  it("reads a flipped value as a different condition", () => {
    expect(diff(deny(["false"]), deny(["true"])).map((f) => f.kind)).toEqual(["condition_changed"]);
  });
});
