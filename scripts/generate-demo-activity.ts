/**
 * Writes src/org/demo/demo-activity.json: a day of CloudTrail records of the demo organization
 * (docs/demo-organization.md), the activity preview_policy_change replays by default in demo mode.
 * Deterministic: run it again after changing the templates below.
 *
 *   npx tsx scripts/generate-demo-activity.ts
 */
import { writeFileSync } from "node:fs";
import { cloudTrailRecord, type RecordSpec } from "../test/fake-aws/cloudtrail-records.js";
import { createRandom } from "../test/fake-aws/generate-org.js";

type Template = Omit<RecordSpec, "time" | "n"> & { weight: number };

const APP_PROD = "230000000001";
const DATA_PROD = "230000000002";
const PAY_PROD = "230000000003";
const APP_DEV = "240000000001";
const DATA_DEV = "240000000002";
const APP_TEST = "240000000003";
const NETWORK = "220000000001";
const AUDIT = "210000000002";
const MGMT = "111111111111";
const SANDBOX = "250000000001";

const s3 = (bucket: string, key?: string): NonNullable<RecordSpec["resources"]> => [
  { arn: `arn:aws:s3:::${bucket}`, type: "AWS::S3::Bucket" },
  ...(key ? [{ arn: `arn:aws:s3:::${bucket}/${key}`, type: "AWS::S3::Object" }] : []),
];

