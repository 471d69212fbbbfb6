/** Runtime configuration: sources in order, validation, and clear start-up errors. */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createSecretReader } from "../src/aws/secrets.js";
import { parseEnv } from "../src/config/env.js";
import { loadRuntimeConfig } from "../src/config/load.js";
import { ConfigError } from "../src/errors.js";
import { createMemoryLogger } from "../src/logging/logger.js";
import type { RuntimeState } from "../src/runtime.js";
import { startUp } from "../src/startup.js";

const sm = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({
  region: "eu-west-1",
  credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
});
const readSecret = createSecretReader("eu-west-1", client);
const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:mcp-runtime-config-AbCdEf";

const awsConfig = {
  organization: { source: "aws", region: "us-east-1" },
  allowedOuIds: ["ou-a1b2-workload", "r-a1b2"],
  baseline: { source: "secretsmanager", secretId: "scp-baseline" },
  auth: {
    enabled: true,
    userPoolId: "eu-west-1_AbCdEf123",
    allowedClientIds: ["client-a"],
    requiredScopes: ["aws-organizations-mcp/read"],
  },
  cacheTtlSeconds: 600,
  logLevel: "warn",
};

const load = (env: Record<string, string>) => loadRuntimeConfig(parseEnv(env), { readSecret });

beforeEach(() => sm.reset());

describe("from AWS Secrets Manager", () => {
  it("loads a valid document", async () => {
    sm.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify(awsConfig) });
    const loaded = await load({ RUNTIME_CONFIG_SECRET_ID: SECRET, ORG_SOURCE: "demo" });
    expect(loaded.origin).toEqual({ kind: "secretsmanager", secretId: SECRET });
    expect(loaded.config.organization).toEqual({ source: "aws", region: "us-east-1" });
    expect(loaded.config.allowedOuIds).toEqual(["ou-a1b2-workload", "r-a1b2"]);
    expect(loaded.config.auth.enabled).toBe(true);
    expect(loaded.config.cacheTtlSeconds).toBe(600);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it("names the secret when it does not exist", async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: "ResourceNotFoundException",
      }),
    );
    await expect(load({ RUNTIME_CONFIG_SECRET_ID: SECRET })).rejects.toThrow(
      new RegExp(`Cannot load runtime configuration from secret ${SECRET}: Secret ${SECRET} was not found`),
    );
  });

  it("says which permission is missing when access is denied", async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("denied"), { name: "AccessDeniedException" }),
    );
    await expect(load({ RUNTIME_CONFIG_SECRET_ID: SECRET })).rejects.toThrow(/secretsmanager:GetSecretValue/);
  });

  it("refuses a secret that is not JSON", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: "allowedOuIds=ou-1" });
    const error = await load({ RUNTIME_CONFIG_SECRET_ID: SECRET }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`secret ${SECRET} is not valid JSON`));
  });

  it("names the invalid field", async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ ...awsConfig, allowedOuIds: ["ou-a1b2-workload", "Workloads"] }),
    });
    await expect(load({ RUNTIME_CONFIG_SECRET_ID: SECRET })).rejects.toThrow(
      /Invalid runtime configuration in secret .*: allowedOuIds\.1: expected an OU id/,
    );
  });

  it("refuses unknown fields rather than ignoring a typo", async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ ...awsConfig, allowedOUs: ["x"] }),
    });
    await expect(load({ RUNTIME_CONFIG_SECRET_ID: SECRET })).rejects.toThrow(/allowedOUs/);
  });

  it("requires allowedOuIds for a live organization", async () => {
    const { allowedOuIds: _omit, ...rest } = awsConfig;
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(rest) });
    await expect(load({ RUNTIME_CONFIG_SECRET_ID: SECRET })).rejects.toThrow(
      /allowedOuIds: required when organization.source is aws/,
    );
  });

  it("requires a user pool and client ids when auth is enabled", async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ ...awsConfig, auth: { enabled: true } }),
    });
    await expect(load({ RUNTIME_CONFIG_SECRET_ID: SECRET })).rejects.toThrow(
      /auth\.userPoolId: required.*auth\.allowedClientIds/,
    );
  });
});

