/** The baseline format, its sources (inline, file, secretsmanager), and start-up with a bad baseline. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { demoBaseline, loadBaseline } from "../../src/audit/baseline-source.js";
import { parseEnv } from "../../src/config/env.js";
import { createMemoryLogger } from "../../src/logging/logger.js";
import {
  BaselineValidationError,
  parseBaseline,
  parseBaselineText,
} from "../../src/policy/baseline-schema.js";
import type { RuntimeState } from "../../src/runtime.js";
import { startUp } from "../../src/startup.js";

const DENY = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }] };
const valid = {
  formatVersion: 1,
  policies: [{ name: "DenyS3", content: DENY, targets: ["Root/Workloads"] }],
};

function issues(raw: unknown): string[] {
  try {
    parseBaseline(raw);
  } catch (error) {
    if (error instanceof BaselineValidationError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe("baseline format", () => {
  it("accepts the documented shape, content as a string, extra fields, and defaults", () => {
    const b = parseBaseline({
      formatVersion: 1,
      owner: "platform",
      policies: [
        {
          name: "A",
          content: DENY,
          targets: [
            "r-ab12",
            "ou-ab12-11111111",
            "123456789012",
            "Root/Workloads/**",
            "!Root/Workloads/Sandbox",
          ],
          ticket: "SEC-1",
        },
        {
          name: "B",
          type: "RESOURCE_CONTROL_POLICY",
          content: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }],
          }),
        },
      ],
    });
    expect(b.options).toEqual({ reportUnexpectedPolicies: true, reportUnexpectedAttachments: true });
    expect(b.policies[0]).toMatchObject({ index: 0, name: "A", type: "SERVICE_CONTROL_POLICY" });
    expect(b.policies[1]).toMatchObject({
      type: "RESOURCE_CONTROL_POLICY",
      targets: [],
      content: { Version: "2012-10-17" },
    });
    expect(b.policies[1]!.contentText).toContain('"Principal":"*"');
  });

  it("points errors at the offending path", () => {
    expect(issues({ policies: [] })).toEqual([expect.stringMatching(/^formatVersion: /)]);
    expect(
      issues({ formatVersion: 1, policies: [{ name: "A", content: DENY, targets: ["ou-bad", ""] }] }),
    ).toEqual([
      expect.stringMatching(/^policies\.0\.targets\.0: expected a root, OU or account id/),
      expect.stringMatching(/^policies\.0\.targets\.1: /),
    ]);
    expect(
      issues({
        formatVersion: 1,
        policies: [
          { name: "A", content: DENY },
          {
            name: "B",
            content: {
              Version: "2012-10-17",
              Statement: [
                { Effect: "Deny", Resource: "*", Action: "s3:*" },
                { Effect: "Maybe", Action: "s3:*", Resource: "*" },
              ],
            },
          },
        ],
      }),
    ).toEqual([expect.stringMatching(/^policies\.1\.content\.Statement\.1\.Effect: .*Allow.*Deny/)]);
    expect(issues({ formatVersion: 1, policies: [{ name: "A", content: "{not json" }] })).toEqual([
      expect.stringMatching(/^policies\.0\.content: the content string is not valid JSON/),
    ]);
    expect(
      issues({
        formatVersion: 1,
        policies: [
          { name: "A", content: DENY },
          { name: "A", content: DENY },
        ],
      }),
    ).toEqual([expect.stringMatching(/^policies\.1\.name: .*unique/)]);
    expect(
      issues({
        formatVersion: 1,
        policies: [
          {
            name: "A",
            content: {
              Version: "2012-10-17",
              Statement: [{ Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }],
            },
          },
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^policies\.0\.content\.Statement\.0\.Principal: .*not supported in an SCP/),
    ]);
  });

  it("reports a JSON syntax error in a text baseline", () => {
    expect(() => parseBaselineText("{", "file x.json")).toThrow(
      /Invalid baseline in file x\.json: \(document\): not valid JSON/,
    );
  });

  it("the bundled demo baseline is valid, also against docs/baseline.schema.json", () => {
    expect(demoBaseline().baseline.policies.length).toBeGreaterThan(10);
    const root = join(import.meta.dirname, "../..");
    const schema = JSON.parse(readFileSync(join(root, "docs/baseline.schema.json"), "utf8"));
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate(JSON.parse(readFileSync(join(root, "src/org/demo/demo-baseline.json"), "utf8")))).toBe(
      true,
    );
    expect(validate({ formatVersion: 2, policies: [] })).toBe(false);
    expect(validate({ formatVersion: 1, policies: [{ name: "A" }] })).toBe(false);
  });
});

describe("baseline sources", () => {
  const noSecret = async () => {
    throw new Error("no secret expected");
  };

  it("inline, file and secretsmanager", async () => {
    expect(
      (await loadBaseline({ source: "inline", document: valid }, { readSecret: noSecret })).origin,
    ).toMatch(/runtime configuration/);
    const dir = mkdtempSync(join(tmpdir(), "baseline-"));
    const file = join(dir, "b.json");
    writeFileSync(file, JSON.stringify(valid));
    const fromFile = await loadBaseline({ source: "file", path: file }, { readSecret: noSecret });
    expect(fromFile).toMatchObject({ source: "file", origin: `file ${file}` });
    const seen: [string, string | undefined][] = [];
    const fromSecret = await loadBaseline(
      { source: "secretsmanager", secretId: "scp-baseline", region: "eu-west-1" },
      {
        readSecret: async (id, region) => {
          seen.push([id, region]);
          return JSON.stringify(valid);
        },
      },
    );
    expect(fromSecret.baseline.policies[0]!.name).toBe("DenyS3");
    expect(seen).toEqual([["scp-baseline", "eu-west-1"]]);
  });

  it("errors name the source and the path", async () => {
    const bad = {
      formatVersion: 1,
      policies: [
        { name: "X", content: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Resource: "*" }] } },
      ],
    };
    await expect(
      loadBaseline(
        { source: "secretsmanager", secretId: "scp-baseline" },
        { readSecret: async () => JSON.stringify(bad) },
      ),
    ).rejects.toThrow(
      /Invalid baseline in secret scp-baseline: policies\.0\.content\.Statement\.0\.Action: /,
    );
    await expect(
      loadBaseline({ source: "secretsmanager", secretId: "s" }, { readSecret: async () => "nope" }),
    ).rejects.toThrow(/Baseline in secret s is not valid JSON/);
    await expect(
      loadBaseline(
        { source: "secretsmanager", secretId: "s" },
        {
          readSecret: async () => {
            throw new Error("Access denied reading secret s");
          },
        },
      ),
    ).rejects.toThrow(/Cannot load the baseline from secret s: Access denied/);
    await expect(
      loadBaseline({ source: "file", path: "/nonexistent/b.json" }, { readSecret: noSecret }),
    ).rejects.toThrow(/Cannot read the baseline file \/nonexistent\/b\.json/);
    await expect(
      loadBaseline({ source: "inline", document: { formatVersion: 2 } }, { readSecret: noSecret }),
    ).rejects.toThrow(/Invalid baseline in the runtime configuration \(baseline\.document\): formatVersion/);
  });
});

describe("start-up", () => {
  const start = async (env: Record<string, string>, secret?: string) => {
    const runtime: RuntimeState = { version: "test", startedAt: new Date(), ready: false };
    await startUp(parseEnv(env), runtime, createMemoryLogger("error"), {
      configDeps: { readSecret: async () => "{}" },
      baselineDeps: {
        readSecret: async () => {
          if (secret === undefined) throw new Error("no secret");
          return secret;
        },
      },
    });
    return runtime;
  };

  it("reads a baseline secret in the region the configuration names, not the process's", async () => {
    const calls: Array<[string, string | undefined]> = [];
    const config = {
      organization: { source: "demo" },
      baseline: { source: "secretsmanager", secretId: "org-baseline", region: "eu-west-1" },
    };
    const baselineText = readFileSync("src/org/demo/demo-baseline.json", "utf8");
    const runtime: RuntimeState = { version: "test", startedAt: new Date(), ready: false };
    await startUp(
      parseEnv({ RUNTIME_CONFIG_SECRET_ID: "runtime-config", AWS_REGION: "us-east-1" }),
      runtime,
      createMemoryLogger("error"),
      {
        configDeps: {
          readSecret: async (id, region) => {
            calls.push([id, region]);
            return id === "runtime-config" ? JSON.stringify(config) : baselineText;
          },
        },
      },
    );
    expect(calls).toEqual([
      ["runtime-config", undefined],
      ["org-baseline", "eu-west-1"],
    ]);
    expect(runtime.baseline?.origin).toMatch(/org-baseline/);
  });

  it("loads the demo baseline for the demo organization, none for a snapshot without one", async () => {
    expect((await start({})).baseline?.source).toBe("demo");
    const runtime = await start({
      ORG_SOURCE: "snapshot",
      ORG_SNAPSHOT_FILE: "test/fixtures/drift/base-organization.json",
    });
    expect(runtime.baseline).toBeUndefined();
  });

  it("stops on a bad baseline, naming the source and the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baseline-"));
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({ formatVersion: 1, policies: [{ name: "A", content: DENY, targets: [42] }] }),
    );
    await expect(start({ BASELINE_FILE: file })).rejects.toThrow(
      new RegExp(
        `Invalid baseline in file ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: policies\\.0\\.targets\\.0: `,
      ),
    );
    await expect(start({ BASELINE_SECRET_ID: "scp-baseline" }, "[]")).rejects.toThrow(
      /Invalid baseline in secret scp-baseline: \(document\)/,
    );
  });

  it("reloads from the source, keeping the old baseline when the new one is bad", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baseline-"));
    const file = join(dir, "b.json");
    writeFileSync(file, JSON.stringify(valid));
    const runtime = await start({ BASELINE_FILE: file });
    expect(runtime.baseline?.baseline.policies.map((p) => p.name)).toEqual(["DenyS3"]);
    writeFileSync(
      file,
      JSON.stringify({ ...valid, policies: [...valid.policies, { name: "Two", content: DENY }] }),
    );
    await runtime.reloadBaseline?.();
    expect(runtime.baseline?.baseline.policies.map((p) => p.name)).toEqual(["DenyS3", "Two"]);
    writeFileSync(file, "{");
    await expect(runtime.reloadBaseline?.()).rejects.toThrow(/not valid JSON/);
    expect(runtime.baseline?.baseline.policies).toHaveLength(2);
  });
});