const T: Template[] = [
  // app-prod: the application team and its pipeline.
  {
    weight: 60,
    accountId: APP_PROD,
    principal: "role/app-deployer",
    eventSource: "s3.amazonaws.com",
    eventName: "PutObject",
    region: "eu-west-1",
    resources: s3("app-prod-artifacts", "build/app.zip"),
  },
  {
    weight: 120,
    accountId: APP_PROD,
    principal: "role/app-runtime",
    eventSource: "s3.amazonaws.com",
    eventName: "GetObject",
    region: "eu-west-1",
    resources: s3("app-prod-assets", "img/logo.png"),
  },
  {
    weight: 40,
    accountId: APP_PROD,
    principal: "role/Developer",
    eventSource: "ec2.amazonaws.com",
    eventName: "DescribeInstances",
    region: "eu-west-1",
  },
  {
    weight: 8,
    accountId: APP_PROD,
    principal: "role/app-deployer",
    eventSource: "ec2.amazonaws.com",
    eventName: "RunInstances",
    region: "eu-west-1",
    requestParameters: {
      instanceType: "t3.small",
      tagSpecificationSet: {
        items: [{ resourceType: "instance", tags: [{ key: "CostCenter", value: "app" }] }],
      },
    },
    resources: [
      { arn: `arn:aws:ec2:eu-west-1:${APP_PROD}:instance/i-0abc000000000001`, type: "AWS::EC2::Instance" },
    ],
  },
  {
    weight: 30,
    accountId: APP_PROD,
    principal: "role/app-runtime",
    eventSource: "dynamodb.amazonaws.com",
    eventName: "GetItem",
    region: "eu-central-1",
    resources: [
      { arn: `arn:aws:dynamodb:eu-central-1:${APP_PROD}:table/orders`, type: "AWS::DynamoDB::Table" },
    ],
  },
  {
    weight: 25,
    accountId: APP_PROD,
    principal: "role/app-runtime",
    eventSource: "kms.amazonaws.com",
    eventName: "Decrypt",
    region: "eu-west-1",
    resources: [
      {
        arn: `arn:aws:kms:eu-west-1:${APP_PROD}:key/1111aaaa-2222-bbbb-3333-cccc4444dddd`,
        type: "AWS::KMS::Key",
      },
    ],
  },
  {
    weight: 20,
    accountId: APP_PROD,
    principal: "role/app-runtime",
    eventSource: "logs.amazonaws.com",
    eventName: "CreateLogStream",
    region: "eu-west-1",
  },
  {
    weight: 6,
    accountId: APP_PROD,
    principal: "role/app-deployer",
    eventSource: "cloudfront.amazonaws.com",
    eventName: "CreateInvalidation",
    region: "us-east-1",
    errorCode: "AccessDenied",
  },
  {
    weight: 3,
    accountId: APP_PROD,
    principal: "role/BreakGlassAdmin",
    eventSource: "route53.amazonaws.com",
    eventName: "ChangeResourceRecordSets",
    region: "us-east-1",
    mfa: true,
  },
  {
    weight: 4,
    accountId: APP_PROD,
    principal: "role/aws-reserved-admin",
    eventSource: "iam.amazonaws.com",
    eventName: "CreateRole",
    region: "us-east-1",
  },
  {
    weight: 10,
    accountId: APP_PROD,
    principal: "role/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
    eventSource: "guardduty.amazonaws.com",
    eventName: "ListDetectors",
    region: "eu-west-1",
    mfa: true,
  },
  {
    weight: 12,
    accountId: APP_PROD,
    principal: "slr/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    eventSource: "ec2.amazonaws.com",
    eventName: "RunInstances",
    region: "eu-west-1",
    invokedBy: "autoscaling.amazonaws.com",
  },
  {
    weight: 15,
    accountId: APP_PROD,
    principal: "service:lambda.amazonaws.com",
    eventSource: "sts.amazonaws.com",
    eventName: "AssumeRole",
    region: "eu-west-1",
  },
  {
    weight: 20,
    accountId: APP_PROD,
    principal: "role/app-runtime",
    eventSource: "lambda.amazonaws.com",
    eventName: "Invoke",
    region: "eu-west-1",
    resources: [
      { arn: `arn:aws:lambda:eu-west-1:${APP_PROD}:function:resize`, type: "AWS::Lambda::Function" },
    ],
  },
  // data-prod: analytics.
  {
    weight: 50,
    accountId: DATA_PROD,
    principal: "role/DataEngineer",
    eventSource: "s3.amazonaws.com",
    eventName: "GetObject",
    region: "eu-west-1",
    resources: s3("data-prod-lake", "raw/2026/11/30/part-0000.parquet"),
  },
  {
    weight: 15,
    accountId: DATA_PROD,
    principal: "role/DataEngineer",
    eventSource: "athena.amazonaws.com",
    eventName: "StartQueryExecution",
    region: "eu-west-1",
  },
  {
    weight: 12,
    accountId: DATA_PROD,
    principal: "role/DataEngineer",
    eventSource: "glue.amazonaws.com",
    eventName: "GetTable",
    region: "eu-west-1",
  },
  {
    weight: 4,
    accountId: DATA_PROD,
    principal: "role/DataEngineer",
    eventSource: "s3.amazonaws.com",
    eventName: "PutObject",
    region: "us-east-1",
    resources: s3("data-prod-export-us", "daily.csv"),
    errorCode: "AccessDenied",
  },
  {
    weight: 6,
    accountId: DATA_PROD,
    principal: "role/DataEngineer",
    eventSource: "sts.amazonaws.com",
    eventName: "GetCallerIdentity",
    region: "us-east-1",
  },
  // payments-prod.
  {
    weight: 40,
    accountId: PAY_PROD,
    principal: "role/payments-app",
    eventSource: "dynamodb.amazonaws.com",
    eventName: "PutItem",
    region: "eu-west-1",
    resources: [
      { arn: `arn:aws:dynamodb:eu-west-1:${PAY_PROD}:table/payments`, type: "AWS::DynamoDB::Table" },
    ],
  },
  {
    weight: 30,
    accountId: PAY_PROD,
    principal: "role/payments-app",
    eventSource: "kms.amazonaws.com",
    eventName: "Decrypt",
    region: "eu-west-1",
    resources: [
      {
        arn: `arn:aws:kms:eu-west-1:${PAY_PROD}:key/5555eeee-6666-ffff-7777-000088889999`,
        type: "AWS::KMS::Key",
      },
    ],
  },
  {
    weight: 2,
    accountId: PAY_PROD,
    principal: "role/BreakGlassAdmin",
    eventSource: "s3.amazonaws.com",
    eventName: "DeleteObject",
    region: "eu-west-1",
    resources: s3("payments-prod-exports", "old/2025.csv"),
    mfa: true,
  },
  // app-dev and data-dev.
  {
    weight: 35,
    accountId: APP_DEV,
    principal: "role/Developer",
    eventSource: "ec2.amazonaws.com",
    eventName: "RunInstances",
    region: "eu-west-1",
    requestParameters: { instanceType: "t3.micro" },
    resources: [
      { arn: `arn:aws:ec2:eu-west-1:${APP_DEV}:instance/i-0dev000000000001`, type: "AWS::EC2::Instance" },
    ],
  },
  {
    weight: 30,
    accountId: APP_DEV,
    principal: "role/Developer",
    eventSource: "cloudformation.amazonaws.com",
    eventName: "CreateStack",
    region: "eu-west-1",
  },
  {
    weight: 25,
    accountId: APP_DEV,
    principal: "role/Developer",
    eventSource: "s3.amazonaws.com",
    eventName: "ListObjects",
    region: "eu-west-1",
    resources: s3("app-dev-scratch"),
  },
  {
    weight: 5,
    accountId: APP_DEV,
    principal: "role/Developer",
    eventSource: "ec2.amazonaws.com",
    eventName: "DescribeInstances",
    region: "us-west-2",
    errorCode: "Client.UnauthorizedOperation",
  },
  {
    weight: 20,
    accountId: DATA_DEV,
    principal: "role/DataEngineer",
    eventSource: "s3.amazonaws.com",
    eventName: "GetObject",
    region: "eu-west-1",
    resources: s3("data-dev-lake", "sample.parquet"),
  },
  // app-test: everything is implicitly denied (the Test OU lost FullAWSAccess).
  {
    weight: 18,
    accountId: APP_TEST,
    principal: "role/Developer",
    eventSource: "s3.amazonaws.com",
    eventName: "ListBuckets",
    region: "eu-west-1",
    errorCode: "AccessDenied",
  },
  {
    weight: 10,
    accountId: APP_TEST,
    principal: "role/Developer",
    eventSource: "ec2.amazonaws.com",
    eventName: "DescribeInstances",
    region: "eu-west-1",
    errorCode: "Client.UnauthorizedOperation",
  },
  // network: Infrastructure OU.
  {
    weight: 15,
    accountId: NETWORK,
    principal: "role/NetworkAdmin",
    eventSource: "ec2.amazonaws.com",
    eventName: "DescribeVpcs",
    region: "eu-west-1",
  },
  {
    weight: 5,
    accountId: NETWORK,
    principal: "role/NetworkAdmin",
    eventSource: "route53.amazonaws.com",
    eventName: "ChangeResourceRecordSets",
    region: "us-east-1",
  },
  {
    weight: 3,
    accountId: NETWORK,
    principal: "role/NetworkAdmin",
    eventSource: "ec2.amazonaws.com",
    eventName: "AuthorizeSecurityGroupIngress",
    region: "eu-west-1",
  },
  // audit: the security team looks everywhere.
  {
    weight: 20,
    accountId: AUDIT,
    principal: "role/SecurityAudit",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "LookupEvents",
    region: "eu-west-1",
  },
  {
    weight: 10,
    accountId: AUDIT,
    principal: "role/SecurityAudit",
    eventSource: "guardduty.amazonaws.com",
    eventName: "ListFindings",
    region: "us-east-1",
  },
  {
    weight: 8,
    accountId: AUDIT,
    principal: "role/SecurityAudit",
    eventSource: "config.amazonaws.com",
    eventName: "DescribeConfigRules",
    region: "ap-southeast-2",
  },
  {
    weight: 10,
    accountId: AUDIT,
    principal: "slr/config.amazonaws.com/AWSServiceRoleForConfig",
    eventSource: "config.amazonaws.com",
    eventName: "PutEvaluations",
    region: "eu-west-1",
    invokedBy: "config.amazonaws.com",
  },
  // management account: SCPs never apply there.
  {
    weight: 10,
    accountId: MGMT,
    principal: "role/OrgAdmin",
    eventSource: "organizations.amazonaws.com",
    eventName: "ListAccounts",
    region: "us-east-1",
    mfa: true,
  },
  {
    weight: 4,
    accountId: MGMT,
    principal: "role/OrgAdmin",
    eventSource: "ec2.amazonaws.com",
    eventName: "DescribeRegions",
    region: "us-west-2",
    mfa: true,
  },
  {
    weight: 1,
    accountId: MGMT,
    principal: "root",
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    region: "us-east-1",
    eventType: "AwsConsoleSignIn",
  },
  // sandbox: an allow-list instead of FullAWSAccess.
  {
    weight: 15,
    accountId: SANDBOX,
    principal: "user/alice",
    eventSource: "lambda.amazonaws.com",
    eventName: "CreateFunction20150331",
    region: "eu-west-1",
  },
  {
    weight: 5,
    accountId: SANDBOX,
    principal: "user/alice",
    eventSource: "sqs.amazonaws.com",
    eventName: "CreateQueue",
    region: "eu-west-1",
    errorCode: "AccessDenied",
  },
];

