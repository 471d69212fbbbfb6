/**
 * The "hostile" scenario (issue 15): each case of the issue at the largest input the limits allow,
 * and just over them, sent to the bundled server (demo organization) as a hostile client would. For
 * each: the call's time, /healthz and ping latency during it (probed from another process), the
 * server's peak RSS and the answer's bytes. Each case runs in a fresh server, so the peak is its own.
 *
 * Each figure has a reference measured on the same server just before the case (machines are shared
 * and noisy): the same tool on a small input (its second call: the first compiles and loads), the
 * largest /healthz latency in the idle second before the call, and the server's RSS then.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { MAX_LOG_CHARS, MAX_LOG_EVENTS } from "../../src/logs/limits.js";
import {
  MAX_BASELINE_POLICIES,
  MAX_CONTEXT_CHARS,
  MAX_CONTEXT_KEYS,
  MAX_DOCUMENT_CHARS,
  MAX_ELEMENT_ENTRIES,
  MAX_POLICY_TARGETS,
  MAX_SIMULATED_ACTIONS,
} from "../../src/policy/limits.js";
import { freePort, percentile, postMcp, rssMb, startChild, waitForHealth } from "./processes.js";

export interface HostileCase {
  name: string;
  /** What the issue measured, or what the case checks. */
  about: string;
  expect: "answered" | "refused";
  tool: string;
  /** The arguments, or several for calls sent at once. */
  args: () => Record<string, unknown>[];
  /** A body sent as is instead of a tools/call (bodies no tool call makes). */
  rawBody?: () => string;
}

export interface HostileResult {
  name: string;
  about: string;
  expected: HostileCase["expect"];
  outcome: "answered" | "refused" | "error";
  message: string;
  inputBytes: number;
  callMs: number;
  healthzP99Ms: number;
  healthzMaxMs: number;
  pingMaxMs: number;
  /** Probes answered during the call. */
  probes: number;
  /** /healthz's largest latency in the second before the call, the same server idle: the machine's noise. */
  idleHealthzMaxMs: number;
  /** The same tool on a small input, on the same server just before (its second call). */
  referenceCallMs: number;
  /** The server's RSS after initialize and the reference calls, before the case. */
  idleRssMb: number;
  peakRssMb: number;
  answerBytes: number;
}

// --- Inputs ---

const doc = (statements: unknown[]): Record<string, unknown> => ({
  Version: "2012-10-17",
  Statement: statements,
});

/** Statements of MAX_ELEMENT_ENTRIES distinct unknown EC2 actions each, as many as fit the size limit. */
function unknownActionsDocument(): Record<string, unknown> {
  const statements: unknown[] = [];
  for (let s = 0; ; s++) {
    const st = {
      Effect: "Deny",
      Action: Array.from({ length: MAX_ELEMENT_ENTRIES }, (_, i) => `ec2:DescribeInstancez${s}x${i}`),
      Resource: "*",
    };
    if (JSON.stringify(doc([...statements, st])).length > MAX_DOCUMENT_CHARS) {
      // Fill the rest with a shorter statement.
      const room = MAX_DOCUMENT_CHARS - JSON.stringify(doc(statements)).length - 60;
      const n = Math.floor(room / 27);
      if (n > 0)
        statements.push({
          Effect: "Deny",
          Action: Array.from({ length: n }, (_, i) => `ec2:DescribeInstanc${i}z`),
          Resource: "*",
        });
      return doc(statements);
    }
    statements.push(st);
  }
}

/** Statements that each break many rules, as many as fit the size limit. */
function findingsHeavyDocument(): Record<string, unknown> {
  const statements: unknown[] = [];
  for (let i = 0; ; i++) {
    const st = {
      Sid: `S${i}`,
      Effect: "Deny",
      NotAction: ["iam:*", "s3:Get*"],
      Resource: `arn:AWS:s3:::b${i}/*`,
      Condition: {
        StringEquals: { "aws:PrincipalArn": `arn:aws:sts::111111111111:assumed-role/r${i}/s*` },
        "ForAllValues:StringLike": { "aws:TagKeys": "t*" },
        Bool: { "aws:MultiFactorAuthPresent": "false" },
        StringNotEquals: { "aws:RequestedRegion": "eu-west-1" },
      },
    };
    if (JSON.stringify(doc([...statements, st])).length > MAX_DOCUMENT_CHARS) return doc(statements);
    statements.push(st);
  }
}

