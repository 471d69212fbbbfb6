import { describe, expect, it } from "vitest";
import {
  compilePattern,
  compileResourcePattern,
  matchAction,
  matchCompiled,
  matchResourcePattern,
  normalizeConditionKey,
  parseVariables,
  RequestContextValues,
  RESOURCE_KEY,
  resolvePattern,
  wildcardMatch,
  type ContextValue,
  type EvalEnv,
  type MissingKeyMode,
  type VariableSyntaxProblem,
} from "../../src/policy/index.js";

function env(
  context: Record<string, ContextValue> = {},
  missingKeys: MissingKeyMode = "unknown",
  resourceKnown = true,
): EvalEnv {
  return { context: RequestContextValues.from(context), missingKeys, resourceKnown };
}

describe("wildcardMatch", () => {
  it.each([
    ["*", "", true],
    ["*", "anything:at/all", true],
    ["a*", "a", true],
    ["a*c", "abbbc", true],
    ["a*c", "abbbd", false],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["a?c", "abbc", false],
    ["*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
    ["*a*a*a*b", "xaxaxab", true],
    ["abc", "abc", true],
    ["abc", "abcd", false],
    ["**", "x", true],
    ["?*", "", false],
  ])("%s ~ %s → %s", (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });

  it("is case-sensitive unless asked", () => {
    expect(wildcardMatch("Abc*", "abcd")).toBe(false);
    expect(wildcardMatch("Abc*", "abcd", true)).toBe(true);
  });
});

describe("actions", () => {
  it.each([
    ["s3:GetObject", "s3:GetObject", true],
    ["s3:getobject", "S3:GetObject", true],
    ["s3:*", "s3:PutObject", true],
    ["s3:*", "s3express:CreateSession", false],
    ["s3:Get*", "s3:GetObjectAcl", true],
    ["s3:Get*", "s3:PutObject", false],
    ["*", "iam:CreateUser", true],
    ["*:Describe*", "ec2:DescribeInstances", true],
    ["*:Describe*", "ec2:RunInstances", false],
    ["s3:*Object*", "s3:PutObjectTagging", true],
    ["iam:*Role*", "iam:ListRoles", true],
    ["ec2:Describe?nstances", "ec2:DescribeInstances", true],
    ["ec2:Describe?nstances", "ec2:DescribeXXnstances", false],
  ])("%s matches %s: %s", (pattern, action, expected) => {
    expect(matchAction(pattern, action)).toBe(expected);
  });
});

describe("resources", () => {
  const match = (pattern: string, resource: string, e: EvalEnv = env()) =>
    matchResourcePattern(compileResourcePattern(pattern, true), resource, e);

  it("is case-sensitive", () => {
    expect(match("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/k").result).toBe(false);
    expect(match("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/k").result).toBe(true);
  });

  it("lets * match within and across segments", () => {
    expect(match("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c").result).toBe(true);
    expect(
      match("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:eu-west-1:111111111111:instance/i-1").result,
    ).toBe(true);
    expect(match("arn:aws:*", "arn:aws:sqs:eu-west-1:1:q").result).toBe(true);
    expect(match("arn:aws:iam::*:role/x", "arn:aws:iam::1:2:role/x").result).toBe(true);
  });

  it("matches a bare * even when the request names no resource; anything else is unknown then", () => {
    const noResource = env({}, "unknown", false);
    expect(match("*", "*", noResource)).toEqual({ result: true, missingKeys: [] });
    const r = match("arn:aws:s3:::b/*", "*", noResource);
    expect(r.result).toBe("unknown");
    expect(r.missingKeys).toEqual([RESOURCE_KEY]);
  });

  it('compares an explicit "*" resource literally', () => {
    expect(match("arn:aws:s3:::*", "*").result).toBe(false);
  });
});

describe("policy variables", () => {
  it("parses keys, defaults (with '' escapes), escapes and surrounding text", () => {
    expect(parseVariables("a/${aws:username}/b")).toEqual([
      { type: "text", text: "a/" },
      { type: "variable", variable: { key: "aws:username", normalizedKey: "aws:username" } },
      { type: "text", text: "/b" },
    ]);
    expect(parseVariables("${ aws:PrincipalTag/Team , 'it''s {x}' }")).toEqual([
      {
        type: "variable",
        variable: {
          key: "aws:PrincipalTag/Team",
          normalizedKey: "aws:principaltag/Team",
          default: "it's {x}",
        },
      },
    ]);
    expect(parseVariables("${*}${?}${$}")).toEqual([
      { type: "literal", char: "*" },
      { type: "literal", char: "?" },
      { type: "literal", char: "$" },
    ]);
  });

  it("keeps malformed variables as literal text and reports them", () => {
    const problems: VariableSyntaxProblem[] = [];
    expect(parseVariables("x${aws:username", problems)).toEqual([{ type: "text", text: "x${aws:username" }]);
    expect(parseVariables("${aws:username, default}", problems)).toEqual([
      { type: "text", text: "${aws:username, default}" },
    ]);
    expect(parseVariables("${}", problems)).toEqual([{ type: "text", text: "${}" }]);
    expect(problems).toHaveLength(3);
  });

  it("substitutes from the context, case-insensitively on the key name", () => {
    const p = compileResourcePattern("arn:aws:s3:::home/${aws:UserName}/*", true);
    expect(matchCompiled(p, "arn:aws:s3:::home/alice/x", env({ "aws:username": "alice" }))).toEqual({
      result: true,
      missingKeys: [],
      resolved: "arn:aws:s3:::home/alice/*",
    });
    expect(matchCompiled(p, "arn:aws:s3:::home/bob/x", env({ "aws:username": "alice" })).result).toBe(false);
  });

  it("substitutes only after the fifth colon of a Resource ARN; before it a variable is literal text", () => {
    const p = compileResourcePattern(
      "arn:aws:iam::${aws:PrincipalAccount}:role/${aws:PrincipalTag/team}-*",
      true,
    );
    const e = env({ "aws:PrincipalAccount": "111111111111", "aws:PrincipalTag/team": "red" });
    expect(matchCompiled(p, "arn:aws:iam::111111111111:role/red-admin", e).result).toBe(false);
    expect(
      matchCompiled(p, "arn:aws:iam::${aws:PrincipalAccount}:role/red-admin", e).result,
      "the account segment is literal, the resource part is substituted",
    ).toBe(true);
    // The other reading (readings.ts) substitutes everywhere.
    const used: string[] = [];
    const other = {
      ...e,
      alternativeReadings: new Set(["resource_variable_before_resource_part" as const]),
      readingsUsed: used as never[],
    };
    expect(matchResourcePattern(p, "arn:aws:iam::111111111111:role/red-admin", other).result).toBe(true);
    expect(used).toContain("resource_variable_before_resource_part");
    const sqs = compileResourcePattern("arn:aws:sqs:us-east-2:*:${aws:username}-queue", true);
    expect(
      matchCompiled(sqs, "arn:aws:sqs:us-east-2:111111111111:alice-queue", env({ "aws:username": "alice" }))
        .result,
    ).toBe(true);
  });

  it("reports a missing key as unknown (partial context) or a non-match (complete context)", () => {
    const p = compileResourcePattern("arn:aws:s3:::home/${aws:username}/*", true);
    expect(matchCompiled(p, "arn:aws:s3:::home/alice/x", env())).toMatchObject({
      result: "unknown",
      missingKeys: ["aws:username"],
    });
    expect(matchCompiled(p, "arn:aws:s3:::home/alice/x", env({}, "absent"))).toMatchObject({
      result: false,
      missingKeys: [],
    });
  });

  it("uses the default when the key is missing", () => {
    const p = compileResourcePattern("arn:aws:s3:::data/${aws:PrincipalTag/team, 'shared'}/*", true);
    expect(matchCompiled(p, "arn:aws:s3:::data/shared/x", env()).result).toBe(true);
    const r = resolvePattern(p, env());
    expect(r.ok && r.defaultedKeys).toEqual(["aws:PrincipalTag/team"]);
  });

  it("cannot use a multivalued key as a variable", () => {
    const p = compileResourcePattern("arn:aws:s3:::home/${aws:username}/*", true);
    expect(matchCompiled(p, "arn:aws:s3:::home/a/x", env({ "aws:username": ["a", "b"] })).result).toBe(false);
    // A one-element list is a single value.
    expect(matchCompiled(p, "arn:aws:s3:::home/a/x", env({ "aws:username": ["a"] })).result).toBe(true);
  });

  it("reads substituted values and escapes literally", () => {
    const p = compileResourcePattern("arn:aws:s3:::b/${aws:username}", true);
    expect(matchCompiled(p, "arn:aws:s3:::b/anything", env({ "aws:username": "*" })).result).toBe(false);
    expect(matchCompiled(p, "arn:aws:s3:::b/*", env({ "aws:username": "*" })).result).toBe(true);
    const star = compileResourcePattern("arn:aws:s3:::b/${*}", true);
    expect(matchCompiled(star, "arn:aws:s3:::b/x", env()).result).toBe(false);
    expect(matchCompiled(star, "arn:aws:s3:::b/*", env()).result).toBe(true);
  });

  it("substitutes once: a default holding ${...} is not read again", () => {
    const p = compilePattern("${aws:username, '${aws:userid}'}", { wildcards: false, variables: true });
    expect(matchCompiled(p, "${aws:userid}", env({ "aws:userid": "AIDA" })).result).toBe(true);
  });

  it("reads ${...} literally when variables are off (Version 2008-10-17)", () => {
    const p = compileResourcePattern("arn:aws:s3:::home/${aws:username}/*", false);
    expect(p.variables).toEqual([]);
    expect(matchCompiled(p, "arn:aws:s3:::home/${aws:username}/x", env()).result).toBe(true);
  });
});

describe("condition key names", () => {
  it("are case-insensitive except for the part after the first /", () => {
    expect(normalizeConditionKey("AWS:PrincipalARN")).toBe("aws:principalarn");
    expect(normalizeConditionKey("aws:RequestTag/CostCenter")).toBe("aws:requesttag/CostCenter");
    expect(normalizeConditionKey("AWS:REQUESTTAG/CostCenter/Sub")).toBe("aws:requesttag/CostCenter/Sub");
    const ctx = RequestContextValues.from({ "Aws:PrincipalTag/Team": "red" });
    expect(ctx.get("aws:principaltag/Team")?.values).toEqual(["red"]);
    expect(ctx.get("aws:principaltag/team")).toBeUndefined();
  });
});
