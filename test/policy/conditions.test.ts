import { describe, expect, it } from "vitest";
import {
  evaluateCondition,
  evaluateConditions,
  makeCondition,
  parseConditionOperator,
  parseDate,
  parseNumber,
  RequestContextValues,
  type ConditionOperator,
  type ContextValue,
  type EvalEnv,
  type MissingKeyMode,
  type Tri,
} from "../../src/policy/index.js";

function op(name: string): ConditionOperator {
  const r = parseConditionOperator(name);
  if (!r.ok) throw new Error(r.message);
  return r.operator;
}

function env(context: Record<string, ContextValue> = {}, missingKeys: MissingKeyMode = "unknown"): EvalEnv {
  return { context: RequestContextValues.from(context), missingKeys, resourceKnown: true };
}

/** Evaluates `operator: { key: values }` against a context. */
function check(
  operator: string,
  key: string,
  values: string | number | boolean | (string | number | boolean)[],
  context: Record<string, ContextValue> = {},
  missingKeys: MissingKeyMode = "unknown",
): Tri {
  return evaluateCondition(makeCondition(op(operator), key, values), env(context, missingKeys)).result;
}

describe("condition operator names", () => {
  it("parses the IfExists suffix and the set operators", () => {
    expect(op("ForAllValues:StringNotLikeIfExists")).toMatchObject({
      canonical: "ForAllValues:StringNotLikeIfExists",
      qualifier: "ForAllValues",
      ifExists: true,
      base: { name: "StringNotLike", family: "String", negated: true, wildcards: true },
    });
    expect(op("NotIpAddress").base).toMatchObject({ family: "IpAddress", negated: true });
    expect(op("ArnEquals").base).toMatchObject({ family: "Arn", wildcards: true, negated: false });
  });

  it("rejects unknown operators and Null with IfExists or a set operator", () => {
    for (const bad of ["StringEqual", "ForEachValue:StringEquals", "NullIfExists", "ForAnyValue:Null", ""]) {
      expect(parseConditionOperator(bad).ok, bad).toBe(false);
    }
  });

  it("accepts unusual casing with a spelling warning", () => {
    const r = parseConditionOperator("forallvalues:stringequalsifexists");
    expect(r.ok && r.operator.canonical).toBe("ForAllValues:StringEqualsIfExists");
    expect(r.ok && r.caseWarning).toMatch(/usually written/);
  });
});

describe("String operators", () => {
  it.each<[string, string | string[], string, Tri]>([
    ["StringEquals", "red", "red", true],
    ["StringEquals", "red", "Red", false],
    ["StringEquals", ["a", "b"], "b", true],
    ["StringNotEquals", ["a", "b"], "b", false],
    ["StringNotEquals", ["a", "b"], "c", true],
    ["StringEqualsIgnoreCase", "Red", "rED", true],
    ["StringNotEqualsIgnoreCase", "Red", "rED", false],
    ["StringNotEqualsIgnoreCase", "Red", "blue", true],
    ["StringLike", "dev-*", "dev-x", true],
    ["StringLike", "dev-?", "dev-xy", false],
    ["StringLike", "*", "", true],
    ["StringNotLike", ["dev-*", "qa-*"], "qa-1", false],
    ["StringNotLike", ["dev-*", "qa-*"], "prod", true],
    ["StringEquals", "*", "x", false],
  ])("%s %j vs %j → %s", (operator, values, value, expected) => {
    expect(check(operator, "aws:PrincipalTag/t", values, { "aws:PrincipalTag/t": value })).toBe(expected);
  });
});

describe("Numeric operators", () => {
  it.each<[string, string, string, Tri]>([
    ["NumericEquals", "10", "10.0", true],
    ["NumericEquals", "10", "1e1", true],
    ["NumericNotEquals", "10", "11", true],
    ["NumericLessThan", "10", "9.5", true],
    ["NumericLessThan", "10", "10", false],
    ["NumericLessThanEquals", "10", "10", true],
    ["NumericGreaterThan", "-1", "0", true],
    ["NumericGreaterThanEquals", "3", "2", false],
    ["NumericEquals", "10", "ten", false],
    ["NumericNotEquals", "10", "ten", true],
  ])("%s %s vs %s → %s", (operator, value, context, expected) => {
    expect(check(operator, "s3:max-keys", value, { "s3:max-keys": context })).toBe(expected);
  });

  it("parses numbers strictly", () => {
    expect(parseNumber(" 42 ")).toBe(42);
    expect(parseNumber("-0.5")).toBe(-0.5);
    expect(parseNumber("0x10")).toBeNaN();
    expect(parseNumber("")).toBeNaN();
  });
});