/** A context at every limit: MAX_CONTEXT_KEYS keys, MAX_CONTEXT_CHARS characters, echoed by the policies' conditions. */
function largestContext(): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  const arns = Array.from({ length: 90 }, (_, i) => `arn:aws:iam::230000000001:role/${"r".repeat(150)}${i}`);
  context["aws:PrincipalArn"] = arns;
  let chars = "aws:PrincipalArn".length + arns.join("").length;
  for (let i = 1; i < MAX_CONTEXT_KEYS; i++) {
    const key = `aws:PrincipalTag/t${i}`;
    const room = Math.floor((MAX_CONTEXT_CHARS - chars) / (MAX_CONTEXT_KEYS - i)) - key.length;
    const value = "v".repeat(Math.max(1, room));
    context[key] = value;
    chars += key.length + value.length;
  }
  return context;
}

const SIM_ACTIONS = [
  "iam:CreateUser",
  "guardduty:DeleteDetector",
  "s3:GetObject",
  "ec2:RunInstances",
  "organizations:LeaveOrganization",
  "cloudtrail:StopLogging",
  "kms:ScheduleKeyDeletion",
  "cloudfront:CreateDistribution",
  "config:DeleteConfigRule",
  "ec2:DisableEbsEncryptionByDefault",
];

const denial = (i: number): string =>
  `User: arn:aws:iam::230000000001:user/u${i} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k${i} with an explicit deny in a service control policy\n`;

/** Repeat `unit(i)` up to `chars` characters (an empty unit ends it early). */
function repeatTo(chars: number, unit: (i: number) => string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; ; i++) {
    const u = unit(i);
    if (u === "" || size + u.length > chars) break;
    parts.push(u);
    size += u.length;
  }
  return parts.join("");
}

const DEMO_NAMES = [
  "FullAWSAccess",
  "DenyLeaveOrganization",
  "DenyRootUser",
  "ProtectSecurityServices",
  "DenyRegionsOutsideEU",
];

function baseline(
  policies: number,
  targetsEach: number,
  name: (i: number) => string,
  target: (j: number) => string,
) {
  return {
    formatVersion: 1,
    policies: Array.from({ length: policies }, (_, i) => ({
      name: name(i),
      content: doc([{ Effect: "Deny", Action: ["s3:DeleteBucket", "iam:CreateUser"], Resource: "*" }]),
      targets: Array.from({ length: targetsEach }, (_, j) => target(j)),
    })),
  };
}

/** A small input of each tool: the reference call a case is compared with. */
const REFERENCE_ARGS: Record<string, Record<string, unknown>> = {
  lint_scp_policy: {
    document: doc([{ Effect: "Deny", Action: ["ec2:DescribeInstancez", "s3:GetObject"], Resource: "*" }]),
  },
  simulate_scp_request: { accountId: "230000000001", region: "us-east-1", actions: ["s3:GetObject"] },
  analyze_error_log: { text: denial(0) },
  compare_scp_config: {
    baseline: baseline(
      1,
      1,
      () => "FullAWSAccess",
      () => "Root",
    ),
  },
};