describe("other sources", () => {
  it("reads RUNTIME_CONFIG_FILE when no secret is named", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ organization: { source: "demo" }, cacheTtlSeconds: 5 }));
    const loaded = await load({ RUNTIME_CONFIG_FILE: file });
    expect(loaded.origin).toEqual({ kind: "file", path: file });
    expect(loaded.config.cacheTtlSeconds).toBe(5);
  });

  it("names a missing file", async () => {
    await expect(load({ RUNTIME_CONFIG_FILE: "/nonexistent/config.json" })).rejects.toThrow(
      /Cannot read runtime configuration file \/nonexistent\/config.json/,
    );
  });

  it("builds the document from environment variables", async () => {
    const loaded = await load({
      ORG_SOURCE: "snapshot",
      ORG_SNAPSHOT_FILE: "/data/org.json",
      ALLOWED_OU_IDS: "ou-a1b2-workload, ou-a1b2-security0",
      BASELINE_FILE: "/data/baseline.json",
      CACHE_TTL_SECONDS: "60",
      LOG_LEVEL: "debug",
    });
    expect(loaded.origin.kind).toBe("environment");
    expect(loaded.config).toMatchObject({
      organization: { source: "snapshot", file: "/data/org.json" },
      allowedOuIds: ["ou-a1b2-workload", "ou-a1b2-security0"],
      baseline: { source: "file", path: "/data/baseline.json" },
      cacheTtlSeconds: 60,
      logLevel: "debug",
    });
  });

  it("falls back to the demo with auth off", async () => {
    const loaded = await load({});
    expect(loaded.origin.kind).toBe("defaults");
    expect(loaded.config.organization).toEqual({ source: "demo" });
    expect(loaded.config.auth.enabled).toBe(false);
  });

  it("names a malformed environment variable", () => {
    expect(() => parseEnv({ PORT: "eighty" })).toThrow(/PORT: expected a whole number/);
    expect(() => parseEnv({ AUTH_ENABLED: "maybe" })).toThrow(/AUTH_ENABLED/);
    expect(() => parseEnv({ ORG_SOURCE: "s3" })).toThrow(/ORG_SOURCE/);
  });

  it("listens on 127.0.0.1 unless HOST says otherwise, and reads ALLOWED_HOSTS as host names", () => {
    expect(parseEnv({}).HOST).toBe("127.0.0.1");
    expect(parseEnv({ HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
    expect(parseEnv({ ALLOWED_HOSTS: "MCP.Example.com, 10.0.0.5,[fd00::1]" }).ALLOWED_HOSTS).toEqual([
      "mcp.example.com",
      "10.0.0.5",
      "[fd00::1]",
    ]);
    for (const bad of ["localhost:8000", "https://mcp.example.com", "mcp.example.com/mcp", "::1", "a b"]) {
      expect(() => parseEnv({ ALLOWED_HOSTS: bad }), bad).toThrow(
        /ALLOWED_HOSTS\.0: .* is not a host name: give names like mcp\.example\.com/,
      );
    }
  });
});

describe("start-up", () => {
  const runtime = (): RuntimeState => ({ version: "t", startedAt: new Date(), ready: false });

  it("stops on an allowed OU the organization does not have, and stays not ready", async () => {
    const state = runtime();
    await expect(
      startUp(parseEnv({ ALLOWED_OU_IDS: "ou-a1b2-zzzzzzzz" }), state, createMemoryLogger(), {
        configDeps: { readSecret },
      }),
    ).rejects.toThrow(/allowedOuIds: ou-a1b2-zzzzzzzz is not a root or OU of organization o-a1b2c3d4e5/);
    expect(state.ready).toBe(false);
  });

  it("stops on an unreadable snapshot file, naming it", async () => {
    await expect(
      startUp(parseEnv({ ORG_SNAPSHOT_FILE: "/nonexistent/org.json" }), runtime(), createMemoryLogger(), {
        configDeps: { readSecret },
      }),
    ).rejects.toThrow(/Cannot read organization snapshot file \/nonexistent\/org.json/);
  });

  describe("reads the baseline and the JWKS at once", () => {
    const demoBaselineText = readFileSync(
      join(import.meta.dirname, "../src/org/demo/demo-baseline.json"),
      "utf8",
    );
    const env = parseEnv({
      BASELINE_SECRET_ID: "scp-baseline",
      AUTH_ENABLED: "true",
      COGNITO_USER_POOL_ID: "us-east-1_TestPool1",
      AUTH_ALLOWED_CLIENT_IDS: "client1",
    });
    const slow = <T>(events: string[], name: string, value: () => T) =>
      new Promise<T>((resolve, reject) => {
        events.push(`${name} started`);
        setTimeout(() => {
          events.push(`${name} done`);
          try {
            resolve(value());
          } catch (error) {
            reject(error as Error);
          }
        }, 30);
      });
    const deps = (events: string[], failJwks = false, failBaseline = false) => ({
      configDeps: { readSecret },
      baselineDeps: {
        readSecret: () =>
          slow(events, "baseline", () => {
            if (failBaseline) throw new Error("baseline secret unreadable");
            return demoBaselineText;
          }),
      },
      createVerifier: () => ({
        verify: async () => {
          throw new Error("unused");
        },
        hydrate: () =>
          slow(events, "jwks", () => {
            if (failJwks) throw new Error("JWKS download failed");
          }),
      }),
    });

    it("starting both before either ends", async () => {
      const events: string[] = [];
      const state = runtime();
      const started = await startUp(env, state, createMemoryLogger(), deps(events));
      expect(events.slice(0, 2).sort()).toEqual(["baseline started", "jwks started"]);
      expect(state.ready).toBe(true);
      expect(state.baseline?.baseline.policies.length).toBeGreaterThan(0);
      expect(started.verifier).toBeDefined();
    });

    it("stopping on either failure, the baseline's named first when both fail", async () => {
      await expect(startUp(env, runtime(), createMemoryLogger(), deps([], true))).rejects.toThrow(
        /JWKS download failed/,
      );
      await expect(startUp(env, runtime(), createMemoryLogger(), deps([], true, true))).rejects.toThrow(
        /baseline secret unreadable/,
      );
      const cannotCreate = {
        ...deps([], false, true),
        createVerifier: () => {
          throw new Error("region does not match the pool");
        },
      };
      await expect(startUp(env, runtime(), createMemoryLogger(), cannotCreate)).rejects.toThrow(
        /baseline secret unreadable/,
      );
    });
  });

  it("says in its log that authentication is off", async () => {
    const logger = createMemoryLogger();
    await startUp(parseEnv({}), runtime(), logger, { configDeps: { readSecret } });
    expect(logger.lines.join("\n")).toMatch(/authentication is OFF/);
  });
});
