/**
 * What a newcomer copies to connect a client: the example configuration files (.mcp.json,
 * .vscode/mcp.json, .env.example) and the README's Connecting clients section. They must parse, use
 * only the variable forms each client documents (none for Claude Code's project file and Copilot CLI,
 * ${input:...} for VS Code, ${env:...} for Cursor), name one token variable everywhere, point at the
 * server's real endpoint, real files and real tools, and .env must really be read by the local runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv as parseDotenv } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envSchema, parseEnv } from "../../src/config/env.js";
import { connect, startHarness } from "../helpers/harness.js";
import { ROOT } from "./helpers.js";

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");
const readme = read("README.md");
const connecting = readme.slice(readme.indexOf("## Connecting clients"), readme.indexOf("## Container"));
const LOCAL_URL = `http://localhost:${envSchema.shape.PORT.parse(undefined)}/mcp`;

/** The fenced blocks of a language in a Markdown text, each with the heading it sits under. */
function blocks(markdown: string, lang: string): { heading: string; body: string }[] {
  const out: { heading: string; body: string }[] = [];
  let heading = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("#")) heading = line.replace(/^#+\s*/, "");
    if (line === "```" + lang) {
      const end = lines.indexOf("```", i + 1);
      out.push({ heading, body: lines.slice(i + 1, end).join("\n") });
      i = end;
    }
  }
  return out;
}

const placeholders = (text: string): string[] => text.match(/\$\{[^}]*\}/g) ?? [];

let toolNames: string[];

beforeAll(async () => {
  const client = await connect(await startHarness(), LOCAL_URL);
  toolNames = (await client.listTools()).tools.map((t) => t.name);
});