const random = createRandom(18);
const end = Date.parse("2026-11-30T23:00:00Z");
const records: Record<string, unknown>[] = [];
let n = 0;
for (const t of T) {
  const { weight, ...spec } = t;
  // A quarter of the weight keeps the bundled sample small (it ships in the server's bundle).
  for (let i = 0; i < Math.max(1, Math.round(weight / 4)); i++) {
    const time = new Date(end - Math.floor(random() * 24 * 3600) * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
    const ip = `203.0.113.${10 + Math.floor(random() * 4)}`;
    const record = cloudTrailRecord({ ...spec, time, n: n++, sourceIp: ip });
    // Fields the replay does not read, left out of the bundled sample.
    for (const field of [
      "userAgent",
      "requestID",
      "eventID",
      "responseElements",
      "eventCategory",
      "managementEvent",
      "readOnly",
    ])
      delete record[field];
    records.push(record);
  }
}
records.sort((a, b) => String(a["eventTime"]).localeCompare(String(b["eventTime"])));
const text = `{"Records":[\n${records.map((r) => JSON.stringify(r)).join(",\n")}\n]}\n`;
writeFileSync(new URL("../src/org/demo/demo-activity.json", import.meta.url), text);
console.log(`wrote ${records.length} records, ${text.length} characters`);
