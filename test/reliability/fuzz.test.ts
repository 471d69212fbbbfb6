/**
 * Hostile input at POST /mcp, generated with fast-check: broken JSON, wrong JSON-RPC envelopes,
 * batches, wrong argument types, huge strings, deep nesting, unicode, __proto__/constructor keys,
 * ids of the wrong format, oversized bodies, wrong media types. Every answer must be a JSON-RPC
 * error, an `isError` tool result naming the problem, or (for input that happens to be valid) a
 * normal answer; never a 5xx, an internal error, a thrown exception or a polluted prototype, and
 * the heap must not grow across the run.
 *
 * In-process (the real Hono app and MCP server, demo organization), so 20,000 requests take
 * seconds and Object.prototype can be inspected; the process-level limits (header size, timeouts,
 * slow uploads) are in slow-clients.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/config/env.js";
import { createApp } from "../../src/http/app.js";
import { createLogger } from "../../src/logging/logger.js";
import { TOOLS as REGISTERED_TOOLS } from "../../src/mcp/tools/index.js";
import type { RuntimeState } from "../../src/runtime.js";
import { startUp } from "../../src/startup.js";
import { FULL, report, round, settledHeapMb, size } from "./helpers.js";

const MAX_BODY = 256 * 1024;
const RUNS = size(20_000, 800);

// Every registered tool: one added later is fuzzed too.
const TOOLS = REGISTERED_TOOLS.map((t) => t.name);
const FIELDS = [
  "accountId",
  "ouId",
  "policyId",
  "policyType",
  "actions",
  "resource",
  "principalArn",
  "region",
  "context",
  "text",
  "document",
  "baseline",
  "scopeId",
  "policy",
  "nameContains",
  "refresh",
  "resolveNames",
  "limits",
  "minSeverity",
  "includeRcps",
  "resourceAccountId",
];
const METHODS = [
  "initialize",
  "tools/list",
  "tools/call",
  "ping",
  "notifications/initialized",
  "resources/list",
  "prompts/get",
  "logging/setLevel",
  "completion/complete",
  "$/cancel",
  "rpc.discover",
];

// Ids that look almost right: the validators must name what is wrong, not crash or match loosely.
const wrongIds = fc.oneof(
  fc.constantFrom(
    "24000000000",
    "2400000000011",
    " 240000000001",
    "240000000001\n",
    "２４００００００００01",
    "240000000001' OR '1'='1",
    "ou-a1b2-nonprod",
    "OU-A1B2-NONPROD0",
    "ou-a1b2-nonprod0/../prod0000",
    "r-",
    "r-A1B2",
    "p-",
    "p-../../etc/passwd",
    "p-FullAWSAccess\u0000",
    "arn:aws:organizations::111111111111:account/o-x/240000000001",
    "",
  ),
  fc.stringMatching(/^\d{1,20}$/),
  fc.stringMatching(/^(ou|r|p)-[\w.-]{0,40}$/),
);

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: "small" },
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.string({ unit: "grapheme", maxLength: 32 }),
  wrongIds,
  fc.double(),
  fc.constantFrom(null, true, false, 0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, [], {}),
);

const toolArguments = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(anyValue, wrongIds), { maxKeys: 5 }),
  anyValue,
);

const badId = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 16 }),
  fc.constantFrom(null, true, 1.5, -0, [], [1], {}, { id: 1 }, "x".repeat(10_000)),
);

const envelope = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant("2.0"), fc.constantFrom("1.0", "2", 2, null, "")),
    id: badId,
    method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 20 }), anyValue),
    params: fc.oneof(
      fc.record({ name: fc.oneof(fc.constantFrom(...TOOLS), anyValue), arguments: toolArguments }),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

const callOf = (name: unknown, args: unknown, id: unknown = 1): string =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

interface Case {
  kind: string;
  body: string;
  headers?: Record<string, string>;
}

const cases: fc.Arbitrary<Case> = fc.oneof(
  // Not JSON at all, or JSON cut short.
  fc.string({ unit: "binary", maxLength: 200 }).map((body) => ({ kind: "broken-json", body })),
  fc.tuple(envelope, fc.nat()).map(([e, n]) => {
    const text = JSON.stringify(e);
    return { kind: "truncated-json", body: text.slice(0, n % Math.max(1, text.length)) };
  }),
  // Wrong envelopes and batches.
  envelope.map((e) => ({ kind: "envelope", body: JSON.stringify(e) })),
  anyValue.map((v) => ({ kind: "bare-value", body: JSON.stringify(v) ?? "null" })),
  fc.array(envelope, { maxLength: 12 }).map((b) => ({ kind: "batch", body: JSON.stringify(b) })),
  // Well-formed tools/call with wrong argument types and ids of the wrong format.
  fc
    .tuple(fc.constantFrom(...TOOLS), toolArguments, badId)
    .map(([name, args, id]) => ({ kind: "tool-args", body: callOf(name, args, id) })),
  fc
    .tuple(fc.constantFrom(...TOOLS), fc.constantFrom("accountId", "ouId", "policyId", "scopeId"), wrongIds)
    .map(([name, field, id]) => ({ kind: "wrong-id", body: callOf(name, { [field]: id }) })),
  // Huge strings, within the body limit.
  fc
    .tuple(fc.constantFrom(...TOOLS), fc.constantFrom(...FIELDS), fc.integer({ min: 10_000, max: 200_000 }))
    .map(([name, field, n]) => ({ kind: "huge-string", body: callOf(name, { [field]: "é".repeat(n / 2) }) })),
  // Deep nesting, in the envelope and in the arguments.
  fc
    .tuple(
      fc.integer({ min: 100, max: 100_000 }),
      fc.constantFrom("[", "{"),
      fc.boolean(),
      fc.constantFrom(
        ["lint_scp_policy", "document"],
        ["compare_scp_config", "baseline"],
        ["simulate_scp_request", "context"],
        ["get_effective_scps", "accountId"],
      ),
    )
    .map(([depth, open, inArguments, [tool, field]]) => {
      const nested =
        open === "["
          ? "[".repeat(depth) + "]".repeat(depth)
          : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
      return {
        kind: "deep-nesting",
        body: inArguments
          ? `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool}","arguments":{"accountId":"240000000001","actions":["s3:GetObject"],"${field}":${nested}}}}`
          : nested,
      };
    }),
  // Unicode: lone surrogates, NUL, RTL and combining marks, escaped and raw.
  fc.tuple(fc.constantFrom(...TOOLS), fc.string({ unit: "grapheme", maxLength: 64 })).map(([name, s]) => ({
    kind: "unicode",
    body: callOf(name, { accountId: s, nameContains: `${s}\u202e\u0000`, text: `\ud800${s}\udfff` }),
  })),
  fc
    .constantFrom(
      '{"jsonrpc":"2.0","id":"\\ud800","method":"tools/call","params":{"name":"get_scp_detail","arguments":{"policyId":"p-\\udfffFullAWSAccess"}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_scp_policies","arguments":{"nameContains":"\\u0000\\u0000"}}}',
    )
    .map((body) => ({ kind: "unicode", body })),
  // Prototype keys, at every level: the envelope, params, arguments, and inside argument values.
  fc
    .tuple(
      fc.constantFrom(...TOOLS),
      fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty"),
      fc.subarray(["envelope", "params", "arguments", "values"], { minLength: 1 }),
    )
    .map(([name, key, where]) => {
      const at = (place: string): string => (where.includes(place) ? `"${key}":{"polluted":1},` : "");
      const inValues = where.includes("values");
      const args =
        `{${at("arguments")}"accountId":"240000000001","actions":["s3:GetObject"],"policyId":"p-FullAWSAccess"` +
        (inValues
          ? `,"context":{"${key}":"x"},"document":{"${key}":{"Statement":[]},"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","${key}":1}]}`
          : "") +
        "}";
      return {
        kind: "proto-keys",
        body: `{${at("envelope")}"jsonrpc":"2.0","id":1,"method":"tools/call","params":{${at("params")}"name":"${name}","arguments":${args}}}`,
      };
    }),
  // Over the limit, with a Content-Length that says so, or one that lies.
  fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 3 }).map((n) => ({
    kind: "oversized",
    body: callOf("analyze_error_log", { text: "x".repeat(n) }),
  })),
  // Wrong media types.
  fc
    .tuple(
      fc.constantFrom(
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
        "application/json; charset=latin1",
      ),
      fc.constantFrom("text/html", "application/json", "*/*", "", "text/event-stream"),
    )
    .map(([contentType, accept]) => ({
      kind: "media-type",
      body: callOf("get_server_status", {}),
      headers: { "content-type": contentType, accept },
    })),
);