describe(".mcp.json (Claude Code and Copilot CLI, project scope)", () => {
  const config = JSON.parse(read(".mcp.json"));

  it("declares the local server at the server's endpoint, with nothing for a client to expand", async () => {
    expect(Object.keys(config)).toEqual(["mcpServers"]);
    expect(config.mcpServers).toEqual({ "aws-organizations-local": { type: "http", url: LOCAL_URL } });
    expect(placeholders(read(".mcp.json"))).toEqual([]);
    // The URL reaches the MCP endpoint (the harness answers for localhost).
    const client = await connect(await startHarness(), config.mcpServers["aws-organizations-local"].url);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("the old mcp.json, named for no client, is gone", () => {
    expect(existsSync(join(ROOT, "mcp.json"))).toBe(false);
  });
});

describe(".vscode/mcp.json (VS Code and Copilot in VS Code)", () => {
  const text = read(".vscode/mcp.json");
  const config = JSON.parse(text);

  it("has VS Code's shape: servers and inputs", () => {
    expect(Object.keys(config).sort()).toEqual(["inputs", "servers"]);
    for (const [name, server] of Object.entries<any>(config.servers)) {
      expect(name).toMatch(/^[a-z][A-Za-z0-9]*$/); // VS Code's naming convention: camelCase
      expect(server.type).toBe("http");
    }
    expect(config.servers.awsOrganizationsLocal).toEqual({ type: "http", url: LOCAL_URL });
    for (const input of config.inputs) {
      expect(input.type).toBe("promptString");
      expect(input.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(input.description).toBeTruthy();
    }
  });

  it("prompts for the Gateway URL and the token: every variable is a declared input, the token hidden", () => {
    const ids = new Set(config.inputs.map((i: any) => i.id));
    const used = placeholders(text).map((p) => /^\$\{input:([^}]+)\}$/.exec(p)?.[1]);
    expect(used.every((id) => id !== undefined && ids.has(id))).toBe(true);
    expect(new Set(used)).toEqual(ids);
    const gateway = config.servers.awsOrganizations;
    expect(gateway.url).toBe("${input:aws-organizations-gateway-url}");
    expect(gateway.headers).toEqual({ Authorization: "Bearer ${input:aws-organizations-token}" });
    expect(config.inputs.find((i: any) => i.id === "aws-organizations-token").password).toBe(true);
  });
});

describe("the README's Connecting clients section", () => {
  it("shows the repository's files as they are", () => {
    const json = blocks(connecting, "json");
    const vscode = json.find((b) => b.heading.startsWith("VS Code"));
    const claude = json.find((b) => b.heading === "Claude Code");
    expect(JSON.parse(vscode!.body)).toEqual(JSON.parse(read(".vscode/mcp.json")));
    expect(JSON.parse(claude!.body)).toEqual(JSON.parse(read(".mcp.json")));
  });

  it("every JSON block parses and uses only its client's documented variables", () => {
    const json = blocks(connecting, "json");
    expect(json.map((b) => b.heading)).toEqual([
      "VS Code, and GitHub Copilot in VS Code",
      "GitHub Copilot CLI",
      "Claude Code",
      "Cursor",
      "Claude Desktop, and other clients that start a process (stdio)",
    ]);
    const allowed: Record<string, RegExp> = {
      "VS Code, and GitHub Copilot in VS Code": /^\$\{input:[a-z-]+\}$/,
      Cursor: /^\$\{env:MCP_(TOKEN|GATEWAY_URL)\}$/,
    };
    for (const { heading, body } of json) {
      expect(() => JSON.parse(body), heading).not.toThrow();
      const pattern = allowed[heading];
      for (const p of placeholders(body)) expect(pattern?.test(p), `${heading}: ${p}`).toBe(true);
    }
  });

  it("the Codex TOML is well-formed and names the token variable", () => {
    const [toml] = blocks(connecting, "toml");
    const lines = toml!.body.split("\n").filter((l) => l.trim() !== "");
    for (const line of lines) expect(line).toMatch(/^(\[mcp_servers\.[a-z-]+\]|[a-z_]+ = "[^"]*")$/);
    expect(lines).toContain('bearer_token_env_var = "MCP_TOKEN"');
    expect(lines).toContain(`url = "${LOCAL_URL}"`);
    expect(placeholders(toml!.body)).toEqual([]);
  });

  it("links docs/deploy.md and says how to get and renew a token", () => {
    expect(connecting).toContain("[docs/deploy.md](docs/deploy.md)");
    expect(connecting).toContain('export MCP_TOKEN="$(npx tsx scripts/get-token.ts)"');
    expect(connecting).toMatch(/expires after an hour/);
    for (const client of ["VS Code", "Copilot CLI", "Codex", "Claude Code", "Cursor"])
      expect(connecting).toContain(
        `### ${client === "VS Code" ? "VS Code, and GitHub Copilot in VS Code" : client === "Copilot CLI" ? "GitHub Copilot CLI" : client}`,
      );
  });
});

describe("one name for the token, real files and real tools", () => {
  const docs = ["README.md", "docs/deploy.md", "docs/demo-organization.md", ".env.example"];

  it("MCP_TOKEN everywhere: no other token variable is left", () => {
    const texts = [...docs, "scripts/get-token.ts", "scripts/smoke-test.ts", ".vscode/mcp.json"].map(read);
    for (const text of texts) {
      expect(text).not.toMatch(/ORGS_MCP_TOKEN|MCP_ACCESS_TOKEN|\$\{?GATEWAY_URL\b/);
    }
    expect(read("scripts/smoke-test.ts")).toContain("env.MCP_TOKEN");
    expect(read("docs/deploy.md")).toContain('export MCP_TOKEN="$(npx tsx scripts/get-token.ts)"');
  });

  it("every file the README links or names exists", () => {
    const linked = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    const named = [...readme.matchAll(/\b((?:scripts|docs|src|test|terraform|bin)\/[\w./-]+\.\w+)/g)].map(
      (m) => m[1]!,
    );
    const paths = [...new Set([...linked, ...named])].filter((p) => !/^[a-z]+:/.test(p));
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });

  it("every tool the README and the walkthrough name is a tool the server lists", () => {
    for (const doc of ["README.md", "docs/demo-organization.md"]) {
      const names = [
        ...read(doc).matchAll(
          /`(?:<target>___|orgs___)?((?:get|list|simulate|analyze|compare|lint)_[a-z_]+)`/g,
        ),
      ].map((m) => m[1]!);
      expect(names.length, doc).toBeGreaterThan(5);
      for (const name of names) expect(toolNames, `${doc}: ${name}`).toContain(name);
    }
  });
});

describe(".env for local runs", () => {
  const example = read(".env.example");
  const documented = [...example.matchAll(/^# ?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({
    key: m[1]!,
    value: m[2]!,
  }));
  const sdk = (key: string): boolean =>
    key === "AWS_PROFILE" || key === "AWS_REGION" || key.startsWith("AWS_ENDPOINT_URL_");

  it("documents every variable the server reads, and only those (and the SDK's own)", () => {
    const keys = documented.map((d) => d.key);
    for (const key of keys) expect(key in envSchema.shape || sdk(key), key).toBe(true);
    for (const key of Object.keys(envSchema.shape).filter((k) => k !== "AWS_DEFAULT_REGION"))
      expect(keys, key).toContain(key);
  });

  it("copied as it is, sets nothing; its example values, uncommented, are all valid", () => {
    expect(parseDotenv(example)).toEqual({});
    const values = Object.fromEntries(documented.filter((d) => !sdk(d.key)).map((d) => [d.key, d.value]));
    expect(() => parseEnv(values)).not.toThrow();
  });

  it("says which runs read it, and the package scripts do", () => {
    const scripts = JSON.parse(read("package.json")).scripts;
    expect(scripts.start).toContain("node --env-file-if-exists=.env dist/start.cjs");
    expect(scripts.dev).toBe("tsx watch --env-file-if-exists=.env src/main.ts");
    expect(example).toContain("`npm start` and `npm run dev` read .env");
  });

  describe("npm run dev's command, started where .env sets the port", () => {
    let dir: string;
    let child: ChildProcess | undefined;
    afterAll(() => {
      child?.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it("serves on the port .env names", async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, "127.0.0.1", () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => resolve(port));
        });
      });
      dir = mkdtempSync(join(tmpdir(), "dotenv-"));
      writeFileSync(join(dir, ".env"), `${example}\nPORT=${port}\nHOST=127.0.0.1\nLOG_LEVEL=warn\n`);
      // The dev script without watch mode, in a folder that holds only .env.
      child = spawn(
        join(ROOT, "node_modules/.bin/tsx"),
        ["--env-file-if-exists=.env", join(ROOT, "src/main.ts")],
        {
          cwd: dir,
          env: { PATH: process.env.PATH ?? "" },
          stdio: "ignore",
        },
      );
      let status = 0;
      for (let i = 0; i < 150 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    }, 30_000);
  });
});
