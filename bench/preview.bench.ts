/**
 * The replay of preview_policy_change at scale: CloudTrail log files ({"Records": [...]}, as the
 * trail writes them) read, folded into distinct requests and replayed before and after a change on
 * the demo organization. Prints one JSON line. A script, not a test:
 *
 *   npx tsx bench/preview.bench.ts [events=1000000] [distinct=20000]
 */
import { previewChange, resolveChange } from "../src/audit/preview-change.js";
import { demoSnapshot } from "../src/org/demo/demo-snapshot.js";
import { OrganizationService } from "../src/org/service.js";
import { createSnapshotReader } from "../src/org/snapshot-reader.js";
import { addRecords, emptyActivity } from "../src/preview/activity.js";
import { readActivityText } from "../src/preview/activity-text.js";
import { cloudTrailRecord, type RecordSpec } from "../test/fake-aws/cloudtrail-records.js";
import { createRandom } from "../test/fake-aws/generate-org.js";

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const DISTINCT = Number(process.argv[3] ?? 20_000);
const PER_FILE = 1000;
const FILE_VARIANTS = 40;

const ACCOUNTS = [
  "230000000001",
  "230000000002",
  "230000000003",
  "240000000001",
  "240000000002",
  "220000000001",
  "210000000002",
  "111111111111",
];
const ACTIONS: [string, string][] = [
  ["s3.amazonaws.com", "GetObject"],
  ["s3.amazonaws.com", "PutObject"],
  ["ec2.amazonaws.com", "DescribeInstances"],
  ["ec2.amazonaws.com", "RunInstances"],
  ["dynamodb.amazonaws.com", "GetItem"],
  ["kms.amazonaws.com", "Decrypt"],
  ["sts.amazonaws.com", "AssumeRole"],
  ["cloudfront.amazonaws.com", "CreateInvalidation"],
  ["iam.amazonaws.com", "GetRole"],
  ["logs.amazonaws.com", "PutLogEvents"],
  ["lambda.amazonaws.com", "Invoke"],
  ["sqs.amazonaws.com", "SendMessage"],
];
const REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"];

const random = createRandom(1);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;

// The distinct requests of the trail: principals, actions, resources, regions and source addresses.
const templates: Omit<RecordSpec, "time" | "n">[] = [];
for (let i = 0; i < DISTINCT; i++) {
  const accountId = pick(ACCOUNTS);
  const [eventSource, eventName] = pick(ACTIONS);
  templates.push({
    accountId,
    principal: `role/team-${i % 400}`,
    eventSource,
    eventName,
    region: pick(REGIONS),
    sourceIp: `198.51.100.${i % 200}`,
    resources: eventSource.startsWith("s3") ? [{ arn: `arn:aws:s3:::bucket-${i % 50}/key-${i % 997}` }] : [],
  });
}

// A few dozen different files, each a realistic 1,000-record log file; read over and over.
const files: string[] = [];
for (let f = 0; f < FILE_VARIANTS; f++) {
  const records = [];
  for (let r = 0; r < PER_FILE; r++) {
    const t = templates[Math.floor(random() * templates.length)]!;
    const time = new Date(
      Date.parse("2026-11-30T00:00:00Z") + Math.floor(random() * 86_400_000),
    ).toISOString();
    records.push(cloudTrailRecord({ ...t, time, n: f * PER_FILE + r }));
  }
  files.push(JSON.stringify({ Records: records }));
}
const bytesPerFile = files.reduce((n, f) => n + f.length, 0) / files.length;

const org = new OrganizationService(createSnapshotReader(demoSnapshot(), "demo"), undefined);
const change = await resolveChange(org, {
  kind: "detach",
  policyId: "p-FullAWSAccess",
  targetId: "ou-a1b2-prod0000",
});

const t0 = performance.now();
const activity = emptyActivity("bench");
const fileCount = Math.ceil(EVENTS / PER_FILE);
for (let i = 0; i < fileCount; i++) {
  const read = readActivityText(files[i % files.length]!, PER_FILE);
  addRecords(activity, read.records);
}
const t1 = performance.now();
const report = await previewChange(org, change, activity, { maxGroups: 10, budgetBytes: 14_000 });
const t2 = performance.now();

const seconds = (t2 - t0) / 1000;
console.log(
  JSON.stringify({
    events: activity.records,
    files: fileCount,
    megabytesRead: Math.round((fileCount * bytesPerFile) / 2 ** 20),
    distinctRequests: activity.table.size,
    evaluatedRequests: report.replay.counts.evaluatedRequests,
    readSeconds: Math.round((t1 - t0) / 10) / 100,
    replaySeconds: Math.round((t2 - t1) / 10) / 100,
    totalSeconds: Math.round(seconds * 100) / 100,
    eventsPerSecond: Math.round(activity.records / seconds),
    distinctPerSecond: Math.round(activity.table.size / ((t2 - t1) / 1000)),
    verdict: report.replay.verdict,
  }),
);
