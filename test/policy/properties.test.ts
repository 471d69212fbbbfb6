/**
 * Laws of the evaluator that hold whatever AWS's details, checked with fast-check over generated
 * organizations (chains of 1-4 levels), policies and requests. `npm test` runs a bounded count with a
 * fixed seed; `npm run test:fuzz` (RELIABILITY_FULL=1) runs many more. PROPERTY_SEED replays a seed.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateCondition, makeCondition } from "../../src/policy/conditions.js";
import {
  evaluate,
  type Decision,
  type EvaluationChain,
  type EvaluationRequest,
  type EvaluationResult,
} from "../../src/policy/evaluate.js";
import { primeCatalogue } from "../../src/policy/catalogue.js";
import { parseConditionOperator, type ConditionOperator } from "../../src/policy/operators.js";
import {
  normalizeConditionKey,
  RequestContextValues,
  type ContextValue,
} from "../../src/policy/request-context.js";

const FULL = process.env.RELIABILITY_FULL === "1";
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_116);
const runs = (bounded: number): { seed: number; numRuns: number } => ({
  seed: SEED,
  numRuns: FULL ? bounded * 40 : bounded,
});
/** Per test: the bounded runs stay well inside vitest's default; the full ones take minutes. */
const TIMEOUT = FULL ? 900_000 : 30_000;

// ---------------------------------------------------------------------------------------------
// The universe: a few actions, resources and condition keys, so generated statements often meet.

const ACTIONS = ["s3:GetObject", "s3:PutObject", "ec2:RunInstances", "iam:CreateUser", "sqs:SendMessage"];
const ACTION_PATTERNS = [...ACTIONS, "s3:*", "s3:Get*", "ec2:*", "iam:Create*", "*", "sqs:Send?essage"];
const RESOURCES = [
  "arn:aws:s3:::bucket-a/key",
  "arn:aws:s3:::bucket-b/data/x",
  "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
  "arn:aws:iam::111122223333:user/alice",
];
const RESOURCE_PATTERNS = [
  "*",
  ...RESOURCES,
  "arn:aws:s3:::bucket-a/*",
  "arn:aws:s3:::*",
  "arn:aws:ec2:*:*:instance/*",
  "arn:aws:iam::*:user/a*",
];

interface KeySpec {
  key: string;
  values: readonly string[];
  patterns: readonly string[];
  kind: "string" | "bool" | "multi";
}
const KEYS: readonly KeySpec[] = [
  {
    key: "aws:RequestedRegion",
    values: ["eu-west-1", "us-east-1", "eu-central-1"],
    patterns: ["eu-*", "*-1"],
    kind: "string",
  },
  { key: "aws:PrincipalTag/team", values: ["red", "blue"], patterns: ["r*", "?lue"], kind: "string" },
  { key: "aws:SecureTransport", values: ["true", "false"], patterns: [], kind: "bool" },
  { key: "aws:TagKeys", values: ["Owner", "Restricted", "Env"], patterns: ["R*", "*n*"], kind: "multi" },
];

type Doc = Record<string, unknown>;
interface Statement extends Doc {
  Sid: string;
  Effect: "Allow" | "Deny";
}
interface PolicySpec {
  id: string;
  statements: Statement[];
}
interface ChainSpec {
  /** Per level: whether FullAWSAccess is attached, and the generated policies. */
  levels: { full: boolean; policies: PolicySpec[] }[];
}

// ---------------------------------------------------------------------------------------------
// Generators. `finite` keeps to operators whose cases a missing key can be enumerated for
// (exact String, Bool, Null), where the depends_on_context laws can be checked exactly.

