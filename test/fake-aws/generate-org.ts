/**
 * A seeded generator of synthetic organizations, as snapshot documents (formatVersion 1), for the
 * fake Organizations service and the benchmarks. Same size and seed, same organization.
 *
 * Shape, as large organizations are usually built: a management account at the root, a handful of
 * top-level OUs, deeper OUs down to five levels, accounts spread unevenly (some OUs hold far more
 * than a page of 20), FullAWSAccess (and RCPFullAWSAccess) attached to the root, every OU and every
 * account as AWS does by default, and customer-managed policies attached mostly to OUs, at most
 * five of a type per target (AWS allows 10 SCPs and 5 RCPs; five keeps the generated organizations
 * and the benchmark figures comparable with earlier runs).
 */
import { writeFile } from "node:fs/promises";
import type { Snapshot } from "../../src/org/snapshot-schema.js";

export type OrgSize = "S" | "M" | "L" | "XL";

export interface OrgSpec {
  accounts: number;
  ous: number;
  /** OU levels below the root (AWS allows five). */
  depth: number;
  /** Service control policies, FullAWSAccess included. */
  scps: number;
  /** Resource control policies, RCPFullAWSAccess included; 0 leaves RCPs disabled. */
  rcps: number;
}

export const ORG_SIZES: Record<OrgSize, OrgSpec> = {
  S: { accounts: 50, ous: 12, depth: 4, scps: 12, rcps: 3 },
  M: { accounts: 1_000, ous: 120, depth: 5, scps: 80, rcps: 5 },
  L: { accounts: 5_000, ous: 300, depth: 5, scps: 200, rcps: 8 },
  XL: { accounts: 10_000, ous: 1_000, depth: 5, scps: 500, rcps: 12 },
};

/** Policies of one type attached directly to a target here (AWS allows 10 SCPs and 5 RCPs). */
const MAX_POLICIES_PER_TARGET = 5;

