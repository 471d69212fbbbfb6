/**
 * MCP requests over the demo organization whose answers must not depend on how the server runs:
 * the production bundle must answer them as the source does (test/bundle.test.ts). Every tool with
 * arguments that validate, the errors the tools give, arguments the SDK refuses, envelopes that are
 * not plain tool calls, and the headers the SDK transport checks.
 */
export const call = (
  name: unknown,
  args?: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  jsonrpc: "2.0",
  id: 7,
  method: "tools/call",
  params: { name, ...(args === undefined ? {} : { arguments: args }) },
  ...extra,
});

export const JSON_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

export interface Case {
  what: string;
  body: unknown;
  headers?: Record<string, string>;
}

const withHeaders = (what: string, headers: Record<string, string>): Case => ({
  what,
  body: call("list_scp_policies", {}),
  headers,
});

/**
 * One call of every tool, with arguments that validate against the demo organization: what a session
 * might send first (bench/run.ts times it), and answers an MCP client checks against the advertised
 * output schemas (test/output-check.test.ts).
 */
export const DEMO_TOOL_CALLS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["get_effective_scps", { accountId: "230000000003" }],
  ["list_scp_policies", {}],
  ["get_scp_detail", { policyId: "p-regiondeny1" }],
  ["get_scp_targets", { policyId: "p-regiondeny1" }],
  ["lint_scp_policy", { policyId: "p-regiondeny1" }],
  ["compare_scp_config", {}],
  ["simulate_scp_request", { accountId: "230000000001", actions: ["ec2:RunInstances"], region: "us-east-1" }],
  [
    "analyze_error_log",
    {
      text: "User: arn:aws:sts::230000000001:assumed-role/app-deployer/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:230000000001:instance/* with an explicit deny in a service control policy",
    },
  ],
  ["get_server_status", {}],
  [
    "preview_policy_change",
    { change: { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-dev00000" } },
  ],
];

export const CASES: Case[] = [
  // Every tool with arguments that validate, but get_server_status: its answer carries the clock.
  ...DEMO_TOOL_CALLS.filter(([name]) => name !== "get_server_status").map(([name, args]): Case => ({
    what: name,
    body: call(name, args),
  })),
  {
    what: "get_effective_scps for an OU",
    body: call("get_effective_scps", { ouId: "ou-a1b2-dev00000" }),
  },
  { what: "list_scp_policies without arguments", body: call("list_scp_policies") },
  {
    what: "simulate_scp_request with a principal, a resource and context",
    body: call("simulate_scp_request", {
      accountId: "230000000001",
      actions: ["ec2:RunInstances"],
      region: "us-east-1",
      principalArn: "arn:aws:iam::230000000001:role/app-deployer",
      resource: "arn:aws:ec2:us-east-1:230000000001:instance/*",
      context: { "aws:RequestTag/CostCenter": "cc-1", "ec2:MetadataHttpTokens": "required" },
    }),
  },
  // Work on the worker thread (src/offload): a large document, a large body with a long paste.
  {
    what: "lint_scp_policy of a document large enough for the worker thread",
    body: call("lint_scp_policy", {
      document: JSON.stringify({
        Version: "2012-10-17",
        Statement: Array.from({ length: 300 }, (_, i) => ({
          Sid: `S${i}`,
          Effect: "Deny",
          Action: [`ec2:DescribeInstancez${i}`, "s3:GetObjekt", "iam:*"],
          Resource: `arn:AWS:s3:::b${i}/*`,
          Condition: {
            StringEquals: { "aws:PrincipalArn": `arn:aws:sts::111111111111:assumed-role/r${i}/s` },
          },
        })),
      }),
    }),
  },
  {
    what: "analyze_error_log of a paste in a body large enough for the worker thread",
    body: call("analyze_error_log", {
      text:
        "2026-11-20T10:00:00Z INFO request completed in 12 ms path=/healthz status=200\n".repeat(4_000) +
        "User: arn:aws:sts::230000000001:assumed-role/app-deployer/s is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::230000000001:user/x with an explicit deny in a service control policy\n",
    }),
  },
  // Errors the tools give themselves.
  { what: "a refine failure", body: call("get_effective_scps", {}) },
  { what: "an unknown policy", body: call("get_scp_detail", { policyId: "p-zzzzzzzzzz" }) },
  {
    what: "an account outside the organization",
    body: call("get_effective_scps", { accountId: "999999999999" }),
  },
  // Arguments that do not validate: the SDK's own message.
  { what: "a malformed account id", body: call("get_effective_scps", { accountId: "12345" }) },
  { what: "a wrong argument type", body: call("get_scp_detail", { policyId: 42 }) },
  // Envelopes other than a plain tool call.
  { what: "an unknown tool", body: call("no_such_tool", {}) },
  { what: "a tool name that is not a string", body: call(5, {}) },
  { what: "arguments that are an array", body: call("list_scp_policies", []) },
  { what: "a string id", body: { ...call("list_scp_policies", {}), id: "abc" } },
  { what: "a fractional id", body: { ...call("list_scp_policies", {}), id: 1.5 } },
  { what: "a null id", body: { ...call("list_scp_policies", {}), id: null } },
  {
    what: "a wrong jsonrpc version",
    body: { ...call("list_scp_policies", {}), jsonrpc: "1.0" },
  },
  { what: "an extra envelope member", body: call("list_scp_policies", {}, { extra: true }) },
  {
    // A progress token from a client that reads event streams asks for progress as it happens:
    // the SDK's transport answers it as a stream (src/http/app.ts).
    what: "a progress token",
    body: {
      ...call("list_scp_policies", {}),
      params: { name: "list_scp_policies", arguments: {}, _meta: { progressToken: "t-1" } },
    },
  },
  {
    what: "other _meta",
    body: {
      ...call("list_scp_policies", {}),
      params: { name: "list_scp_policies", arguments: {}, _meta: { "example.com/x": 1 } },
    },
  },
  {
    what: "a task-augmented call",
    body: { ...call("list_scp_policies", {}), params: { name: "list_scp_policies", task: { ttl: 1000 } } },
  },
  { what: "a notification", body: { jsonrpc: "2.0", method: "notifications/initialized" } },
  { what: "tools/list", body: { jsonrpc: "2.0", id: 3, method: "tools/list" } },
  // Headers the SDK transport checks, on a plain list_scp_policies call.
  withHeaders("Accept: application/json only", { accept: "application/json" }),
  withHeaders("Accept: */*", { accept: "*/*" }),
  withHeaders("Accept: text/event-stream only", { accept: "text/event-stream" }),
  withHeaders("Accept: text/html", { accept: "text/html" }),
  withHeaders("Content-Type with a charset", { "content-type": "application/json; charset=utf-8" }),
  withHeaders("Content-Type: text/plain", { "content-type": "text/plain" }),
  withHeaders("a supported protocol version", { "mcp-protocol-version": "2025-06-18" }),
  withHeaders("an unsupported protocol version", { "mcp-protocol-version": "1999-01-01" }),
];

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** POSTs one case to an MCP endpoint and reads its status, headers and body. */
export async function postCase(
  fetchFn: (input: string, init: RequestInit) => Promise<Response>,
  url: string,
  c: Case,
): Promise<Answer> {
  const res = await fetchFn(url, {
    method: "POST",
    // A fixed request id, so both answers carry the same x-request-id.
    headers: { ...JSON_HEADERS, "x-request-id": "diff-1", ...c.headers },
    body: JSON.stringify(c.body),
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: res.status, headers, body: await res.text() };
}

/** Uptime and timestamps (get_server_status, a baseline's loadedAt) differ between two servers. */
export function clockless(answer: Answer): Answer {
  return {
    ...answer,
    body: answer.body
      .replace(/"uptimeSeconds":[\d.]+/g, '"uptimeSeconds":0')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "T"),
  };
}
