/**
 * Policy engine throughput: simulated decisions per second for one request against a 5-level chain
 * (root, three OUs, account) of 10 SCPs each. Run with `npx tsx bench/engine.bench.ts`.
 */
import {
  evaluate,
  primeCatalogue,
  type EvaluationChain,
  type EvaluationRequest,
} from "../src/policy/index.js";

const LEVELS = 5;
const POLICIES_PER_LEVEL = 10;
const DURATION_MS = 2000;

function policyContent(level: number, n: number): string {
  if (n === 0)
    return JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    });
  const statements = [
    {
      Sid: `DenyRegions${level}${n}`,
      Effect: "Deny",
      NotAction: ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"],
      Resource: "*",
      Condition: {
        StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "eu-central-1"] },
        ArnNotLike: { "aws:PrincipalArn": [`arn:aws:iam::*:role/Breakglass${n}`] },
      },
    },
    {
      Sid: `ProtectRoles${level}${n}`,
      Effect: "Deny",
      Action: ["iam:AttachRolePolicy", "iam:DeleteRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"],
      Resource: [`arn:aws:iam::*:role/platform-${n}-*`],
      Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/PlatformAdmin" } },
    },
    {
      Sid: `RequireTags${level}${n}`,
      Effect: "Deny",
      Action: ["ec2:RunInstances", "ec2:CreateVolume"],
      Resource: "arn:aws:ec2:*:*:instance/*",
      Condition: { Null: { [`aws:RequestTag/CostCenter${n}`]: "true" } },
    },
    {
      Sid: `AllowSome${level}${n}`,
      Effect: "Allow",
      Action: ["s3:Get*", "s3:List*", "ec2:Describe*", `dynamodb:*Item${n}`],
      Resource: "*",
      Condition: { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-abcdefghij/r-ab12/ou-ab12-*"] } },
    },
  ];
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

const targets = [
  { id: "r-ab12", type: "ROOT" as const, name: "Root" },
  { id: "ou-ab12-11111111", type: "ORGANIZATIONAL_UNIT" as const, name: "Workloads" },
  { id: "ou-ab12-22222222", type: "ORGANIZATIONAL_UNIT" as const, name: "Prod" },
  { id: "ou-ab12-33333333", type: "ORGANIZATIONAL_UNIT" as const, name: "Payments" },
  { id: "111122223333", type: "ACCOUNT" as const, name: "payments-prod" },
];

const chain: EvaluationChain = {
  policyType: "SERVICE_CONTROL_POLICY",
  isManagementAccount: false,
  managementAccountId: "999999999999",
  levels: targets.slice(0, LEVELS).map((target, level) => ({
    target,
    policies: Array.from({ length: POLICIES_PER_LEVEL }, (_, n) => ({
      id: `p-bench${level}x${n}aaaa`,
      name: `bench-${level}-${n}`,
      content: policyContent(level, n),
    })),
  })),
};

const request: EvaluationRequest = {
  action: "s3:GetObject",
  resource: "arn:aws:s3:::example-bucket/reports/2025.csv",
  principalArn: "arn:aws:sts::111122223333:assumed-role/Analyst/alice",
  region: "eu-west-1",
  context: {
    "aws:PrincipalOrgPaths": ["o-abcdefghij/r-ab12/ou-ab12-11111111/"],
    "aws:SecureTransport": "true",
  },
};

await primeCatalogue({ services: ["s3"] });
const first = evaluate(request, chain);
if (first.decision !== "allowed") throw new Error(`unexpected decision ${first.decision}`);

for (let i = 0; i < 2000; i++) evaluate(request, chain); // warm-up
let count = 0;
const start = performance.now();
let elapsed = 0;
while (elapsed < DURATION_MS) {
  for (let i = 0; i < 200; i++) evaluate(request, chain);
  count += 200;
  elapsed = performance.now() - start;
}
const perSecond = Math.round((count / elapsed) * 1000);
const statements = chain.levels.length * POLICIES_PER_LEVEL;
console.log(
  `engine: ${perSecond.toLocaleString("en-US")} decisions/s ` +
    `(${LEVELS} levels x ${POLICIES_PER_LEVEL} policies, ~${statements * 4} statements, ${(1000 / perSecond).toFixed(3)} ms/decision)`,
);
