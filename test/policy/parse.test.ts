import { describe, expect, it } from "vitest";
import {
  parsePolicy,
  parsePolicyCached,
  parsePolicyOrThrow,
  PolicyParseError,
  type PolicyIssue,
} from "../../src/policy/index.js";
import { policyKindOf, type PolicyKind } from "../../src/model/policy-type.js";

const V = "2012-10-17";

function errorsOf(doc: unknown, kind: PolicyKind = "SCP"): PolicyIssue[] {
  const r = parsePolicy(typeof doc === "string" ? doc : (doc as object), { kind });
  if (r.ok) throw new Error(`expected errors, got a policy with ${r.policy.statements.length} statements`);
  return r.errors;
}

function codes(doc: unknown, kind: PolicyKind = "SCP"): string[] {
  return errorsOf(doc, kind).map((e) => e.code);
}

function ok(doc: unknown, kind: PolicyKind = "SCP") {
  const r = parsePolicy(typeof doc === "string" ? doc : (doc as object), { kind });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.policy;
}

describe("parsePolicy: the normalised model", () => {
  it("parses a JSON string and keeps indexes, Sids, original values and array-ness", () => {
    const p = ok(
      JSON.stringify({
        Version: V,
        Statement: [
          { Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
          {
            Effect: "Deny",
            NotAction: ["iam:*", "sts:*"],
            NotResource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          },
        ],
      }),
    );
    expect(p.kind).toBe("SCP");
    expect(p.version).toBe(V);
    expect(p.variablesEnabled).toBe(true);
    expect(p.statementWasArray).toBe(true);
    expect(p.statements).toHaveLength(2);
    const [a, b] = p.statements;
    expect(a?.index).toBe(0);
    expect(a?.sid).toBe("A");
    expect(a?.path).toBe("Statement[0]");
    expect(a?.action).toMatchObject({ element: "Action", values: ["s3:GetObject"], wasArray: false });
    expect(a?.resource).toMatchObject({
      element: "Resource",
      values: ["*"],
      wasArray: false,
      implicit: false,
    });
    expect(b?.index).toBe(1);
    expect(b?.sid).toBeUndefined();
    expect(b?.effect).toBe("Deny");
    expect(b?.action).toMatchObject({ element: "NotAction", values: ["iam:*", "sts:*"], wasArray: true });
    expect(b?.resource.element).toBe("NotResource");
    expect(b?.raw).toMatchObject({ Effect: "Deny" });
  });

  it("accepts a single statement object and an object input", () => {
    const p = ok({ Version: V, Statement: { Effect: "Allow", Action: "*", Resource: "*" } });
    expect(p.statementWasArray).toBe(false);
    expect(p.statements[0]?.path).toBe("Statement");
  });

  it("normalises conditions: operator → key → values, stringifying numbers and booleans", () => {
    const p = ok({
      Version: V,
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: {
            "ForAnyValue:StringEqualsIfExists": { "aws:TagKeys": ["a", "b"] },
            NumericLessThan: { "ec2:RoleDelivery": 2 },
            Bool: { "aws:SecureTransport": false },
          },
        },
      ],
    });
    const conds = p.statements[0]?.conditions ?? [];
    expect(conds.map((c) => c.operator.canonical)).toEqual([
      "ForAnyValue:StringEqualsIfExists",
      "NumericLessThan",
      "Bool",
    ]);
    expect(conds[0]).toMatchObject({ key: "aws:TagKeys", normalizedKey: "aws:tagkeys", values: ["a", "b"] });
    expect(conds[0]?.operator).toMatchObject({ qualifier: "ForAnyValue", ifExists: true });
    expect(conds[1]).toMatchObject({ values: ["2"], rawValue: 2 });
    expect(conds[2]).toMatchObject({ values: ["false"], rawValue: false });
    expect(conds[0]?.path).toBe('Statement[0].Condition["ForAnyValue:StringEqualsIfExists"]["aws:TagKeys"]');
  });

  it("keeps the tag key's case in the normalised condition key", () => {
    const p = ok({
      Version: V,
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { Null: { "AWS:RequestTag/CostCenter": "true" } },
        },
      ],
    });
    expect(p.statements[0]?.conditions[0]?.normalizedKey).toBe("aws:requesttag/CostCenter");
  });

  it("allows the full SCP grammar: Allow with NotAction, conditions, resource ARNs, NotResource, wildcards anywhere", () => {
    const p = ok({
      Version: V,
      Statement: [
        { Effect: "Allow", NotAction: ["iam:*"], Resource: "*" },
        {
          Effect: "Allow",
          Action: ["*:Describe*", "s3:*Object*", "ec2:Get?onsoleOutput"],
          Resource: ["arn:aws:s3:::b/*"],
          Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
        },
        { Effect: "Allow", Action: "s3:*", NotResource: "arn:aws:s3:::secret/*" },
      ],
    });
    expect(p.statements).toHaveLength(3);
    expect(p.warnings).toEqual([]);
  });

  it('reads a statement without Resource as Resource "*" and warns', () => {
    const r = parsePolicy({ Version: V, Statement: [{ Effect: "Deny", Action: "s3:*" }] }, { kind: "SCP" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.statements[0]?.resource).toMatchObject({ implicit: true, values: ["*"] });
    expect(r.policy.warnings.map((w) => w.code)).toEqual(["missing_resource"]);
  });

  it("warns (does not fail) about a missing Version, and then reads variables literally", () => {
    const r = parsePolicy(
      { Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::home/${aws:username}/*" }] },
      { kind: "SCP" },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.variablesEnabled).toBe(false);
    expect(r.policy.warnings.map((w) => w.code)).toEqual(["missing_version", "variables_read_literally"]);
  });

  it("warns about duplicate Sids, non-alphanumeric Sids, operator spelling and invalid condition values", () => {
    const r = parsePolicy(
      {
        Version: V,
        Statement: [
          { Sid: "Same", Effect: "Deny", Action: "s3:*", Resource: "*" },
          { Sid: "Same", Effect: "Deny", Action: "s3:*", Resource: "*" },
          {
            Sid: "has-dash",
            Effect: "Deny",
            Action: "s3:*",
            Resource: "*",
            Condition: { stringequals: { "aws:x": "y" }, NumericEquals: { "s3:max-keys": "ten" } },
          },
        ],
      },
      { kind: "SCP" },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.warnings.map((w) => w.code).sort()).toEqual(
      ["duplicate_sid", "invalid_condition_value", "invalid_sid", "operator_spelling"].sort(),
    );
    const dup = r.policy.warnings.find((w) => w.code === "duplicate_sid");
    expect(dup?.location).toMatchObject({ statementIndex: 1, sid: "Same", element: "Sid" });
  });

  it("maps the Organizations policy type to a kind", () => {
    expect(policyKindOf("SERVICE_CONTROL_POLICY")).toBe("SCP");
    expect(policyKindOf("RESOURCE_CONTROL_POLICY")).toBe("RCP");
  });
});

describe("parsePolicy: precise, located errors", () => {
  it("reports invalid JSON with its line and column", () => {
    const [e] = errorsOf(
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Allow", }\n  ]\n}',
    );
    expect(e?.code).toBe("invalid_json");
    expect(e?.location.line).toBe(4);
    expect(e?.message).toMatch(/line 4/);
  });

  it("rejects a document that is not an object", () => {
    expect(codes("[1,2]")).toEqual(["not_an_object"]);
    expect(codes("42")).toEqual(["not_an_object"]);
  });

  it("rejects unknown elements, with a suggestion", () => {
    const errors = errorsOf({ Version: V, Statements: [] });
    expect(errors.map((e) => e.code)).toEqual(["unknown_element", "missing_statement"]);
    expect(errors[0]?.message).toContain('did you mean "Statement"');
    const inStatement = errorsOf({
      Version: V,
      Statement: [{ Effect: "Deny", Actions: "s3:*", Resource: "*" }],
    });
    expect(inStatement[0]).toMatchObject({
      code: "unknown_element",
      location: { statementIndex: 0, element: "Actions" },
    });
    expect(inStatement[0]?.message).toContain('did you mean "Action"');
  });

  it("rejects an invalid Version", () => {
    expect(
      codes({ Version: "2020-01-01", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }),
    ).toEqual(["invalid_version"]);
  });

  it("rejects Principal and NotPrincipal in an SCP, naming the statement by index and Sid", () => {
    const errors = errorsOf({
      Version: V,
      Statement: [
        { Effect: "Deny", Action: "*", Resource: "*" },
        { Sid: "WithPrincipal", Effect: "Deny", Principal: "*", Action: "*", Resource: "*" },
        { Effect: "Deny", NotPrincipal: { AWS: "arn:aws:iam::1:root" }, Action: "*", Resource: "*" },
      ],
    });
    expect(errors.map((e) => e.code)).toEqual(["principal_not_allowed", "notprincipal_not_allowed"]);
    expect(errors[0]?.location).toMatchObject({
      statementIndex: 1,
      sid: "WithPrincipal",
      element: "Principal",
      path: "Statement[1].Principal",
    });
    expect(errors[0]?.message).toMatch(/^statement 1 \(Sid "WithPrincipal"\), Principal: /);
    expect(errors[0]?.message).toContain("aws:PrincipalArn");
    expect(errors[1]?.location.statementIndex).toBe(2);
  });

  it("requires Effect Allow or Deny", () => {
    expect(codes({ Version: V, Statement: [{ Action: "*", Resource: "*" }] })).toEqual(["missing_effect"]);
    expect(codes({ Version: V, Statement: [{ Effect: "deny", Action: "*", Resource: "*" }] })).toEqual([
      "invalid_effect",
    ]);
  });

  it("requires exactly one of Action and NotAction, and exactly one of Resource and NotResource", () => {
    expect(codes({ Version: V, Statement: [{ Effect: "Deny", Resource: "*" }] })).toEqual(["missing_action"]);
    expect(
      codes({ Version: V, Statement: [{ Effect: "Deny", Action: "*", NotAction: "s3:*", Resource: "*" }] }),
    ).toEqual(["action_and_notaction"]);
    expect(
      codes({ Version: V, Statement: [{ Effect: "Deny", Action: "*", Resource: "*", NotResource: "*" }] }),
    ).toEqual(["resource_and_notresource"]);
  });

  it("locates a malformed action inside a list", () => {
    const [e] = errorsOf({
      Version: V,
      Statement: [{ Effect: "Deny", Action: ["s3:GetObject", "s3 GetObject"], Resource: "*" }],
    });
    expect(e).toMatchObject({
      code: "invalid_action",
      location: { path: "Statement[0].Action[1]", element: "Action" },
    });
  });

  it("rejects empty lists and non-string values", () => {
    expect(codes({ Version: V, Statement: [{ Effect: "Deny", Action: [], Resource: "*" }] })).toEqual([
      "invalid_statement",
    ]);
    expect(codes({ Version: V, Statement: [{ Effect: "Deny", Action: [42], Resource: "*" }] })).toEqual([
      "invalid_statement",
    ]);
    expect(codes({ Version: V, Statement: [{ Effect: "Deny", Action: "*", Resource: "bucket" }] })).toEqual([
      "invalid_resource",
    ]);
  });

  it("rejects unknown condition operators and malformed condition blocks, located by operator and key", () => {
    const errors = errorsOf({
      Version: V,
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: {
            StringEqualz: { "aws:x": "y" },
            "ForSomeValues:StringEquals": { "aws:x": "y" },
            NullIfExists: { "aws:x": "true" },
            "ForAllValues:Null": { "aws:x": "true" },
            StringEquals: "aws:x",
            StringLike: { "aws:y": { nested: true } },
            Bool: { "aws:z": [] },
          },
        },
      ],
    });
    expect(errors.map((e) => e.code)).toEqual([
      "unknown_operator",
      "unknown_operator",
      "unknown_operator",
      "unknown_operator",
      "invalid_condition",
      "invalid_condition_value",
      "invalid_condition_value",
    ]);
    expect(errors[0]?.location.path).toBe('Statement[0].Condition["StringEqualz"]');
    expect(errors[5]?.location.path).toBe('Statement[0].Condition["StringLike"]["aws:y"]');
  });

  it("collects every error rather than stopping at the first", () => {
    const errors = errorsOf({
      Version: V,
      Statement: [
        { Effect: "Permit", Action: "*", Resource: "*" },
        { Effect: "Deny", Principal: "*", Resource: "*" },
        "not a statement",
      ],
    });
    expect(errors.map((e) => e.code)).toEqual([
      "invalid_effect",
      "principal_not_allowed",
      "missing_action",
      "invalid_statement",
    ]);
    expect(errors.map((e) => e.location.statementIndex)).toEqual([0, 1, 1, 2]);
  });
});

describe("parsePolicy: RCP rules", () => {
  const full = { Version: V, Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] };

  it('accepts RCPFullAWSAccess and Deny statements with Principal "*" or {"AWS": "*"}', () => {
    ok(full, "RCP");
    const p = ok(
      {
        Version: V,
        Statement: [
          { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" },
          {
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "sqs:*",
            NotResource: "arn:aws:sqs:*:*:public-*",
          },
        ],
      },
      "RCP",
    );
    expect(p.statements[1]?.principal).toEqual({ raw: { AWS: "*" } });
  });

  it("rejects any other Allow", () => {
    const errors = errorsOf(
      { Version: V, Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] },
      "RCP",
    );
    expect(errors.map((e) => e.code)).toEqual(["rcp_allow_not_supported"]);
    expect(
      codes(
        {
          Version: V,
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: "*",
              Resource: "*",
              Condition: { Bool: { "aws:SecureTransport": "true" } },
            },
          ],
        },
        "RCP",
      ),
    ).toEqual(["rcp_allow_not_supported"]);
  });

  it('requires Principal "*" and rejects NotPrincipal, specific principals and NotAction', () => {
    expect(
      codes({ Version: V, Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }] }, "RCP"),
    ).toEqual(["missing_principal"]);
    expect(
      codes(
        {
          Version: V,
          Statement: [
            { Effect: "Deny", Principal: { AWS: "arn:aws:iam::1:root" }, Action: "s3:*", Resource: "*" },
          ],
        },
        "RCP",
      ),
    ).toEqual(["invalid_principal"]);
    expect(
      codes(
        {
          Version: V,
          Statement: [{ Effect: "Deny", Principal: "*", NotPrincipal: "*", Action: "s3:*", Resource: "*" }],
        },
        "RCP",
      ),
    ).toEqual(["notprincipal_not_allowed"]);
    expect(
      codes(
        { Version: V, Statement: [{ Effect: "Deny", Principal: "*", NotAction: "s3:*", Resource: "*" }] },
        "RCP",
      ),
    ).toEqual(["notaction_not_allowed"]);
  });

  it("requires Version 2012-10-17", () => {
    expect(codes({ Statement: full.Statement }, "RCP")).toEqual(["missing_version"]);
    expect(codes({ Version: "2008-10-17", Statement: full.Statement }, "RCP")).toEqual(["invalid_version"]);
  });
});

describe("parsePolicyOrThrow and the cache", () => {
  it("throws PolicyParseError naming the policy and carrying every error", () => {
    try {
      parsePolicyOrThrow(
        { Version: V, Statement: [{ Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }] },
        {
          kind: "SCP",
          policyId: "p-abcd1234",
          policyName: "Broken",
        },
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyParseError);
      const e = error as PolicyParseError;
      expect(e.policyId).toBe("p-abcd1234");
      expect(e.message).toMatch(/^policy p-abcd1234 \(Broken\) is not a valid document: statement 0/);
      expect(e.errors).toHaveLength(1);
    }
  });

  it("parses the same content once per kind", () => {
    const content = JSON.stringify({
      Version: V,
      Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }],
    });
    const a = parsePolicyCached(content, "SCP");
    const b = parsePolicyCached(content, "SCP");
    expect(a).toBe(b);
    const rcp = parsePolicyCached(content, "RCP");
    expect(rcp.ok).toBe(false);
  });
});
