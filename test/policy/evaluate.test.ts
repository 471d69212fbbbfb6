import { describe, expect, it } from "vitest";
import type { EffectiveChain } from "../../src/model/chain.js";
import type { Policy } from "../../src/model/organization.js";
import {
  combineDecisions,
  createCatalogue,
  emptyCatalogue,
  evaluate,
  EvaluationInputError,
  parsePolicyOrThrow,
  PolicyParseError,
  type EvaluationChain,
} from "../../src/policy/index.js";

const V = "2012-10-17";
const catalogue = createCatalogue({
  services: {
    s3: ["GetObject", "PutObject", "ListBucket"],
    ec2: ["RunInstances", "DescribeInstances"],
    organizations: ["LeaveOrganization"],
    kms: ["Decrypt"],
  },
  rcpServices: ["s3", "kms"],
});

function policy(
  id: string,
  name: string,
  doc: object,
  type: Policy["type"] = "SERVICE_CONTROL_POLICY",
): Policy {
  return {
    id,
    name,
    description: "",
    type,
    awsManaged: id === "p-FullAWSAccess",
    content: JSON.stringify(doc),
  };
}

const full = policy("p-FullAWSAccess", "FullAWSAccess", {
  Version: V,
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const regionDeny = policy("p-region0001", "RegionDeny", {
  Version: V,
  Statement: [
    {
      Sid: "DenyOutsideEu",
      Effect: "Deny",
      NotAction: ["iam:*"],
      Resource: "*",
      Condition: { StringNotEquals: { "aws:RequestedRegion": "eu-west-1" } },
    },
  ],
});
const s3Only = policy("p-s3only0001", "S3Only", {
  Version: V,
  Statement: [{ Sid: "S3", Effect: "Allow", Action: "s3:*", Resource: "*" }],
});

function chain(levels: Policy[][], extra: Partial<EffectiveChain> = {}): EffectiveChain {
  const account = { id: "111111111111", type: "ACCOUNT" as const, name: "Prod" };
  const targets = [
    { id: "r-ab12", type: "ROOT" as const, name: "Root" },
    { id: "ou-ab12-11111111", type: "ORGANIZATIONAL_UNIT" as const, name: "Workloads" },
    account,
  ];
  return {
    policyType: "SERVICE_CONTROL_POLICY",
    target: account,
    levels: levels.map((policies, i) => ({ target: targets[i] ?? account, policies })),
    ouPath: "Root/Workloads/Prod",
    isManagementAccount: false,
    managementAccountId: "999999999999",
    ...extra,
  };
}

describe("evaluate with an EffectiveChain", () => {
  it("locates the deciding Deny exactly and explains each part", () => {
    const c: EffectiveChain = chain([[full], [full, regionDeny], [full]]);
    const r = evaluate({ action: "ec2:RunInstances", region: "us-east-1" }, c, { catalogue });
    expect(r.decision).toBe("explicitly_denied");
    expect(r.kind).toBe("SCP");
    expect(r.decidingStatements).toHaveLength(1);
    const d = r.decidingStatements[0];
    expect(d).toMatchObject({
      level: {
        index: 1,
        targetId: "ou-ab12-11111111",
        targetType: "ORGANIZATIONAL_UNIT",
        targetName: "Workloads",
      },
      policyId: "p-region0001",
      policyName: "RegionDeny",
      statementIndex: 0,
      sid: "DenyOutsideEu",
      effect: "Deny",
      applies: true,
      action: { element: "NotAction", patterns: ["iam:*"], matchedPatterns: [], result: true },
      resource: {
        element: "Resource",
        patterns: ["*"],
        matchedPatterns: ["*"],
        resource: null,
        result: true,
      },
      conditionResult: true,
    });
    expect(d?.conditions?.[0]).toMatchObject({
      operator: "StringNotEquals",
      key: "aws:RequestedRegion",
      policyValues: ["eu-west-1"],
      contextValue: "us-east-1",
      result: true,
    });
    expect(r.summary).toContain(
      'Deny statement "DenyOutsideEu" #0 of policy RegionDeny (p-region0001) at OU Workloads',
    );
    expect(r.derivedContext).toEqual({ "aws:RequestedRegion": "us-east-1" });
  });

  it("explains every statement of every level, including those that do not apply", () => {
    const r = evaluate(
      { action: "iam:CreateUser", region: "us-east-1" },
      chain([[full], [full, regionDeny], [full]]),
      {
        catalogue,
      },
    );
    expect(r.decision).toBe("allowed");
    const deny = r.levels[1]?.policies[1]?.statements[0];
    expect(deny).toMatchObject({ applies: false, action: { matchedPatterns: ["iam:*"], result: false } });
    expect(deny?.reason).toContain('iam:CreateUser is excluded by NotAction "iam:*"');
    expect(deny?.conditions).toBeUndefined();
    expect(r.levels.map((l) => [l.allow, l.deny])).toEqual([
      [true, false],
      [true, false],
      [true, false],
    ]);
  });

  it("reports the levels missing an Allow with the Allow statements that failed", () => {
    const r = evaluate({ action: "ec2:RunInstances" }, chain([[full], [s3Only], [full]]), { catalogue });
    expect(r.decision).toBe("implicitly_denied");
    expect(r.decidingStatements).toEqual([]);
    expect(r.missingAllowAt).toHaveLength(1);
    expect(r.missingAllowAt[0]).toMatchObject({
      index: 1,
      targetId: "ou-ab12-11111111",
      reason: "none of the 1 Allow statement(s) at OU Workloads (ou-ab12-11111111) applies",
    });
    expect(r.missingAllowAt[0]?.allowStatements[0]).toMatchObject({
      policyId: "p-s3only0001",
      sid: "S3",
      applies: false,
    });
  });

  it("notes Deny statements that might also apply when the request is implicitly denied anyway", () => {
    const r = evaluate({ action: "ec2:RunInstances" }, chain([[full, regionDeny], [s3Only], [full]]), {
      catalogue,
    });
    expect(r.decision).toBe("implicitly_denied");
    expect(r.undecidedDenyStatements?.map((s) => s.policyId)).toEqual(["p-region0001"]);
    expect(r.missingContextKeys).toEqual([]);
  });

  it("gives the outcome of each case for depends_on_context", () => {
    const r = evaluate({ action: "ec2:RunInstances" }, chain([[full, regionDeny], [full], [full]]), {
      catalogue,
    });
    expect(r.decision).toBe("depends_on_context");
    expect(r.missingContextKeys).toEqual(["aws:RequestedRegion"]);
    expect(r.outcomes?.map((o) => [o.scenario, o.decision])).toEqual([
      ["missing_keys_absent", "explicitly_denied"],
      ["undecided_deny_matches", "explicitly_denied"],
      ["undecided_statements_favourable", "allowed"],
    ]);
    const noOutcomes = evaluate({ action: "ec2:RunInstances" }, chain([[full, regionDeny], [full], [full]]), {
      catalogue,
      outcomes: false,
    });
    expect(noOutcomes.outcomes).toBeUndefined();
  });

  it("reports a key spelled differently by two policies once, as first written", () => {
    const a = policy("p-keycase0001", "A", {
      Version: V,
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { ArnLike: { "aws:PrincipalARN": "arn:aws:iam::*:role/x" } },
        },
      ],
    });
    const b = policy("p-keycase0002", "B", {
      Version: V,
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { ArnLike: { "aws:principalarn": "arn:aws:iam::*:role/y" } },
        },
      ],
    });
    const r = evaluate(
      { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" },
      chain([
        [full, a],
        [full, b],
      ]),
      { catalogue },
    );
    expect(r.decision).toBe("depends_on_context");
    expect(r.missingContextKeys).toEqual(["aws:PrincipalARN"]);
    expect(r.decidingStatements[0]?.conditions?.[0]?.reason).toContain("give principalArn");
  });

  it("fills aws:CurrentTime and aws:EpochTime only when given a clock", () => {
    const expiry = policy("p-expiry0001", "Expiry", {
      Version: V,
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { DateGreaterThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } },
        },
      ],
    });
    const c = chain([[full, expiry], [full]]);
    expect(
      evaluate({ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }, c, { catalogue }).decision,
    ).toBe("depends_on_context");
    const r = evaluate({ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }, c, {
      catalogue,
      now: new Date("2031-06-01T00:00:00Z"),
    });
    expect(r.decision).toBe("explicitly_denied");
    expect(r.derivedContext).toEqual({
      "aws:CurrentTime": "2031-06-01T00:00:00.000Z",
      "aws:EpochTime": "1938038400",
    });
  });

  it("produces plain JSON-serialisable data", () => {
    const r = evaluate(
      {
        action: "ec2:RunInstances",
        region: "us-east-1",
        principalArn: "arn:aws:sts::111111111111:assumed-role/Dev/s",
      },
      chain([[full], [full, regionDeny], [full]]),
      { catalogue },
    );
    const round = JSON.parse(JSON.stringify(r)) as typeof r;
    expect(round).toEqual(r);
    expect(round.principal).toMatchObject({
      kind: "assumed-role",
      principalArn: "arn:aws:iam::111111111111:role/Dev",
      roleName: "Dev",
      sessionName: "s",
    });
  });
});