export const HOSTILE_CASES: HostileCase[] = [
  {
    name: "lint: 200,000-character document of unknown actions (text)",
    about: "6,000 unknown actions took 40 s, /healthz blocked",
    expect: "answered",
    tool: "lint_scp_policy",
    args: () => [{ document: JSON.stringify(unknownActionsDocument()) }],
  },
  {
    name: "lint: the same as a JSON object",
    about: "an object skipped the size limit: 8,000 entries took 42 s",
    expect: "answered",
    tool: "lint_scp_policy",
    args: () => [{ document: unknownActionsDocument() }],
  },
  {
    name: "lint: 200,000 characters of statements that break many rules",
    about: "a 400-statement draft answered 548 KB",
    expect: "answered",
    tool: "lint_scp_policy",
    args: () => [{ document: JSON.stringify(findingsHeavyDocument()) }],
  },
  {
    name: `lint: an Action of ${MAX_ELEMENT_ENTRIES + 1} entries`,
    about: "just over the entries limit",
    expect: "refused",
    tool: "lint_scp_policy",
    args: () => [
      {
        document: doc([
          {
            Effect: "Deny",
            Action: Array.from({ length: MAX_ELEMENT_ENTRIES + 1 }, (_, i) => `s3:A${i}`),
            Resource: "*",
          },
        ]),
      },
    ],
  },
  {
    name: `simulate: ${MAX_SIMULATED_ACTIONS} actions, context at every limit`,
    about: "50 actions answered 215 KB",
    expect: "answered",
    tool: "simulate_scp_request",
    args: () => [
      {
        accountId: "230000000001",
        region: "us-east-1",
        actions: Array.from({ length: MAX_SIMULATED_ACTIONS }, (_, i) => SIM_ACTIONS[i % SIM_ACTIONS.length]),
        context: largestContext(),
      },
    ],
  },
  {
    name: `simulate: a context of ${MAX_CONTEXT_KEYS + 1} keys`,
    about: "just over the keys limit",
    expect: "refused",
    tool: "simulate_scp_request",
    args: () => [
      {
        accountId: "230000000001",
        actions: ["s3:GetObject"],
        context: Object.fromEntries(
          Array.from({ length: MAX_CONTEXT_KEYS + 1 }, (_, i) => [`aws:PrincipalTag/t${i}`, "v"]),
        ),
      },
    ],
  },
  {
    name: "simulate: 50 actions, a context of 400,000 keys (11 MB)",
    about: "blocked the server 144 s at 2.86 GB",
    expect: "refused",
    tool: "simulate_scp_request",
    args: () => [
      {
        accountId: "230000000001",
        actions: Array.from({ length: 50 }, (_, i) => SIM_ACTIONS[i % SIM_ACTIONS.length]),
        context: Object.fromEntries(
          Array.from({ length: 400_000 }, (_, i) => [`aws:PrincipalTag/k${i}`, "value"]),
        ),
      },
    ],
  },
  {
    name: "analyze: 8,000,000 characters of `is not authorized to perform `",
    about: "16 MB took 22 s, /healthz blocked",
    expect: "answered",
    tool: "analyze_error_log",
    args: () => [{ text: repeatTo(MAX_LOG_CHARS, () => "is not authorized to perform ") }],
  },
  {
    name: "analyze: four 2,000,000-character pastes of the phrase at once",
    about: "four 4 MB requests in a row took 19.7 s",
    expect: "answered",
    tool: "analyze_error_log",
    args: () => {
      const text = repeatTo(MAX_LOG_CHARS / 4, () => "is not authorized to perform ");
      return [{ text }, { text }, { text }, { text }];
    },
  },
  {
    name: "analyze: 8,000,000 characters of malformed CloudTrail-like lines",
    about: "16 MB answered 175.6 MB with 500,001 warnings, 1.74 GB peak",
    expect: "answered",
    tool: "analyze_error_log",
    args: () => [{ text: repeatTo(MAX_LOG_CHARS, () => '{"eventName":"x" "eventSource":1}\n') }],
  },
  {
    name: `analyze: ${MAX_LOG_EVENTS.toLocaleString("en-US")} distinct denials (the events limit)`,
    about: "15.5 MB of distinct denials answered 120.8 MB",
    expect: "answered",
    tool: "analyze_error_log",
    args: () => [{ text: repeatTo(MAX_LOG_CHARS, (i) => (i < MAX_LOG_EVENTS ? denial(i) : "")) }],
  },
  {
    name: "analyze: 8,000,000 characters of distinct denials",
    about: "over the events limit",
    expect: "refused",
    tool: "analyze_error_log",
    args: () => [{ text: repeatTo(MAX_LOG_CHARS, denial) }],
  },
  {
    name: "analyze: 16,000,000 characters of the phrase",
    about: "over the size limit, within the body limit",
    expect: "refused",
    tool: "analyze_error_log",
    args: () => [{ text: repeatTo(2 * MAX_LOG_CHARS, () => "is not authorized to perform ") }],
  },
  {
    name: `compare: a baseline of ${MAX_BASELINE_POLICIES.toLocaleString("en-US")} policies and 10,000 targets (text)`,
    about: "the policies and targets limits",
    expect: "answered",
    tool: "compare_scp_config",
    args: () => [
      {
        baseline: JSON.stringify(
          baseline(
            MAX_BASELINE_POLICIES,
            10,
            (i) => `P${i}`,
            (j) => `Root/Workloads/X${j}`,
          ),
        ),
      },
    ],
  },
  {
    name: `compare: 5 demo policies of ${MAX_POLICY_TARGETS.toLocaleString("en-US")} targets (Root/** and exclusions)`,
    about: "target resolution at the per-policy limit",
    expect: "answered",
    tool: "compare_scp_config",
    args: () => [
      {
        baseline: baseline(
          5,
          MAX_POLICY_TARGETS,
          (i) => DEMO_NAMES[i] as string,
          (j) => (j % 2 ? "Root/**" : "!Root/Sandbox"),
        ),
      },
    ],
  },
  {
    name: "compare: a baseline object of 100,000 targets",
    about: "took 3.1 s",
    expect: "refused",
    tool: "compare_scp_config",
    args: () => [
      {
        baseline: baseline(
          100,
          1_000,
          (i) => `P${i}`,
          () => "Root/**",
        ),
      },
    ],
  },
  {
    name: "body: 16 MB of tiny JSON values",
    about: "its JSON.parse alone held the event loop 2 s",
    expect: "refused",
    tool: "lint_scp_policy",
    args: () => [],
    rawBody: () =>
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lint_scp_policy","arguments":{"document":{"Statement":[${"[],".repeat(5_500_000)}[]]}}}}`,
  },
  {
    name: "body: 10 MB of tiny JSON values (within the body limit)",
    about: "the values limit, on the worker thread",
    expect: "refused",
    tool: "lint_scp_policy",
    args: () => [],
    rawBody: () =>
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lint_scp_policy","arguments":{"document":{"Statement":[${"[],".repeat(3_450_000)}[]]}}}}`,
  },
  {
    name: "simulate: a context of 300,000 keys (within the body limit)",
    about: "the members limit, before any tool reads it",
    expect: "refused",
    tool: "simulate_scp_request",
    args: () => [
      {
        accountId: "230000000001",
        actions: ["s3:GetObject"],
        context: Object.fromEntries(
          Array.from({ length: 300_000 }, (_, i) => [`aws:PrincipalTag/k${i}`, "v"]),
        ),
      },
    ],
  },
];