type Outcome = "rpc-error" | "tool-error" | "result" | "accepted" | "too-large";

/** Classifies one answer; throws with the reason when it is not an acceptable answer. */
function classify(status: number, text: string): Outcome {
  if (status >= 500) throw new Error(`status ${status}: ${text.slice(0, 300)}`);
  if (status === 202) {
    if (text !== "") throw new Error(`202 with a body: ${text.slice(0, 200)}`);
    return "accepted";
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`status ${status}, body not JSON: ${text.slice(0, 200)}`);
  }
  const messages = Array.isArray(body) ? body : [body];
  if (messages.length === 0) throw new Error("empty batch answer");
  let outcome: Outcome = "result";
  for (const m of messages as Record<string, any>[]) {
    if (m?.jsonrpc !== "2.0") throw new Error(`not a JSON-RPC message: ${text.slice(0, 200)}`);
    if (m.error) {
      const message = m.error.message;
      if (typeof m.error.code !== "number" || typeof message !== "string" || message.length < 10)
        throw new Error(`JSON-RPC error without a usable message: ${JSON.stringify(m.error)}`);
      if (/internal error/i.test(message)) throw new Error(`internal error: ${message}`);
      outcome = status === 413 ? "too-large" : "rpc-error";
      continue;
    }
    if (!m.result || typeof m.result !== "object")
      throw new Error(`no result nor error: ${text.slice(0, 200)}`);
    if (m.result.isError === true) {
      const message = (m.result.content ?? []).map((c: any) => c.text ?? "").join("\n");
      if (message.length < 10) throw new Error(`isError result without a message: ${text.slice(0, 200)}`);
      if (/^Internal error/i.test(message)) throw new Error(`internal error: ${message}`);
      if (outcome === "result") outcome = "tool-error";
    }
  }
  if (status >= 400 && outcome === "result")
    throw new Error(`status ${status} with a result: ${text.slice(0, 200)}`);
  return outcome;
}