describe("Date operators", () => {
  it("parses ISO 8601 (with or without time and zone) and epoch seconds", () => {
    expect(parseDate("2025-01-01")).toBe(Date.UTC(2025, 0, 1));
    expect(parseDate("2025-01-01T10:00:00Z")).toBe(Date.UTC(2025, 0, 1, 10));
    expect(parseDate("2025-01-01T10:00:00")).toBe(Date.UTC(2025, 0, 1, 10));
    expect(parseDate("2025-01-01T12:00:00+02:00")).toBe(Date.UTC(2025, 0, 1, 10));
    expect(parseDate("2025-01-01T12:00:00+0200")).toBe(Date.UTC(2025, 0, 1, 10));
    expect(parseDate("2025-01-01T10:00:00.250Z")).toBe(Date.UTC(2025, 0, 1, 10, 0, 0, 250));
    expect(parseDate("1735689600")).toBe(Date.UTC(2025, 0, 1));
    expect(parseDate("January 1, 2025")).toBeNaN();
  });

  it.each<[string, string, string, Tri]>([
    ["DateEquals", "2025-01-01T00:00:00Z", "1735689600", true],
    ["DateNotEquals", "2025-01-01T00:00:00Z", "1735689601", true],
    ["DateLessThan", "2025-01-01", "2024-12-31T23:59:59Z", true],
    ["DateLessThanEquals", "2025-01-01", "2025-01-01T00:00:00Z", true],
    ["DateGreaterThan", "2025-01-01", "2025-01-01T00:00:00Z", false],
    ["DateGreaterThanEquals", "1735689600", "2025-01-01T01:00:00+01:00", true],
    ["DateEquals", "2025-01-01", "not a date", false],
  ])("%s %s vs %s → %s", (operator, value, context, expected) => {
    expect(check(operator, "aws:CurrentTime", value, { "aws:CurrentTime": context })).toBe(expected);
  });
});

describe("Bool and BinaryEquals", () => {
  it.each<[string | boolean, string, Tri]>([
    ["true", "true", true],
    [true, "TRUE", true],
    ["false", "true", false],
    [false, "false", true],
    ["true", "yes", false],
  ])("Bool %j vs %j → %s", (value, context, expected) => {
    expect(check("Bool", "aws:SecureTransport", value, { "aws:SecureTransport": context })).toBe(expected);
  });

  it("compares base64 values", () => {
    expect(check("BinaryEquals", "k:blob", "QmluYXJ5", { "k:blob": "QmluYXJ5" })).toBe(true);
    expect(check("BinaryEquals", "k:blob", "QmluYXJ5", { "k:blob": "T3RoZXI=" })).toBe(false);
  });
});

