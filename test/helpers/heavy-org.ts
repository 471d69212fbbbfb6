/**
 * The largest answers the tools can be asked for, within AWS's own quotas: an organization whose
 * policies are at the size quota (10,240 characters for an SCP, 5,120 for an RCP), with the longest
 * names (128) and descriptions (512) AWS allows, ten SCPs on every level of the deepest account, one
 * policy attached to every member account (999), and inputs at the tools' own limits. test/e2e-answer-size
 * asserts every answer stays near 20 KB, and that paging reaches everything.
 */
import { createSnapshotReader } from "../../src/org/snapshot-reader.js";
import type { Snapshot } from "../../src/org/snapshot-schema.js";
import type { StartupDeps } from "../../src/startup.js";
import { generateOrganization } from "../fake-aws/generate-org.js";

const SCP_QUOTA = 10_240;

/** A policy name of 128 characters, unique by `n`. */
const longName = (n: number): string => `Guardrail-${String(n).padStart(4, "0")}-`.padEnd(128, "x");
const longDescription = (n: number): string =>
  `Guardrail ${n}: denies what the platform team forbids in every account below it, except for the break-glass role. `.padEnd(
    512,
    "z",
  );

/**
 * A Deny-heavy SCP as close to the quota as statements allow: each statement denies 20 actions
 * unless the caller is one of two exempt roles, in one of two regions.
 */
export function fullSizeScp(n: number): string {
  const statements: unknown[] = [];
  const doc = (): string => JSON.stringify({ Version: "2012-10-17", Statement: statements });
  for (let s = 0; ; s++) {
    const statement = {
      Sid: `Deny${n}x${s}`,
      Effect: "Deny",
      Action: Array.from({ length: 20 }, (_, i) => `ec2:Action${n}x${s}x${i}`),
      Resource: "*",
      Condition: {
        ArnNotLike: {
          "aws:PrincipalArn": ["arn:aws:iam::*:role/BreakGlassAdmin", "arn:aws:iam::*:role/Net"],
        },
        StringEquals: { "aws:RequestedRegion": ["eu-west-1", "eu-central-1"] },
      },
    };
    statements.push(statement);
    if (doc().length > SCP_QUOTA) {
      statements.pop();
      return doc();
    }
  }
}

export interface HeavyOrg {
  snapshot: Snapshot;
  /** The account with ten full-size SCPs at every level above it. */
  deepAccountId: string;
  /** A policy attached to every member account (999) directly. */
  widePolicyId: string;
  deps: StartupDeps;
}

export function heavyOrganization(): HeavyOrg {
  const base = generateOrganization("M", 3);
  const snapshot = structuredClone(base) as Snapshot & { policies: Snapshot["policies"][number][] };
  const parentOf = new Map<string, string>([
    ...snapshot.organizationalUnits.map((o) => [o.id, o.parentId] as const),
    ...snapshot.accounts.map((a) => [a.id, a.parentId] as const),
  ]);
  const depth = (id: string): number => {
    let d = 0;
    for (let at = parentOf.get(id); at; at = parentOf.get(at)) d++;
    return d;
  };
  const deepAccountId = [...snapshot.accounts].sort((a, b) => depth(b.id) - depth(a.id))[0]!.id;
  const chain: string[] = [];
  for (let at: string | undefined = deepAccountId; at; at = parentOf.get(at)) chain.unshift(at);

  // Every customer SCP at the quota, with the longest name and description.
  let n = 0;
  for (const p of snapshot.policies) {
    if (p.awsManaged) continue;
    n++;
    p.name = longName(n);
    p.description = longDescription(n);
    if (p.type === "SERVICE_CONTROL_POLICY") p.content = fullSizeScp(n);
  }
  // Nine more (FullAWSAccess is the tenth) on every level of the deepest account's chain.
  for (const target of chain) {
    for (let i = 0; i < 9; i++) {
      n++;
      snapshot.policies.push({
        id: `p-heavy${String(n).padStart(5, "0")}`,
        name: longName(n),
        type: "SERVICE_CONTROL_POLICY",
        awsManaged: false,
        description: longDescription(n),
        arn: `arn:aws:organizations::${snapshot.organization.managementAccountId}:policy/${snapshot.organization.id}/service_control_policy/p-heavy${n}`,
        content: fullSizeScp(n),
        targetIds: [target],
      });
    }
  }
  // Remove the generator's own customer SCPs from the chain, so each level holds exactly ten.
  for (const p of snapshot.policies) {
    if (p.awsManaged || p.id.startsWith("p-heavy") || p.type !== "SERVICE_CONTROL_POLICY") continue;
    p.targetIds = p.targetIds.filter((t) => !chain.includes(t));
  }
  const widePolicyId = "p-wide000001";
  n++;
  snapshot.policies.push({
    id: widePolicyId,
    name: longName(n),
    type: "SERVICE_CONTROL_POLICY",
    awsManaged: false,
    description: longDescription(n),
    arn: `arn:aws:organizations::${snapshot.organization.managementAccountId}:policy/${snapshot.organization.id}/service_control_policy/${widePolicyId}`,
    content: fullSizeScp(n),
    targetIds: snapshot.accounts.slice(1, 1001).map((a) => a.id),
  });
  const reader = createSnapshotReader(snapshot, "snapshot");
  return {
    snapshot,
    deepAccountId,
    widePolicyId,
    deps: { createReader: async () => reader },
  };
}
