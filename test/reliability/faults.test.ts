/**
 * AWS faults: the same sequence of tool calls against two copies of the fake Organizations
 * service, one clean and one with 20 % throttling, 5 % 500s, 2 % dropped connections and latency
 * spikes. Each faulty answer must equal the clean one, or be an `isError` result saying the error
 * is temporary; a chain that could not be read is never "allowed". Caching is off (TTL 0), so
 * every call really reads through the faults.
 */
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_ATTEMPTS } from "../../src/org/aws-client-settings.js";
import { createAwsReader, organizationsClientConfig } from "../../src/org/aws-reader.js";
import type { Snapshot } from "../../src/org/snapshot-schema.js";
import { FAKE_CREDENTIALS, UNPACED } from "../aws-integration/helpers.js";
import { createRandom, generateOrganization } from "../fake-aws/generate-org.js";
import { OrgIndex } from "../fake-aws/org-index.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { callTool, connect, startHarness, type Harness } from "../helpers/harness.js";
import { FULL, report, round, size } from "./helpers.js";

const CALLS = size(1_500, 20);
const WORKERS = 6;
const FAULTS = { throttleRate: 0.2, serverErrorRate: 0.05, dropRate: 0.02, spikeRate: 0.03, spikeMs: 250 };

let snapshot: Snapshot;
let index: OrgIndex;
let clean: FakeAws;
let faulty: FakeAws;
let cleanHarness: Harness;
let faultyHarness: Harness;
let cleanClient: Client;
let faultyClient: Client;

/**
 * The SDK's own retry decisions (which errors are retried: throttling, 5xx, dropped connections)
 * with the production number of attempts, but millisecond back-off: at 20 % random throttling the
 * production back-off (adaptive mode) spends about 10 s per cold chain, which would make a run of
 * thousands of calls take hours without changing a single answer.
 */
function fastRetries(maxAttempts: number) {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 2 * 2 ** count });
  return {
    mode: "standard",
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (
      previous: ReturnType<typeof token>,
      info: { errorType: string; error?: unknown },
    ) => {
      if (info.errorType === "CLIENT_ERROR" || previous.getRetryCount() + 1 >= maxAttempts)
        throw info.error ?? new Error("no more attempts");
      return token(previous.getRetryCount() + 1);
    },
    recordSuccess: () => undefined,
  };
}

const sdkClients: OrganizationsClient[] = [];

async function serverOn(fake: FakeAws): Promise<Harness> {
  const client = new OrganizationsClient({
    ...organizationsClientConfig(),
    endpoint: fake.endpoint,
    credentials: FAKE_CREDENTIALS,
    retryStrategy: fastRetries(DEFAULT_MAX_ATTEMPTS),
  });
  sdkClients.push(client);
  return startHarness(
    { ORG_SOURCE: "aws", ALLOWED_OU_IDS: snapshot.roots[0]!.id, CACHE_TTL_SECONDS: "0" },
    { createReader: async () => createAwsReader({ cacheTtlSeconds: 0, client, pacing: UNPACED }) },
  );
}

beforeAll(async () => {
  snapshot = generateOrganization("S", 11);
  index = new OrgIndex(snapshot);
  clean = await startFakeAws({ snapshot });
  faulty = await startFakeAws({ snapshot, latencyMs: 1, jitterMs: 4, faults: { ...FAULTS, seed: 3 } });
  cleanHarness = await serverOn(clean);
  faultyHarness = await serverOn(faulty);
  cleanClient = await connect(cleanHarness);
  faultyClient = await connect(faultyHarness);
});
afterAll(async () => {
  await cleanClient?.close();
  await faultyClient?.close();
  for (const c of sdkClients) c.destroy();
  await clean?.close();
  await faulty?.close();
});

const ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteBucket",
  "ec2:RunInstances",
  "ec2:TerminateInstances",
  "iam:CreateUser",
  "iam:PassRole",
  "rds:DeleteDBInstance",
  "kms:ScheduleKeyDeletion",
  "organizations:LeaveOrganization",
  "cloudtrail:StopLogging",
  "guardduty:DeleteDetector",
];
const REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"];

/** A baseline drawn from the organization, with one change so there is drift to report. */
function baseline(): Record<string, unknown> {
  const customer = snapshot.policies.filter((p) => !p.awsManaged && p.type === "SERVICE_CONTROL_POLICY");
  return {
    formatVersion: 1,
    policies: customer.slice(0, 4).map((p, i) => ({
      name: p.name,
      type: p.type,
      content: p.content,
      targets: i === 0 ? p.targetIds.slice(1) : p.targetIds,
    })),
    options: { reportUnexpectedPolicies: false },
  };
}