function conditionArb(finite: boolean): fc.Arbitrary<{ op: string; key: string; values: string[] }> {
  return fc.constantFrom(...KEYS).chain((spec) => {
    const ifExists = fc.boolean().map((b) => (b ? "IfExists" : ""));
    const values = (pool: readonly string[]) => fc.subarray([...pool], { minLength: 1, maxLength: 2 });
    const like = !finite && spec.patterns.length > 0;
    if (spec.kind === "bool") {
      return fc.oneof(
        fc.record({
          op: ifExists.map((s) => `Bool${s}`),
          key: fc.constant(spec.key),
          values: values(spec.values),
        }),
        fc.record({ op: fc.constant("Null"), key: fc.constant(spec.key), values: values(["true", "false"]) }),
      );
    }
    const base = fc.constantFrom(
      "StringEquals",
      "StringNotEquals",
      ...(like ? ["StringLike", "StringNotLike"] : []),
    );
    const qualifier =
      spec.kind === "multi" ? fc.constantFrom("ForAnyValue:", "ForAllValues:", "") : fc.constant("");
    return fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({ q: qualifier, b: base, x: ifExists }).chain(({ q, b, x }) =>
          fc.record({
            op: fc.constant(`${q}${b}${x}`),
            key: fc.constant(spec.key),
            values: b.includes("Like") ? values([...spec.values, ...spec.patterns]) : values(spec.values),
          }),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          op: fc.constant("Null"),
          key: fc.constant(spec.key),
          values: values(["true", "false"]),
        }),
      },
    );
  });
}

/** true with weight `yes` against `no`. */
const weighted = (yes: number, no: number): fc.Arbitrary<boolean> =>
  fc.oneof({ weight: no, arbitrary: fc.constant(false) }, { weight: yes, arbitrary: fc.constant(true) });

function statementArb(finite: boolean, effect?: "Allow" | "Deny"): fc.Arbitrary<Statement> {
  return fc
    .record({
      effect: effect ? fc.constant(effect) : fc.constantFrom<"Allow" | "Deny">("Allow", "Deny", "Deny"),
      notAction: weighted(1, 4),
      actions: fc.subarray(ACTION_PATTERNS, { minLength: 1, maxLength: 3 }),
      notResource: fc.boolean(),
      resources: fc.subarray(RESOURCE_PATTERNS, { minLength: 1, maxLength: 2 }),
      conditions: fc.array(conditionArb(finite), { maxLength: 2 }),
    })
    .map((g) => {
      const s: Statement = { Sid: "", Effect: g.effect };
      s[g.notAction ? "NotAction" : "Action"] = g.actions;
      s[g.notResource && g.resources[0] !== "*" ? "NotResource" : "Resource"] = g.resources;
      if (g.conditions.length > 0) {
        const block: Record<string, Record<string, string[]>> = {};
        for (const c of g.conditions) (block[c.op] ??= {})[c.key] = c.values;
        s.Condition = block;
      }
      return s;
    });
}

function chainArb(finite: boolean): fc.Arbitrary<ChainSpec> {
  const policy = fc.array(statementArb(finite), { minLength: 1, maxLength: 3 });
  const level = fc.record({
    full: weighted(3, 1),
    policies: fc.array(policy, { maxLength: 3 }),
  });
  return fc.array(level, { minLength: 1, maxLength: 4 }).map((levels) => ({
    levels: levels.map((l, li) => ({
      full: l.full,
      policies: l.policies.map((statements, pi) => ({
        id: `p-gen${li}x${pi}aaaa`,
        statements: statements.map((s, si) => ({ ...s, Sid: `L${li}P${pi}S${si}` })),
      })),
    })),
  }));
}

function contextArb(): fc.Arbitrary<Record<string, ContextValue>> {
  const entry = (spec: KeySpec): fc.Arbitrary<ContextValue | undefined> =>
    spec.kind === "multi"
      ? fc.oneof(fc.constant(undefined), fc.subarray([...spec.values], { maxLength: 3 }))
      : fc.oneof(fc.constant(undefined), fc.constant([] as string[]), fc.constantFrom(...spec.values));
  return fc.tuple(...KEYS.map(entry)).map((values) => {
    const out: Record<string, ContextValue> = {};
    values.forEach((v, i) => {
      if (v !== undefined) out[KEYS[i]!.key] = v;
    });
    return out;
  });
}