// --- Running a case ---

function callBody(tool: string, args: Record<string, unknown>, id: number): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: tool, arguments: args },
  });
}

/** Answered, refused (an isError result or a JSON-RPC error naming the problem) or an error. */
function classify(status: number, text: string): { outcome: HostileResult["outcome"]; message: string } {
  let body: { result?: { isError?: boolean; content?: { text?: string }[] }; error?: { message?: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { outcome: "error", message: `HTTP ${status}: ${text.slice(0, 160)}` };
  }
  if (body.error)
    return {
      outcome: status >= 500 ? "error" : "refused",
      message: `HTTP ${status}: ${body.error.message ?? ""}`,
    };
  const first = body.result?.content?.[0]?.text ?? "";
  if (body.result?.isError)
    return { outcome: /Internal error/.test(first) ? "error" : "refused", message: first };
  return { outcome: "answered", message: first.split("\n")[0] ?? "" };
}

/** The process's peak resident set (VmHWM), worker threads included. */
function peakRssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** The largest finite value, NaN when there is none (no probe fell within a very short call). */
const maxOf = (values: readonly number[]): number => {
  const finite = values.filter(Number.isFinite);
  return finite.length > 0 ? Math.max(...finite) : Number.NaN;
};

type Probes = { healthz: [number, number][]; ping: [number, number][] };

function startProber(port: number): { stop: () => Promise<Probes> } {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/lib/health-prober.ts", String(port)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    stop: async () => {
      child.stdin.end();
      await exited;
      return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Probes;
    },
  };
}