/** mulberry32: small, fast, and the same sequence on every machine. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const token = (random: Random, length: number): string =>
  Array.from({ length }, () => ALNUM[Math.floor(random() * ALNUM.length)]).join("");

const TOP_LEVEL = [
  "Security",
  "Infrastructure",
  "Workloads",
  "Sandbox",
  "Suspended",
  "PolicyStaging",
  "Exceptions",
];
const ENVIRONMENTS = [
  "Prod",
  "NonProd",
  "Dev",
  "Test",
  "Staging",
  "Shared",
  "Data",
  "Platform",
  "Edge",
  "Labs",
];
const REGIONS = ["eu-west-1", "eu-central-1", "eu-north-1", "us-east-1", "us-west-2", "ap-southeast-2"];
const SERVICES = [
  "ec2",
  "s3",
  "rds",
  "lambda",
  "dynamodb",
  "sagemaker",
  "bedrock",
  "redshift",
  "glue",
  "kms",
  "cloudtrail",
  "config",
  "guardduty",
  "iam",
  "organizations",
  "route53",
  "cloudfront",
  "ecs",
  "eks",
  "sns",
  "sqs",
];

function scpDocument(random: Random, n: number): string {
  const statements: Record<string, unknown>[] = [];
  const kinds = 1 + Math.floor(random() * 4);
  for (let k = 0; k < kinds; k++) {
    switch (Math.floor(random() * 6)) {
      case 0:
        statements.push({
          Sid: `DenyOutsideRegions${n}x${k}`,
          Effect: "Deny",
          NotAction: [
            "iam:*",
            "organizations:*",
            "sts:*",
            "support:*",
            "cloudfront:*",
            "route53:*",
            "account:*",
          ],
          Resource: "*",
          Condition: {
            StringNotEquals: { "aws:RequestedRegion": REGIONS.filter(() => random() < 0.4) },
            ArnNotLike: { "aws:PrincipalArn": [`arn:aws:iam::*:role/Breakglass-${token(random, 4)}`] },
          },
        });
        break;
      case 1:
        statements.push({
          Sid: `ProtectPlatformRoles${n}x${k}`,
          Effect: "Deny",
          Action: [
            "iam:AttachRolePolicy",
            "iam:DeleteRole",
            "iam:PutRolePolicy",
            "iam:UpdateAssumeRolePolicy",
          ],
          Resource: [`arn:aws:iam::*:role/platform-${token(random, 5)}-*`],
          Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/PlatformAdmin" } },
        });
        break;
      case 2:
        statements.push({
          Sid: `DenyServices${n}x${k}`,
          Effect: "Deny",
          Action: SERVICES.filter(() => random() < 0.25).map((s) => `${s}:*`),
          Resource: "*",
        });
        break;
      case 3:
        statements.push({
          Sid: `RequireTags${n}x${k}`,
          Effect: "Deny",
          Action: ["ec2:RunInstances", "ec2:CreateVolume", "rds:CreateDBInstance"],
          Resource: "*",
          Condition: { Null: { [`aws:RequestTag/CostCenter${token(random, 2)}`]: "true" } },
        });
        break;
      case 4:
        statements.push({
          Sid: `DenyLeaveAndRoot${n}x${k}`,
          Effect: "Deny",
          Action: ["organizations:LeaveOrganization", "account:CloseAccount"],
          Resource: "*",
        });
        break;
      default:
        statements.push({
          Sid: `DenyUnencrypted${n}x${k}`,
          Effect: "Deny",
          Action: ["s3:PutObject"],
          Resource: `arn:aws:s3:::${token(random, 10)}-*/*`,
          Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
        });
    }
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

function rcpDocument(random: Random, n: number): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: `EnforceOrgIdentities${n}`,
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole"],
        Resource: "*",
        Condition: {
          StringNotEqualsIfExists: { "aws:PrincipalOrgID": "o-placeholder" },
          BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
        },
      },
      ...(random() < 0.5
        ? [
            {
              Sid: `EnforceTls${n}`,
              Effect: "Deny",
              Principal: "*",
              Action: ["s3:*"],
              Resource: "*",
              Condition: { BoolIfExists: { "aws:SecureTransport": "false" } },
            },
          ]
        : []),
    ],
  });
}

const FULL_ACCESS = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const RCP_FULL_ACCESS = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
});

export function generateOrganization(size: OrgSize | OrgSpec, seed = 1): Snapshot {
  const spec = typeof size === "string" ? ORG_SIZES[size] : size;
  const random = createRandom(seed);
  const rootSuffix = token(random, 4);
  const orgId = `o-${token(random, 10)}`;
  const rootId = `r-${rootSuffix}`;
  const managementAccountId = "100000000000";
  const arnBase = `arn:aws:organizations::${managementAccountId}`;

  // --- OUs: a spine to the full depth first, then the rest under random shallower parents. ---
  interface Ou {
    id: string;
    name: string;
    parentId: string;
    depth: number;
  }
  const ous: Ou[] = [];
  const usedOuIds = new Set<string>();
  const newOu = (parentId: string, depth: number, name: string): Ou => {
    let id: string;
    do id = `ou-${rootSuffix}-${token(random, 8)}`;
    while (usedOuIds.has(id));
    usedOuIds.add(id);
    const ou = { id, name, parentId, depth };
    ous.push(ou);
    return ou;
  };
  const topLevel = Math.min(spec.ous, TOP_LEVEL.length);
  for (let i = 0; i < topLevel; i++) newOu(rootId, 1, TOP_LEVEL[i] as string);
  let spineParent = ous[2] ?? ous[0];
  for (let d = 2; d <= spec.depth && ous.length < spec.ous && spineParent; d++) {
    spineParent = newOu(spineParent.id, d, `${pick(random, ENVIRONMENTS)}-L${d}`);
  }
  while (ous.length < spec.ous) {
    const candidates = ous.filter((o) => o.depth < spec.depth);
    const parent = pick(random, candidates);
    newOu(parent.id, parent.depth + 1, `${pick(random, ENVIRONMENTS)}-${ous.length}`);
  }

  // --- Accounts: the management account at the root, the rest weighted towards deeper OUs. ---
  const weights = ous.map((o) => (o.depth + random() * 3) ** 2 * (random() < 0.05 ? 8 : 1));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const accounts: Snapshot["accounts"] = [
    {
      id: managementAccountId,
      name: "management",
      email: "aws-management@example.com",
      status: "ACTIVE",
      parentId: rootId,
      arn: `${arnBase}:account/${orgId}/${managementAccountId}`,
    },
  ];
  for (let i = 1; i < spec.accounts; i++) {
    let r = random() * totalWeight;
    let index = 0;
    while (index < weights.length - 1 && r >= (weights[index] as number)) r -= weights[index++] as number;
    const ou = ous[index] as Ou;
    const id = String(200_000_000_000 + i * 7919).padStart(12, "0");
    accounts.push({
      id,
      name: `acct-${String(i).padStart(5, "0")}-${ou.name.toLowerCase()}`,
      email: `aws+${i}@example.com`,
      status: random() < 0.01 ? "SUSPENDED" : "ACTIVE",
      parentId: ou.id,
      arn: `${arnBase}:account/${orgId}/${id}`,
    });
  }

  // --- Policies ---
  const policies: Snapshot["policies"] = [];
  const allTargets = [rootId, ...ous.map((o) => o.id), ...accounts.map((a) => a.id)];
  const usedPolicyIds = new Set<string>();
  const attachCount = new Map<string, number>();
  const addPolicies = (type: "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY", count: number): void => {
    const scp = type === "SERVICE_CONTROL_POLICY";
    const slug = scp ? "service_control_policy" : "resource_control_policy";
    const managedId = scp ? "p-FullAWSAccess" : "p-RCPFullAWSAccess";
    policies.push({
      id: managedId,
      name: scp ? "FullAWSAccess" : "RCPFullAWSAccess",
      type,
      awsManaged: true,
      description: scp
        ? "Allows access to every operation"
        : "Allows access to every operation on resources in the organization",
      arn: `arn:aws:organizations::aws:policy/${slug}/${managedId}`,
      content: scp ? FULL_ACCESS : RCP_FULL_ACCESS,
      targetIds: [...allTargets],
    });
    for (const t of allTargets) attachCount.set(`${type}:${t}`, 1);
    for (let n = 1; n < count; n++) {
      let id: string;
      do id = `p-${token(random, 8)}`;
      while (usedPolicyIds.has(id));
      usedPolicyIds.add(id);
      const targetIds: string[] = [];
      const wanted = random() < 0.05 ? 0 : 1 + Math.floor(random() * (scp ? 3 : 2));
      for (let tries = 0; targetIds.length < wanted && tries < 50; tries++) {
        const r = random();
        const target =
          r < 0.02
            ? rootId
            : r < 0.85 || !scp
              ? (pick(random, ous).id as string)
              : (pick(random, accounts).id as string);
        const key = `${type}:${target}`;
        const used = attachCount.get(key) ?? 0;
        if (targetIds.includes(target) || used >= MAX_POLICIES_PER_TARGET) continue;
        attachCount.set(key, used + 1);
        targetIds.push(target);
      }
      policies.push({
        id,
        name: `${scp ? "scp" : "rcp"}-${String(n).padStart(3, "0")}-${token(random, 4)}`,
        type,
        awsManaged: false,
        description: `Synthetic ${scp ? "SCP" : "RCP"} ${n}`,
        arn: `${arnBase}:policy/${orgId}/${slug}/${id}`,
        content: scp ? scpDocument(random, n) : rcpDocument(random, n),
        targetIds,
      });
    }
  };
  addPolicies("SERVICE_CONTROL_POLICY", spec.scps);
  if (spec.rcps > 0) addPolicies("RESOURCE_CONTROL_POLICY", spec.rcps);

  return {
    formatVersion: 1,
    capturedAt: "2026-11-01T00:00:00.000Z",
    organization: {
      id: orgId,
      managementAccountId,
      arn: `${arnBase}:organization/${orgId}`,
      featureSet: "ALL",
    },
    roots: [
      {
        id: rootId,
        name: "Root",
        arn: `${arnBase}:root/${orgId}/${rootId}`,
        policyTypes: [
          { type: "SERVICE_CONTROL_POLICY", status: "ENABLED" },
          ...(spec.rcps > 0 ? [{ type: "RESOURCE_CONTROL_POLICY", status: "ENABLED" }] : []),
        ],
      },
    ],
    organizationalUnits: ous.map((o) => ({
      id: o.id,
      name: o.name,
      parentId: o.parentId,
      arn: `${arnBase}:ou/${orgId}/${o.id}`,
    })),
    accounts,
    policies,
  };
}

export async function writeSnapshotFile(path: string, snapshot: Snapshot): Promise<void> {
  await writeFile(path, JSON.stringify(snapshot));
}