describe("evaluate: chains and inputs", () => {
  it("accepts already-parsed policies", () => {
    const parsed = parsePolicyOrThrow(
      { Version: V, Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
      { kind: "SCP" },
    );
    const c: EvaluationChain = {
      policyType: "SERVICE_CONTROL_POLICY",
      levels: [
        {
          target: { id: "r-ab12", type: "ROOT", name: "Root" },
          policies: [{ id: "p-x0000001", name: "X", parsed }],
        },
        {
          target: { id: "111111111111", type: "ACCOUNT", name: "A" },
          policies: [{ id: "p-x0000001", name: "X", parsed }],
        },
      ],
    };
    expect(evaluate({ action: "s3:GetObject" }, c, { catalogue }).decision).toBe("allowed");
  });

  it("throws PolicyParseError naming the policy when a document is invalid", () => {
    const broken: Policy = {
      ...full,
      id: "p-broken0001",
      name: "Broken",
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}',
    };
    expect(() => evaluate({ action: "s3:GetObject" }, chain([[broken], [full]]), { catalogue })).toThrow(
      PolicyParseError,
    );
    expect(() => evaluate({ action: "s3:GetObject" }, chain([[broken], [full]]), { catalogue })).toThrow(
      /policy p-broken0001 \(Broken\)/,
    );
  });

  it("rejects a malformed action or an empty chain", () => {
    const c = chain([[full], [full]]);
    for (const action of ["s3:*", "s3", "", "s3:Get Object"]) {
      expect(() => evaluate({ action }, c, { catalogue }), action).toThrow(EvaluationInputError);
    }
    expect(() => evaluate({ action: "s3:GetObject" }, { ...c, levels: [] }, { catalogue })).toThrow(
      /no levels/,
    );
  });

  it("notes a chain that ends at an OU", () => {
    const c = chain([[full], [full]]);
    const ouChain: EffectiveChain = {
      ...c,
      target: { id: "ou-ab12-11111111", type: "ORGANIZATIONAL_UNIT", name: "Workloads" },
    };
    const r = evaluate({ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }, ouChain, { catalogue });
    expect(r.notes.join(" ")).toContain("The chain ends at OU Workloads");
  });

  it("warns when principalAccount and the principal ARN disagree", () => {
    const r = evaluate(
      {
        action: "s3:GetObject",
        principalArn: "arn:aws:iam::111111111111:role/A",
        principalAccount: "222222222222",
      },
      chain([[full], [full]]),
      { catalogue },
    );
    expect(r.warnings.join(" ")).toContain("principalAccount 222222222222 differs");
    expect(r.context["aws:PrincipalAccount"]).toBe("222222222222");
  });

  it("flags an action the catalogue has not loaded", () => {
    const r = evaluate({ action: "s3:GetObject" }, chain([[full], [full]]), { catalogue: emptyCatalogue() });
    expect(r.action.status).toBe("not_loaded");
    expect(r.warnings.join(" ")).toContain("not checked against the IAM catalogue");
  });
});