/** The call plan: every tool, over accounts, OUs and policies of the organization. */
function plan(count: number, seed: number): [string, Record<string, unknown>][] {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const accounts = snapshot.accounts.map((a) => a.id);
  const ous = [...snapshot.organizationalUnits.map((o) => o.id), snapshot.roots[0]!.id];
  const policies = snapshot.policies.map((p) => p.id);
  const type = (): string => (random() < 0.75 ? "SERVICE_CONTROL_POLICY" : "RESOURCE_CONTROL_POLICY");
  const calls: [string, Record<string, unknown>][] = [];
  while (calls.length < count) {
    const r = random();
    if (r < 0.25) {
      const account = pick(accounts);
      calls.push([
        "simulate_scp_request",
        {
          accountId: account,
          actions: [pick(ACTIONS), pick(ACTIONS)],
          region: pick(REGIONS),
          resource: `arn:aws:s3:::bucket-${account}/key`,
          resourceAccountId: pick(accounts),
        },
      ]);
    } else if (r < 0.45) {
      calls.push([
        "get_effective_scps",
        random() < 0.7
          ? { accountId: pick(accounts), policyType: type(), resolveNames: true }
          : { ouId: pick(ous), policyType: type(), resolveNames: true },
      ]);
    } else if (r < 0.55) calls.push(["get_scp_detail", { policyId: pick(policies) }]);
    else if (r < 0.65) calls.push(["get_scp_targets", { policyId: pick(policies) }]);
    else if (r < 0.72) calls.push(["list_scp_policies", { policyType: type() }]);
    else if (r < 0.8) calls.push(["lint_scp_policy", { policyId: pick(policies) }]);
    else if (r < 0.92) {
      const account = pick(accounts);
      calls.push([
        "analyze_error_log",
        {
          text: `User: arn:aws:sts::${account}:assumed-role/app/s is not authorized to perform: ${pick(ACTIONS)} on resource: * with an explicit deny in a service control policy`,
          region: pick(REGIONS),
        },
      ]);
    } else calls.push(["compare_scp_config", { baseline: baseline() }]);
  }
  return calls;
}

/** Decisions in an answer: simulate results, and the simulations inside a log analysis. */
function decisions(data: any): string[] {
  const out: string[] = [];
  for (const r of data?.results ?? []) out.push(String(r.decision));
  for (const d of data?.denials ?? []) out.push(d.evaluated ? String(d.decision) : "unknown");
  return out;
}

/** The answer without what differs between two reads of the same data: when the baseline was loaded. */
const comparable = (data: unknown): string =>
  JSON.stringify(data, (key, value: unknown) => (key === "loadedAt" ? undefined : value));