describe(`hostile input at POST /mcp (${RUNS} generated requests${FULL ? ", full run" : ""})`, () => {
  it(
    "answers every request with a JSON-RPC error, an isError result or a valid answer; never 5xx, never a leak of the prototype",
    async () => {
      const problems: string[] = [];
      let logLines = 0;
      const logger = createLogger("info", (line) => {
        logLines++;
        // Internal errors are bugs: the answer would not name the problem.
        if (/"msg":"(unhandled error|tool failed)"/.test(line)) problems.push(line.slice(0, 400));
      });
      const runtime: RuntimeState = { version: "fuzz", startedAt: new Date(), ready: false };
      await startUp(parseEnv({ ORG_SOURCE: "demo", ALLOWED_OU_IDS: "ou-a1b2-workload" }), runtime, logger, {
        configDeps: { readSecret: () => Promise.reject(new Error("no secrets in this test")) },
      });
      const app = createApp({ runtime, logger, maxBodyBytes: MAX_BODY, verifier: () => undefined });
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

      const counts: Record<string, Record<Outcome, number>> = {};
      let requests = 0;
      const send = async (c: Case): Promise<void> => {
        requests++;
        const response = await app.fetch(
          new Request("http://localhost/mcp", {
            method: "POST",
            headers: {
              host: "localhost",
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              ...c.headers,
            },
            body: c.body,
          }),
        );
        const text = await response.text();
        let outcome: Outcome;
        try {
          outcome = classify(response.status, text);
        } catch (error) {
          problems.push(`${c.kind}: ${(error as Error).message} <- ${c.body.slice(0, 300)}`);
          return;
        }
        const row = (counts[c.kind] ??= {
          "rpc-error": 0,
          "tool-error": 0,
          result: 0,
          accepted: 0,
          "too-large": 0,
        });
        row[outcome]++;
      };

      // Warm-up (caches, lazily built schemas), then the heap is measured around the run.
      const warmup = Math.min(500, Math.floor(RUNS / 4));
      for (const c of fc.sample(cases, { numRuns: warmup, seed: 1 })) await send(c);
      const heapBefore = await settledHeapMb();
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(cases, async (c) => {
          await send(c);
        }),
        { numRuns: RUNS, seed: FULL ? Date.now() : 42 },
      );
      const seconds = (performance.now() - started) / 1000;
      const heapAfter = await settledHeapMb();

      const totals = Object.values(counts).reduce<Record<string, number>>((sum, row) => {
        for (const [k, v] of Object.entries(row)) sum[k] = (sum[k] ?? 0) + v;
        return sum;
      }, {});
      report("fuzz", {
        requests,
        generated: RUNS,
        seconds: round(seconds),
        problems: problems.length,
        outcomes: totals,
        byKind: counts,
        heapBeforeMb: round(heapBefore),
        heapAfterMb: round(heapAfter),
        logLines,
      });

      expect(problems.slice(0, 10)).toEqual([]);
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
      // Every kind of input was tried, and the oversized ones were refused by size.
      expect(Object.keys(counts).length).toBeGreaterThanOrEqual(12);
      expect(counts["oversized"]?.["too-large"]).toBe(
        Object.values(counts["oversized"] ?? {}).reduce((a, b) => a + b, 0),
      );
      // Memory stable: the settled heap does not keep what the requests carried.
      expect(heapAfter).toBeLessThan(heapBefore * 1.25 + 8);
      // The server still answers a normal question correctly afterwards.
      const after = await app.fetch(
        new Request("http://localhost/mcp", {
          method: "POST",
          headers: {
            host: "localhost",
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: callOf("get_effective_scps", { accountId: "240000000001" }),
        }),
      );
      const answer = (await after.json()) as any;
      expect(answer.result.structuredContent.levels.map((l: any) => l.target.id)).toEqual([
        "r-a1b2",
        "ou-a1b2-workload",
        "ou-a1b2-nonprod0",
        "ou-a1b2-dev00000",
        "240000000001",
      ]);
    },
    FULL ? 1_800_000 : 60_000,
  );
});