describe("evaluate: RCPs", () => {
  const rcpFull = policy(
    "p-RCPFullAWSAccess",
    "RCPFullAWSAccess",
    { Version: V, Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] },
    "RESOURCE_CONTROL_POLICY",
  );
  const denyAll = policy(
    "p-rcpdeny0001",
    "DenyEverything",
    { Version: V, Statement: [{ Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }] },
    "RESOURCE_CONTROL_POLICY",
  );
  const rcpChain = (): EffectiveChain => ({
    ...chain([[rcpFull, denyAll], [rcpFull]]),
    policyType: "RESOURCE_CONTROL_POLICY",
  });

  it("apply to services that support RCPs", () => {
    const r = evaluate({ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }, rcpChain(), { catalogue });
    expect(r).toMatchObject({ kind: "RCP", decision: "explicitly_denied" });
  });

  it("do not apply to other services", () => {
    const r = evaluate({ action: "ec2:RunInstances" }, rcpChain(), { catalogue });
    expect(r).toMatchObject({
      decision: "allowed",
      exemption: { kind: "rcp_unsupported_service" },
      decisionWithoutExemption: "explicitly_denied",
    });
  });

  it("are evaluated as applying, with a warning, when the RCP service list is not loaded", () => {
    const r = evaluate({ action: "ec2:RunInstances" }, rcpChain(), { catalogue: emptyCatalogue() });
    expect(r.decision).toBe("explicitly_denied");
    expect(r.warnings.join(" ")).toContain("RCP service list is not loaded");
  });

  it("reject an SCP-only document in an RCP chain", () => {
    const c: EffectiveChain = { ...chain([[full], [full]]), policyType: "RESOURCE_CONTROL_POLICY" };
    expect(() => evaluate({ action: "s3:GetObject" }, c, { catalogue })).toThrow(
      /missing_principal|Principal/,
    );
  });
});

describe("combineDecisions", () => {
  it("lets any denial win, then undecided, then allowed", () => {
    expect(combineDecisions(["allowed", "allowed"])).toBe("allowed");
    expect(combineDecisions(["allowed", "depends_on_context"])).toBe("depends_on_context");
    expect(combineDecisions(["depends_on_context", "implicitly_denied"])).toBe("implicitly_denied");
    expect(combineDecisions(["implicitly_denied", "explicitly_denied"])).toBe("explicitly_denied");
    expect(combineDecisions([])).toBe("allowed");
  });
});