describe(`AWS faults: ${CALLS} tool calls, 20 % throttling, 5 % 500s, 2 % dropped connections, spikes${FULL ? " (full run)" : ""}`, () => {
  it(
    "answers as without faults, or with a clear retryable error; never a wrong answer, never a wrong allowed",
    async () => {
      const calls = plan(CALLS, FULL ? 2024 : 7);
      const counts = {
        same: 0,
        retryableError: 0,
        reportedUnknown: 0,
        partialRetryable: 0,
        wrong: 0,
        wrongAllowed: 0,
      };
      const wrong: string[] = [];
      const perTool: Record<string, number> = {};
      const started = performance.now();
      const check = async ([name, args]: [string, Record<string, unknown>]): Promise<void> => {
        perTool[name] = (perTool[name] ?? 0) + 1;
        const reference = await callTool(cleanClient, name, args);
        expect(reference.result.isError, `${name} failed without faults: ${reference.text}`).toBeFalsy();
        const answer = await callTool(faultyClient, name, args);
        if (answer.result.isError) {
          if (/temporary|retry/i.test(answer.text) && !/internal error/i.test(answer.text))
            counts.retryableError++;
          else {
            counts.wrong++;
            wrong.push(`${name} ${JSON.stringify(args).slice(0, 120)}: unclear error ${answer.text}`);
          }
          return;
        }
        const expected = decisions(reference.data);
        const actual = decisions(answer.data);
        if (actual.some((d, i) => d === "allowed" && expected[i] !== "allowed")) counts.wrongAllowed++;
        if (comparable(answer.data) === comparable(reference.data)) {
          counts.same++;
          return;
        }
        // A log analysis may leave a denial unevaluated when its chain could not be read: that is
        // an "unknown", acceptable only where everything else is the same and it claims no decision.
        if (name === "analyze_error_log" && actual.every((d, i) => d === expected[i] || d === "unknown")) {
          const strip = (data: any) =>
            JSON.stringify((data?.denials ?? []).map((d: any) => d.facts)) + JSON.stringify(data?.counts);
          if (strip(answer.data) === strip(reference.data) && actual.includes("unknown")) {
            counts.reportedUnknown++;
            return;
          }
          // The denial is found and decided as without faults, but the fixes could not be worked out
          // (a read failed every attempt): acceptable when the answer says so and that it is temporary.
          const withoutRemediation = (data: any) =>
            JSON.stringify(
              (data?.denials ?? []).map((d: any) => ({
                ...d,
                remediation: [],
                scp: { ...d.scp, warnings: [] },
              })),
            );
          const saysRetry = (answer.data?.denials ?? []).every(
            (d: any, i: number) =>
              JSON.stringify(d.remediation) === JSON.stringify(reference.data?.denials?.[i]?.remediation) ||
              (d.remediation.length === 0 &&
                d.scp.warnings.some((w: string) =>
                  /^remediation could not be worked out: .*(try again|retry)/i.test(w),
                )),
          );
          if (
            saysRetry &&
            withoutRemediation(answer.data) === withoutRemediation(reference.data) &&
            JSON.stringify(answer.data?.counts) === JSON.stringify(reference.data?.counts)
          ) {
            counts.partialRetryable++;
            return;
          }
        }
        counts.wrong++;
        wrong.push(
          `${name} ${JSON.stringify(args).slice(0, 120)}:\n  expected ${comparable(reference.data).slice(0, 600)}\n  actual   ${comparable(answer.data).slice(0, 600)}`,
        );
      };
      // A few calls in flight at once, as several developers would send them.
      let next = 0;
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (next < calls.length) await check(calls[next++]!);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const stats = faulty.stats();
      report("faults", {
        calls: calls.length,
        seconds: round(seconds),
        ...counts,
        perTool,
        fakeRequests: stats.organizationsCalls,
        injected: { throttled: stats.throttled, serverErrors: stats.serverErrors, dropped: stats.dropped },
        injectedShare: round(
          ((stats.throttled + stats.serverErrors + stats.dropped) / stats.organizationsCalls) * 100,
        ),
        cleanRequests: clean.stats().organizationsCalls,
      });
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(counts.wrongAllowed).toBe(0);
      expect(counts.same).toBeGreaterThan(calls.length / 2);
      // The faults really happened, at about the configured rates.
      expect(stats.throttled).toBeGreaterThan(0);
      expect(stats.serverErrors).toBeGreaterThan(0);
      expect(stats.dropped).toBeGreaterThan(0);
      // Failures are logged, but never with the AWS credentials the client signed with.
      const logs = [...cleanHarness.logger.lines, ...faultyHarness.logger.lines].join("\n");
      expect(logs.length).toBeGreaterThan(0);
      expect(logs).not.toContain(FAKE_CREDENTIALS.secretAccessKey);
      expect(logs).not.toContain(FAKE_CREDENTIALS.accessKeyId);
    },
    FULL ? 1_800_000 : 120_000,
  );

  it("reports a chain whose level cannot be read as an error, never as allowed", async () => {
    const account = index.deepestAccount();
    // Every attempt at the account's own level fails: the SDK's retries run out.
    faulty.configure({ faults: {} });
    const sim = { accountId: account, actions: ["s3:GetObject"], includeRcps: false };
    const reference = await callTool(cleanClient, "simulate_scp_request", sim);
    expect(reference.result.isError).toBeFalsy();
    faulty.failNext("ListPoliciesForTarget", "server-error", 1_000);
    const answer = await callTool(faultyClient, "simulate_scp_request", sim);
    expect(answer.result.isError).toBe(true);
    expect(answer.text).toMatch(/ListPoliciesForTarget/);
    expect(answer.text).toMatch(/temporary|retry/i);
    expect(JSON.stringify(answer.result)).not.toMatch(/"allowed"/);

    const log = `User: arn:aws:sts::${account}:assumed-role/app/s is not authorized to perform: s3:GetObject on resource: * because no service control policy allows the s3:GetObject action`;
    const analysis = await callTool(faultyClient, "analyze_error_log", { text: log });
    expect(analysis.result.isError).toBeFalsy();
    expect(analysis.data?.denials).toHaveLength(1);
    expect(analysis.data?.denials[0]).toMatchObject({ evaluated: false, decision: null, scp: null });
    expect(analysis.data?.denials[0].notEvaluatedReason).toMatch(/ListPoliciesForTarget/);
    faulty.reset();
    faulty.configure({ faults: { ...FAULTS, seed: 3 } });
  }, 60_000);

  it("never counts the management account as affected by drift because it could not be identified", async () => {
    faulty.configure({ faults: {} });
    faulty.reset();
    // A baseline whose root policy differs: the finding reaches every account of the organization.
    const root = snapshot.roots[0]!.id;
    const atRoot = snapshot.policies.find(
      (p) => p.type === "SERVICE_CONTROL_POLICY" && p.targetIds.includes(root),
    )!;
    const args = {
      baseline: {
        formatVersion: 1,
        policies: [
          {
            name: atRoot.name,
            type: atRoot.type,
            content: {
              Version: "2012-10-17",
              Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
            },
            targets: atRoot.targetIds,
          },
        ],
        options: { reportUnexpectedPolicies: false },
      },
    };
    const reference = await callTool(cleanClient, "compare_scp_config", args);
    expect(reference.result.isError).toBeFalsy();
    expect(reference.data?.findings.length).toBeGreaterThan(0);
    faulty.failNext("DescribeOrganization", "server-error", 1_000);
    const answer = await callTool(faultyClient, "compare_scp_config", args);
    if (answer.result.isError) expect(answer.text).toMatch(/temporar|retry/i);
    else expect(comparable(answer.data)).toBe(comparable(reference.data));
    faulty.reset();
    faulty.configure({ faults: { ...FAULTS, seed: 3 } });
  }, 60_000);
});