function requestArb(resource: "always" | "sometimes" = "sometimes"): fc.Arbitrary<EvaluationRequest> {
  return fc
    .record({
      action: fc.constantFrom(...ACTIONS),
      resource:
        resource === "always"
          ? fc.constantFrom(...RESOURCES)
          : fc.oneof(
              { weight: 5, arbitrary: fc.constantFrom(...RESOURCES) },
              { weight: 1, arbitrary: fc.constant(undefined) },
            ),
      context: contextArb(),
    })
    .map((r) => ({
      action: r.action,
      ...(r.resource ? { resource: r.resource } : {}),
      context: r.context,
    }));
}

// ---------------------------------------------------------------------------------------------
// Building chains

const FULL_ACCESS = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

function target(index: number, count: number) {
  if (index === 0) return { id: "r-ab12", type: "ROOT" as const, name: "Root" };
  if (index === count - 1) return { id: "111122223333", type: "ACCOUNT" as const, name: "app" };
  return { id: `ou-ab12-0000000${index}`, type: "ORGANIZATIONAL_UNIT" as const, name: `OU${index}` };
}

function build(spec: ChainSpec): EvaluationChain {
  return {
    policyType: "SERVICE_CONTROL_POLICY",
    managementAccountId: "999999999999",
    levels: spec.levels.map((l, i) => ({
      target: target(i, spec.levels.length),
      policies: [
        ...(l.full ? [{ id: "p-FullAWSAccess", name: "FullAWSAccess", content: FULL_ACCESS }] : []),
        ...l.policies.map((p) => ({
          id: p.id,
          name: p.id,
          content: JSON.stringify({ Version: "2012-10-17", Statement: p.statements }),
        })),
      ],
    })),
  };
}

const run = (spec: ChainSpec, request: EvaluationRequest, missingKeys?: "absent"): EvaluationResult =>
  evaluate(request, build(spec), missingKeys ? { missingKeys } : {});

const DENIALS: readonly Decision[] = ["explicitly_denied", "implicitly_denied"];
const sids = (r: EvaluationResult) =>
  r.decidingStatements.map((s) => `${s.policyId}/${s.sid ?? s.statementIndex}`).sort();
const keysOf = (r: EvaluationResult) => [...new Set(r.missingContextKeys.map(normalizeConditionKey))].sort();
const outcomesOf = (r: EvaluationResult) =>
  (r.outcomes ?? []).map((o) => `${o.scenario}:${o.decision}`).sort();

/** Adds a statement to the policy at `where` (an index into all generated policies), or a new policy. */
function withStatement(spec: ChainSpec, statement: Statement, where: number): ChainSpec {
  const all = spec.levels.flatMap((l, li) => l.policies.map((_, pi) => [li, pi] as const));
  const copy: ChainSpec = structuredClone(spec);
  const added = { ...statement, Sid: "Added" };
  const at = all[where % (all.length + spec.levels.length)];
  if (at) copy.levels[at[0]]!.policies[at[1]]!.statements.push(added);
  else {
    const li = where % spec.levels.length;
    copy.levels[li]!.policies.push({ id: "p-addedaaaa", statements: [added] });
  }
  return copy;
}

