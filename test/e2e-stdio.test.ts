/**
 * `npx aws-organizations-mcp-server --stdio`, as a desktop client runs it (issue 19): the process is
 * spawned and spoken to with the SDK's StdioClientTransport. The same tools and prompts as over
 * HTTP, the same configuration sources, JSON-RPC alone on stdout and the logs on stderr.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, describe, expect, it } from "vitest";
import { TOOLS } from "../src/mcp/tools/index.js";
import { demoSnapshot } from "../src/org/demo/demo-snapshot.js";

const CLI = join(import.meta.dirname, "..", "bin", "cli.mjs");
const dir = mkdtempSync(join(tmpdir(), "orgs-mcp-stdio-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Only the variables a desktop client passes, plus the configuration under test. */
const envWith = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...getDefaultEnvironment(),
  ...extra,
});

async function start(extra: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "--stdio"],
    env: envWith(extra),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "stdio-test", version: "1.0.0" });
  // A line on stdout that is not JSON-RPC would be reported here.
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  return { client, errors, stderr: () => stderr };
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  return { result, text, data: result.structuredContent as Record<string, any> | undefined };
};

describe("--stdio with the demo defaults", { timeout: 60_000 }, () => {
  it("serves the same tools and prompts, JSON-RPC on stdout and the logs on stderr", async () => {
    const { client, errors, stderr } = await start();
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toContain("explain_access_denied");
      const chain = await call(client, "get_effective_scps", { accountId: "240000000003" });
      expect(chain.result.isError).toBeFalsy();
      expect(chain.text).toMatch(/Test \(ou-a1b2-test0000\): no policies attached -- no Allow at this level/);
      const strict = await call(client, "get_scp_detail", { policy_id: "p-regiondeny1" });
      expect(strict.result.isError).toBe(true);
      expect(strict.text).toContain('did you mean "policyId"?');
      expect(errors).toEqual([]);
    } finally {
      await client.close();
    }
    const logs = stderr().trim().split("\n");
    // Every stderr line is a JSON log line; the configuration's origin and readiness are said there.
    for (const line of logs) expect(() => JSON.parse(line), line).not.toThrow();
    expect(logs.map((l) => JSON.parse(l).msg)).toEqual(
      expect.arrayContaining(["runtime configuration loaded", "ready"]),
    );
    expect(stderr()).toMatch(/"transport":"stdio"/);
  });
});

describe("--stdio reads the configuration the HTTP server reads", { timeout: 60_000 }, () => {
  it("RUNTIME_CONFIG_FILE: a snapshot, with part of the organization in scope", async () => {
    const snapshot = join(dir, "org.json");
    writeFileSync(snapshot, JSON.stringify(demoSnapshot()));
    const config = join(dir, "runtime.json");
    writeFileSync(
      config,
      JSON.stringify({
        organization: { source: "snapshot", file: snapshot },
        allowedOuIds: ["ou-a1b2-nonprod0"],
      }),
    );
    const { client, errors, stderr } = await start({ RUNTIME_CONFIG_FILE: config });
    try {
      const status = await call(client, "get_server_status");
      expect(status.data?.organization.source).toBe("snapshot");
      expect(status.data?.scope).toEqual({ allowedOuIds: ["ou-a1b2-nonprod0"], wholeOrganization: false });
      expect(status.data?.config.origin).toContain(config);
      const outside = await call(client, "get_effective_scps", { accountId: "230000000001" });
      expect(outside.result.isError).toBe(true);
      expect(outside.text).toMatch(/^No account 230000000001 was found within this server's scope/);
      expect(errors).toEqual([]);
    } finally {
      await client.close();
    }
    expect(stderr()).toContain(config);
  });

  it("environment variables: ALLOWED_OU_IDS", async () => {
    const { client } = await start({ ALLOWED_OU_IDS: "ou-a1b2-sandbox0" });
    try {
      const status = await call(client, "get_server_status");
      expect(status.data?.scope.allowedOuIds).toEqual(["ou-a1b2-sandbox0"]);
    } finally {
      await client.close();
    }
  });
});

/** Runs the command to its end, without a client, and reads what it wrote. */
function runToEnd(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: envWith(env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe("--stdio refuses to start half-configured", { timeout: 60_000 }, () => {
  it("a configuration file that does not exist: exit 1, the file named on stderr, nothing on stdout", async () => {
    const missing = join(dir, "nope.json");
    const out = await runToEnd(["--stdio"], { RUNTIME_CONFIG_FILE: missing });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("invalid configuration");
    expect(out.stderr).toContain(missing);
  });

  it("other arguments: exit 2, saying how it is configured", async () => {
    const out = await runToEnd(["--stdio", "--demo"], {});
    expect(out.code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(/takes no other arguments \(got --demo\).*RUNTIME_CONFIG_FILE/);
  });

  it("ends when the client closes its input", async () => {
    const out = await runToEnd(["serve", "--stdio"], {});
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(/stdio client closed the session/);
  });
});