describe("ARN operators", () => {
  it.each<[string, string, string, Tri]>([
    ["ArnLike", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::111111111111:role/admin-x", true],
    ["ArnEquals", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::111111111111:role/admin-x", true],
    ["ArnLike", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::111111111111:user/admin-x", false],
    ["ArnLike", "arn:aws:iam::*:role/x", "arn:aws:iam::111111111111:extra:role/x", false],
    ["ArnLike", "arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b/c", true],
    ["ArnLike", "arn:aws:iam::*:role/x", "not-an-arn", false],
    ["ArnLike", "arn:aws:*", "arn:aws:s3:::b", false],
    ["ArnNotLike", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::1:role/dev", true],
    ["ArnNotEquals", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::1:role/admin-1", false],
    ["ArnLike", "arn:aws:iam::111111111111:role/?", "arn:aws:iam::111111111111:role/a", true],
  ])("%s %s vs %s → %s", (operator, value, context, expected) => {
    expect(check(operator, "aws:PrincipalArn", value, { "aws:PrincipalArn": context })).toBe(expected);
  });

  it("substitutes variables before splitting into segments", () => {
    expect(
      check("ArnLike", "aws:SourceArn", "arn:aws:sns:*:${aws:PrincipalAccount}:*", {
        "aws:SourceArn": "arn:aws:sns:eu-west-1:111111111111:t",
        "aws:PrincipalAccount": "111111111111",
      }),
    ).toBe(true);
    expect(
      check("ArnLike", "aws:SourceArn", "arn:aws:sns:*:${aws:PrincipalAccount}:*", {
        "aws:SourceArn": "arn:aws:sns:eu-west-1:1:t",
      }),
    ).toBe("unknown");
  });
});

describe("Null", () => {
  it("tests presence; a key the context says nothing about is unknown, not absent", () => {
    expect(check("Null", "aws:TokenIssueTime", "true")).toBe("unknown");
    expect(check("Null", "aws:TokenIssueTime", "true", {}, "absent")).toBe(true);
    expect(check("Null", "aws:TokenIssueTime", "false", { "aws:TokenIssueTime": [] })).toBe(false);
    expect(check("Null", "aws:TokenIssueTime", "true", { "aws:TokenIssueTime": "2025-01-01" })).toBe(false);
    expect(check("Null", "aws:TokenIssueTime", false, { "aws:TokenIssueTime": "2025-01-01" })).toBe(true);
    expect(check("Null", "aws:TagKeys", "true", { "aws:TagKeys": [] })).toBe(true);
  });
});

describe("missing keys", () => {
  it("are unknown for plain operators in a partial context, positive or negated", () => {
    const r = evaluateCondition(makeCondition(op("StringNotEquals"), "aws:PrincipalOrgID", "o-1"), env());
    expect(r).toMatchObject({ result: "unknown", missingKeys: ["aws:PrincipalOrgID"], keyPresent: false });
    expect(r.contextValue).toBeUndefined();
    expect(check("StringEquals", "aws:PrincipalOrgID", "o-1")).toBe("unknown");
    expect(check("NumericLessThan", "ec2:RoleDelivery", "2")).toBe("unknown");
    expect(check("IpAddress", "aws:SourceIp", "10.0.0.0/8")).toBe("unknown");
  });

  it("follow AWS in a complete context: false for positive operators, true for negated ones", () => {
    expect(check("StringEquals", "aws:PrincipalOrgID", "o-1", {}, "absent")).toBe(false);
    expect(check("StringNotEquals", "aws:PrincipalOrgID", "o-1", {}, "absent")).toBe(true);
    expect(check("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/x", {}, "absent")).toBe(true);
    expect(check("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {}, "absent")).toBe(true);
  });

  it("an empty list states the key is absent, whatever the mode", () => {
    expect(check("StringEquals", "aws:PrincipalOrgID", "o-1", { "aws:PrincipalOrgID": [] })).toBe(false);
    expect(check("StringNotEquals", "aws:PrincipalOrgID", "o-1", { "aws:PrincipalOrgID": [] })).toBe(true);
  });

  it("make ...IfExists true when known to be absent, and unknown when the context is silent", () => {
    expect(check("StringEqualsIfExists", "aws:PrincipalTag/t", "x")).toBe("unknown");
    expect(check("StringEqualsIfExists", "aws:PrincipalTag/t", "x", {}, "absent")).toBe(true);
    expect(check("StringNotEqualsIfExists", "aws:PrincipalTag/t", "x", { "aws:PrincipalTag/t": [] })).toBe(
      true,
    );
    expect(check("BoolIfExists", "aws:MultiFactorAuthPresent", "false", {}, "absent")).toBe(true);
    expect(check("StringEqualsIfExists", "aws:PrincipalTag/t", "x", { "aws:PrincipalTag/t": "y" })).toBe(
      false,
    );
  });
});

describe("set operators", () => {
  const keys = (v: string[] | undefined) => (v === undefined ? {} : { "aws:TagKeys": v });

  it.each<[string, string[] | undefined, Tri]>([
    ["ForAllValues:StringEquals", ["a", "b"], true],
    ["ForAllValues:StringEquals", ["a", "c"], false],
    ["ForAllValues:StringEquals", [], true],
    ["ForAllValues:StringEquals", undefined, "unknown"],
    ["ForAllValues:StringNotEquals", ["c", "d"], true],
    ["ForAllValues:StringNotEquals", ["a", "d"], false],
    ["ForAllValues:StringNotEquals", undefined, "unknown"],
    ["ForAllValues:StringNotEquals", [], true],
    ["ForAnyValue:StringEquals", ["c", "a"], true],
    ["ForAnyValue:StringEquals", ["c", "d"], false],
    ["ForAnyValue:StringEquals", [], false],
    ["ForAnyValue:StringEquals", undefined, "unknown"],
    ["ForAnyValue:StringNotEquals", ["a", "d"], true],
    ["ForAnyValue:StringNotEquals", ["a", "b"], false],
    ["ForAnyValue:StringNotEquals", undefined, "unknown"],
    ["ForAnyValue:StringNotEquals", [], false],
    ["ForAnyValue:StringEqualsIfExists", undefined, "unknown"],
    ["ForAnyValue:StringEqualsIfExists", [], true],
    ["StringEquals", ["c", "a"], true],
    ["StringNotEquals", ["c", "a"], false],
    ["StringNotEquals", ["c", "d"], true],
  ])("%s with aws:TagKeys %j (policy [a, b]) → %s", (operator, value, expected) => {
    expect(check(operator, "aws:TagKeys", ["a", "b"], keys(value))).toBe(expected);
  });

  it("stay defined for a missing key even in a complete context", () => {
    expect(check("ForAllValues:StringEquals", "aws:TagKeys", "a", {}, "absent")).toBe(true);
    expect(check("ForAnyValue:StringEquals", "aws:TagKeys", "a", {}, "absent")).toBe(false);
  });

  it("propagate unknown policy values (a missing variable) through the set", () => {
    expect(
      check("ForAnyValue:StringEquals", "aws:TagKeys", "${aws:PrincipalTag/k}", { "aws:TagKeys": ["x"] }),
    ).toBe("unknown");
    // One value already matches: the unknown one does not matter for ForAnyValue.
    expect(
      check("ForAnyValue:StringEquals", "aws:TagKeys", ["x", "${aws:PrincipalTag/k}"], {
        "aws:TagKeys": ["x"],
      }),
    ).toBe(true);
  });
});

describe("explanations and blocks", () => {
  it("explains the operator, key, policy values, compared context value and result", () => {
    const r = evaluateCondition(
      makeCondition(op("StringNotEquals"), "aws:RequestedRegion", ["eu-west-1", "eu-central-1"]),
      env({ "aws:RequestedRegion": "us-east-1" }),
    );
    expect(r).toEqual({
      operator: "StringNotEquals",
      canonicalOperator: "StringNotEquals",
      key: "aws:RequestedRegion",
      policyValues: ["eu-west-1", "eu-central-1"],
      contextValue: "us-east-1",
      keyPresent: true,
      result: true,
      missingKeys: [],
      reason: expect.stringContaining(
        'aws:RequestedRegion = "us-east-1" matches none of ["eu-west-1", "eu-central-1"]',
      ),
    });
  });

  it("shows resolved policy values when variables were substituted", () => {
    const r = evaluateCondition(
      makeCondition(op("StringEquals"), "aws:ResourceTag/owner", "${aws:username}"),
      env({ "aws:ResourceTag/owner": "alice", "aws:username": "alice" }),
    );
    expect(r).toMatchObject({ result: true, resolvedPolicyValues: ["alice"] });
  });

  it("ANDs a block: false beats unknown, and only undecided conditions report missing keys", () => {
    const conds = [
      makeCondition(op("StringEquals"), "aws:PrincipalTag/a", "x"),
      makeCondition(op("StringEquals"), "aws:PrincipalTag/b", "y"),
    ];
    expect(evaluateConditions(conds, env({ "aws:PrincipalTag/a": "x" }))).toMatchObject({
      result: "unknown",
      missingKeys: ["aws:PrincipalTag/b"],
    });
    expect(evaluateConditions(conds, env({ "aws:PrincipalTag/a": "z" }))).toMatchObject({
      result: false,
      missingKeys: [],
    });
    expect(evaluateConditions([], env()).result).toBe(true);
  });
});