function shuffled<T>(values: readonly T[], seed: number): T[] {
  const out = [...values];
  let x = seed | 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1_103_515_245 + 12_345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function permuteStatement(s: Statement, seed: number): Statement {
  const out: Statement = { Sid: s.Sid, Effect: s.Effect };
  for (const key of shuffled(Object.keys(s), seed)) {
    const v = s[key];
    if (key === "Condition") {
      const block = v as Record<string, Record<string, string[]>>;
      const ops = shuffled(Object.keys(block), seed + 1);
      out.Condition = Object.fromEntries(
        ops.map((op) => [
          op,
          Object.fromEntries(
            shuffled(Object.keys(block[op]!), seed + 2).map((k) => [k, shuffled(block[op]![k]!, seed + 3)]),
          ),
        ]),
      );
    } else out[key] = Array.isArray(v) ? shuffled(v, seed + 4) : v;
  }
  return out;
}

function permuted(spec: ChainSpec, seed: number): ChainSpec {
  return {
    levels: spec.levels.map((l, li) => ({
      full: l.full,
      policies: shuffled(l.policies, seed + li).map((p, pi) => ({
        id: p.id,
        statements: shuffled(p.statements, seed + 7 * pi).map((s, si) => permuteStatement(s, seed + si)),
      })),
    })),
  };
}

function permutedRequest(r: EvaluationRequest, seed: number): EvaluationRequest {
  const context = Object.fromEntries(
    shuffled(Object.entries(r.context ?? {}), seed).map(([k, v]) => [
      k,
      typeof v === "string" ? v : shuffled(v, seed),
    ]),
  );
  return { ...r, context };
}

beforeAll(async () => {
  await primeCatalogue({ services: ["s3", "ec2", "iam", "sqs"] });
});

// ---------------------------------------------------------------------------------------------

describe("evaluator laws", () => {
  it(
    "adding a Deny statement never turns a denial (or an undecided answer) into an allow",
    () => {
      fc.assert(
        fc.property(
          chainArb(false),
          requestArb(),
          statementArb(false, "Deny"),
          fc.nat(),
          (spec, req, deny, where) => {
            const before = run(spec, req).decision;
            const after = run(withStatement(spec, deny, where), req).decision;
            // A denial may become undecided (a key the enumeration settled is now also compared with a
            // wildcard: explore.ts), never allowed.
            if (before !== "allowed") expect(after).not.toBe("allowed");
          },
        ),
        runs(60),
      );
    },
    TIMEOUT,
  );

  it(
    "adding an Allow statement never turns an allow into a denial, nor an explicit deny into an allow",
    () => {
      fc.assert(
        fc.property(
          chainArb(false),
          requestArb(),
          statementArb(false, "Allow"),
          fc.nat(),
          (spec, req, allow, where) => {
            const before = run(spec, req).decision;
            const after = run(withStatement(spec, allow, where), req).decision;
            if (before === "allowed") expect(after).toBe("allowed");
            if (before === "explicitly_denied") expect(after).not.toBe("allowed");
          },
        ),
        runs(60),
      );
    },
    TIMEOUT,
  );

  it(
    "the order of statements, policies, values and context values changes nothing",
    () => {
      fc.assert(
        fc.property(chainArb(false), requestArb(), fc.nat(), (spec, req, seed) => {
          const a = run(spec, req);
          const b = run(permuted(spec, seed), permutedRequest(req, seed));
          expect(b.decision).toBe(a.decision);
          expect(sids(b)).toEqual(sids(a));
          expect(keysOf(b)).toEqual(keysOf(a));
          expect(outcomesOf(b)).toEqual(outcomesOf(a));
          expect(b.caveats.map((c) => c.reading).sort()).toEqual(a.caveats.map((c) => c.reading).sort());
        }),
        runs(60),
      );
    },
    TIMEOUT,
  );

  it(
    "splitting a statement's actions into two statements changes nothing",
    () => {
      fc.assert(
        fc.property(chainArb(false), requestArb(), fc.nat(), fc.nat(), (spec, req, which, cut) => {
          const all = spec.levels.flatMap((l, li) =>
            l.policies.flatMap((p, pi) =>
              p.statements.flatMap((s, si) =>
                Array.isArray(s.Action) && s.Action.length > 1 ? [[li, pi, si] as const] : [],
              ),
            ),
          );
          const at = all[which % Math.max(all.length, 1)];
          fc.pre(at !== undefined);
          const [li, pi, si] = at!;
          const split: ChainSpec = structuredClone(spec);
          const statements = split.levels[li]!.policies[pi]!.statements;
          const original = statements[si]!;
          const actions = original.Action as string[];
          const k = 1 + (cut % (actions.length - 1));
          statements.splice(
            si,
            1,
            { ...original, Action: actions.slice(0, k) },
            { ...original, Sid: `${original.Sid}b`, Action: actions.slice(k) },
          );
          const a = run(spec, req);
          const b = run(split, req);
          expect(b.decision).toBe(a.decision);
          expect(keysOf(b)).toEqual(keysOf(a));
        }),
        runs(60),
      );
    },
    TIMEOUT,
  );

  it(
    "NotAction and NotResource are the complements of Action and Resource",
    () => {
      fc.assert(
        fc.property(
          fc.subarray(ACTION_PATTERNS, { minLength: 1, maxLength: 3 }),
          fc.subarray(RESOURCE_PATTERNS, { minLength: 1, maxLength: 2 }),
          requestArb(),
          (actions, resources, req) => {
            const applies = (statement: Doc): unknown => {
              const r = run(
                {
                  levels: [
                    {
                      full: true,
                      policies: [
                        { id: "p-oneaaaa", statements: [{ Sid: "X", Effect: "Deny", ...statement }] },
                      ],
                    },
                  ],
                },
                req,
              );
              return r.levels[0]!.policies[1]!.statements[0]!.applies;
            };
            expect(applies({ Action: actions, Resource: "*" })).toBe(
              !applies({ NotAction: actions, Resource: "*" }),
            );
            const positive = applies({ Action: "*", Resource: resources });
            const negative = applies({ Action: "*", NotResource: resources });
            if (positive === "unknown") expect(negative).toBe("unknown");
            else expect(negative).toBe(!positive);
            // Together they cover every request: a Deny on both sides always denies.
            const both = run(
              {
                levels: [
                  {
                    full: true,
                    policies: [
                      {
                        id: "p-bothaaaa",
                        statements: [
                          { Sid: "A", Effect: "Deny", Action: actions, Resource: "*" },
                          { Sid: "B", Effect: "Deny", NotAction: actions, Resource: "*" },
                          ...(req.resource
                            ? [
                                { Sid: "C", Effect: "Deny" as const, Action: "*", Resource: resources },
                                { Sid: "D", Effect: "Deny" as const, Action: "*", NotResource: resources },
                              ]
                            : []),
                        ],
                      },
                    ],
                  },
                ],
              },
              req,
            );
            expect(both.decision).toBe("explicitly_denied");
          },
        ),
        runs(100),
      );
    },
    TIMEOUT,
  );

  it(
    "a definite answer holds whatever values the keys the request did not give take",
    () => {
      // The other half of "never the permissive guess": a key left out can only leave an answer open.
      fc.assert(
        fc.property(chainArb(false), requestArb(), contextArb(), (spec, req, more) => {
          const a = run(spec, req);
          fc.pre(a.decision !== "depends_on_context");
          // Keys the engine derives (aws:RequestedRegion for a single-endpoint service) count as given.
          const given = RequestContextValues.from({ ...req.context, ...a.derivedContext });
          const extra = Object.fromEntries(Object.entries(more).filter(([k]) => !given.has(k)));
          const b = run(spec, { ...req, context: { ...req.context, ...extra } });
          // An implicit denial may become explicit (a Deny the answer named as possible applies): it stays a denial.
          if (a.decision === "implicitly_denied") expect(DENIALS, a.summary).toContain(b.decision);
          else expect(b.decision, a.summary).toBe(a.decision);
        }),
        runs(80),
      );
    },
    TIMEOUT,
  );

  it(
    "depends_on_context only when a missing key can change it; each outcome's context gives that outcome",
    () => {
      fc.assert(
        fc.property(
          fc
            .boolean()
            .chain((finite) => fc.tuple(fc.constant(finite), chainArb(finite), requestArb("always"))),
          ([finite, spec, req]) => {
            const r = run(spec, req);
            if (r.decision !== "depends_on_context") return;
            const outcomes = r.outcomes ?? [];
            const absent = outcomes.find((o) => o.scenario === "missing_keys_absent");
            if (absent) expect(run(spec, req, "absent").decision).toBe(absent.decision);
            const bounded = r.notes.some((n) => n.startsWith("The outcomes are not enumerated"));
            if (finite && !bounded) {
              // Every missing key has finitely many cases here: each outcome comes with one.
              expect(
                outcomes.every((o) => o.context !== undefined),
                JSON.stringify(outcomes),
              ).toBe(true);
              expect(new Set(outcomes.map((o) => o.decision)).size, r.summary).toBeGreaterThan(1);
            }
            for (const o of outcomes) {
              if (!o.context) continue;
              const supplied = run(spec, { ...req, context: { ...req.context, ...o.context } });
              expect(supplied.decision, `${o.scenario} ${JSON.stringify(o.context)}`).toBe(o.decision);
            }
          },
        ),
        runs(100),
      );
    },
    TIMEOUT,
  );
});

describe("condition laws", () => {
  const operatorArb = (qualified: boolean): fc.Arbitrary<{ base: string; spec: KeySpec; values: string[] }> =>
    fc
      .constantFrom(...KEYS.filter((k) => (qualified ? k.kind === "multi" : k.kind !== "multi")))
      .chain((spec) =>
        fc.record({
          base:
            spec.kind === "bool"
              ? fc.constant("Bool")
              : fc.constantFrom(
                  "StringEquals",
                  "StringNotEquals",
                  "StringLike",
                  "StringNotLike",
                  "StringEqualsIgnoreCase",
                ),
          spec: fc.constant(spec),
          values: fc.subarray([...spec.values, ...spec.patterns], {
            minLength: 1,
            maxLength: Math.min(3, spec.values.length + spec.patterns.length),
          }),
        }),
      );
  const op = (written: string): ConditionOperator => {
    const parsed = parseConditionOperator(written);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.operator;
  };
  const env = (context: Record<string, ContextValue>, missingKeys: "unknown" | "absent" = "unknown") => ({
    context: RequestContextValues.from(context),
    missingKeys,
    resourceKnown: true,
  });

  it(
    "an ...IfExists operator on a present key equals the plain operator",
    () => {
      fc.assert(
        fc.property(
          fc
            .boolean()
            .chain((qualified) =>
              fc.tuple(
                fc.constant(qualified),
                operatorArb(qualified),
                fc.constantFrom("", "ForAnyValue:", "ForAllValues:"),
              ),
            ),
          fc.nat(),
          ([qualified, { base, spec, values }, q], pick) => {
            const qualifier = qualified ? q : "";
            const value: ContextValue =
              spec.kind === "multi"
                ? shuffled(spec.values, pick).slice(0, 1 + (pick % spec.values.length))
                : spec.values[pick % spec.values.length]!;
            const e = env({ [spec.key]: value });
            const plain = evaluateCondition(makeCondition(op(`${qualifier}${base}`), spec.key, values), e);
            const ifExists = evaluateCondition(
              makeCondition(op(`${qualifier}${base}IfExists`), spec.key, values),
              e,
            );
            expect(ifExists.result).toBe(plain.result);
          },
        ),
        runs(200),
      );
    },
    TIMEOUT,
  );

  it(
    "ForAllValues on an empty or missing set is true, whatever the operator and values",
    () => {
      fc.assert(
        fc.property(
          operatorArb(true),
          fc.boolean(),
          fc.boolean(),
          ({ base, spec, values }, ifExists, given) => {
            const cond = makeCondition(
              op(`ForAllValues:${base}${ifExists ? "IfExists" : ""}`),
              spec.key,
              values,
            );
            const e = given ? env({ [spec.key]: [] }) : env({}, "absent");
            expect(evaluateCondition(cond, e).result).toBe(true);
          },
        ),
        runs(200),
      );
    },
    TIMEOUT,
  );
});