export async function runHostileCase(
  server: string,
  c: HostileCase,
  log: (m: string) => void,
): Promise<HostileResult> {
  const bodies = c.rawBody
    ? [Buffer.from(c.rawBody())]
    : c.args().map((a, i) => Buffer.from(callBody(c.tool, a, 10 + i)));
  const port = await freePort();
  const child = startChild(
    [server],
    { HOST: "127.0.0.1", PORT: String(port), NODE_NO_WARNINGS: "1" },
    { keepOutput: false },
  );
  try {
    await waitForHealth(child, port);
    // What a session does first, so the case measures the hostile call, not the first use of the tool.
    await postMcp(
      port,
      Buffer.from(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "bench", version: "1" },
          },
        }),
      ),
    );
    // The reference: the same tool on a small input, twice (the first call compiles and loads).
    const referenceBody = Buffer.from(callBody(c.tool, REFERENCE_ARGS[c.tool] ?? {}, 2));
    await postMcp(port, referenceBody);
    const referenceCallMs = (await postMcp(port, referenceBody)).ms;
    const idleRssMb = rssMb(child.process.pid);
    const prober = startProber(port);
    await new Promise((r) => setTimeout(r, 2500)); // the prober's tsx start, then a quiet second
    const from = Date.now();
    const started = performance.now();
    const answers = await Promise.all(bodies.map((b) => postMcp(port, b)));
    const callMs = performance.now() - started;
    const to = Date.now();
    await new Promise((r) => setTimeout(r, 200));
    const all = await prober.stop();
    const during = (p: [number, number][]): number[] =>
      p.filter(([at]) => at >= from && at <= to).map(([, ms]) => ms);
    const idle = all.healthz.filter(([at]) => at >= from - 1000 && at < from).map(([, ms]) => ms);
    const probes = { healthz: during(all.healthz), ping: during(all.ping) };
    const rss = peakRssMb(child.process.pid);
    const classified = answers.map((a) => classify(a.status, a.body));
    const worst =
      classified.find((x) => x.outcome === "error") ??
      classified.find((x) => x.outcome === "refused") ??
      classified[0];
    const healthz = probes.healthz.filter(Number.isFinite).sort((a, b) => a - b);
    const result: HostileResult = {
      name: c.name,
      about: c.about,
      expected: c.expect,
      outcome: worst?.outcome ?? "error",
      message: (worst?.message ?? "").slice(0, 200),
      inputBytes: bodies.reduce((n, b) => n + b.length, 0),
      callMs,
      healthzP99Ms: percentile(healthz, 99),
      healthzMaxMs: healthz.at(-1) ?? Number.NaN,
      pingMaxMs: maxOf(probes.ping),
      probes: probes.healthz.length,
      idleHealthzMaxMs: maxOf(idle),
      referenceCallMs,
      idleRssMb,
      peakRssMb: rss,
      answerBytes: Math.max(...answers.map((a) => Buffer.byteLength(a.body))),
    };
    log(
      `${c.name}: ${result.outcome} in ${Math.round(callMs)} ms (reference ${referenceCallMs.toFixed(1)} ms); /healthz p99 ${result.healthzP99Ms.toFixed(1)} max ${result.healthzMaxMs.toFixed(1)} ms (idle max ${result.idleHealthzMaxMs.toFixed(1)}), ping max ${result.pingMaxMs.toFixed(1)} ms; peak RSS ${Math.round(rss)} MB (idle ${Math.round(idleRssMb)}); answer ${result.answerBytes} B; ${result.message.slice(0, 100)}`,
    );
    return result;
  } finally {
    await child.stop();
  }
}
