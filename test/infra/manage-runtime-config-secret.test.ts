import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliError } from "../../scripts/lib/cli.js";
import {
  deleteSecret,
  main,
  prepareDocument,
  putDocument,
  sameDocument,
} from "../../scripts/manage-runtime-config-secret.js";

const mock = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: "us-east-1" });
const noSleep = { retry: { sleep: async () => undefined } };
const SECRET_ID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orgs-mcp/runtime-config-AbCdEf";
const meta = { $metadata: {} };

const config = {
  organization: { source: "aws" },
  allowedOuIds: ["ou-ab12-11111111"],
  auth: {
    enabled: true,
    userPoolId: "us-east-1_AbCdEf123",
    region: "us-east-1",
    allowedClientIds: ["client-1"],
    requiredScopes: ["orgs-mcp/runtime.invoke"],
  },
  cacheTtlSeconds: 300,
  logLevel: "info",
};
const documentText = prepareDocument(JSON.stringify(config), "test");

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

beforeEach(() => mock.reset());
afterEach(() => mock.reset());

describe("document", () => {
  it("accepts a valid document and stores it with sorted keys", () => {
    const text = prepareDocument(JSON.stringify({ logLevel: "warn", organization: { source: "demo" } }), "x");
    expect(text).toBe('{\n  "logLevel": "warn",\n  "organization": {\n    "source": "demo"\n  }\n}\n');
  });

  it("refuses what the server would refuse, naming the field", () => {
    expect(() =>
      prepareDocument(JSON.stringify({ organization: { source: "aws" } }), "RUNTIME_CONFIG_JSON"),
    ).toThrow(
      /from RUNTIME_CONFIG_JSON would be refused by the server: allowedOuIds: required when organization.source is aws/,
    );
    expect(() => prepareDocument(JSON.stringify({ ...config, allowedOuIds: ["ou-1"] }), "x")).toThrow(
      /allowedOuIds.0/,
    );
    expect(() => prepareDocument("{not json", "file x.json")).toThrow(/from file x.json is not valid JSON/);
  });

  it("compares documents as JSON values", () => {
    expect(sameDocument('{"b":1,"a":[1,2]}', '{ "a": [1, 2], "b": 1 }')).toBe(true);
    expect(sameDocument('{"a":[2,1]}', '{"a":[1,2]}')).toBe(false);
    expect(sameDocument("not json", "{}")).toBe(false);
    expect(sameDocument(undefined, "{}")).toBe(false);
  });
});

describe("put", () => {
  it("writes the first version when the secret exists without a value", async () => {
    mock
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: "no AWSCURRENT", ...meta }));
    mock.on(DescribeSecretCommand).resolves({ ARN: SECRET_ID });
    mock.on(PutSecretValueCommand).resolves({ VersionId: "v1" });

    expect(await putDocument(client, SECRET_ID, documentText, noSleep)).toEqual({
      action: "created",
      secretId: SECRET_ID,
      versionId: "v1",
    });
    expect(mock.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ID,
      SecretString: documentText,
    });
  });

  it("creates the secret only with --create", async () => {
    mock.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "no secret", ...meta }));
    mock.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: "no secret", ...meta }));
    mock.on(CreateSecretCommand).resolves({ ARN: SECRET_ID, VersionId: "v1" });

    await expect(putDocument(client, "orgs-mcp/runtime-config", documentText, noSleep)).rejects.toThrow(
      /secret orgs-mcp\/runtime-config does not exist. Terraform creates it/,
    );
    expect(mock.commandCalls(CreateSecretCommand)).toHaveLength(0);

    const created = await putDocument(client, "orgs-mcp/runtime-config", documentText, {
      ...noSleep,
      create: true,
      kmsKeyId: "alias/x",
    });
    expect(created).toEqual({ action: "created", secretId: SECRET_ID, versionId: "v1" });
    expect(mock.commandCalls(CreateSecretCommand)[0]?.args[0].input).toMatchObject({
      Name: "orgs-mcp/runtime-config",
      SecretString: documentText,
      KmsKeyId: "alias/x",
    });
  });

  it("does nothing when the stored document is equal (key order ignored)", async () => {
    const reordered = JSON.stringify({
      logLevel: "info",
      cacheTtlSeconds: 300,
      auth: config.auth,
      allowedOuIds: config.allowedOuIds,
      organization: config.organization,
    });
    mock.on(GetSecretValueCommand).resolves({ SecretString: reordered });

    expect(await putDocument(client, SECRET_ID, documentText, noSleep)).toEqual({
      action: "unchanged",
      secretId: SECRET_ID,
    });
    expect(mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it("writes a new version when the document changed", async () => {
    mock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ ...config, logLevel: "debug" }) });
    mock.on(PutSecretValueCommand).resolves({ VersionId: "v2" });

    expect(await putDocument(client, SECRET_ID, documentText, noSleep)).toEqual({
      action: "updated",
      secretId: SECRET_ID,
      versionId: "v2",
    });
  });

  it("only reports on --dry-run", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: "{}" });
    expect(await putDocument(client, SECRET_ID, documentText, { ...noSleep, dryRun: true })).toEqual({
      action: "would-update",
      secretId: SECRET_ID,
    });
    expect(mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it("explains access denied", async () => {
    mock
      .on(GetSecretValueCommand)
      .rejects(awsError("AccessDeniedException", "not authorized to perform secretsmanager:GetSecretValue"));
    const error = await putDocument(client, SECRET_ID, documentText, noSleep).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(
      /access denied calling secretsmanager GetSecretValue on .*runtime-config.* PutSecretValue/,
    );
  });

  it("explains a secret scheduled for deletion", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: "{}" });
    mock
      .on(PutSecretValueCommand)
      .rejects(awsError("InvalidRequestException", "secret is marked for deletion"));
    await expect(putDocument(client, SECRET_ID, documentText, noSleep)).rejects.toThrow(
      /restore-secret --secret-id/,
    );
  });

  it("retries throttling and then succeeds", async () => {
    mock
      .on(GetSecretValueCommand)
      .rejectsOnce(awsError("ThrottlingException", "Rate exceeded"))
      .resolves({ SecretString: documentText });
    expect(await putDocument(client, SECRET_ID, documentText, noSleep)).toMatchObject({
      action: "unchanged",
    });
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it("gives up on persistent throttling with a clear message", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: "{}" });
    mock.on(PutSecretValueCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));
    await expect(
      putDocument(client, SECRET_ID, documentText, { retry: { attempts: 2, sleep: async () => undefined } }),
    ).rejects.toThrow(/PutSecretValue on .* was throttled by AWS 2 times in a row/);
  });
});

describe("delete", () => {
  it("deletes with a recovery window by default", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: documentText });
    mock.on(DeleteSecretCommand).resolves({});
    expect(await deleteSecret(client, SECRET_ID, noSleep)).toEqual({
      action: "deleted",
      secretId: SECRET_ID,
    });
    expect(mock.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ID,
      RecoveryWindowInDays: 7,
    });
  });

  it("deletes at once with force", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: documentText });
    mock.on(DeleteSecretCommand).resolves({});
    await deleteSecret(client, SECRET_ID, { ...noSleep, force: true });
    expect(mock.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ID,
      ForceDeleteWithoutRecovery: true,
    });
  });

  it("does nothing when the secret does not exist", async () => {
    mock.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "gone", ...meta }));
    mock.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: "gone", ...meta }));
    expect(await deleteSecret(client, SECRET_ID, noSleep)).toEqual({ action: "absent", secretId: SECRET_ID });
    expect(mock.commandCalls(DeleteSecretCommand)).toHaveLength(0);
  });
});

describe("command line", () => {
  const env = {
    AWS_REGION: "us-east-1",
    RUNTIME_CONFIG_SECRET_ID: SECRET_ID,
    RUNTIME_CONFIG_JSON: JSON.stringify(config),
  };

  async function runMain(
    argv: string[],
    environment: NodeJS.ProcessEnv = env,
    files: Record<string, string> = {},
  ) {
    const out: string[] = [];
    const code = await main(
      argv,
      environment,
      () => client,
      (l) => out.push(l),
      async (path) => {
        const text = files[path];
        if (text === undefined) throw new Error(`ENOENT: ${path}`);
        return text;
      },
    );
    return { code, out };
  }

  it("puts the document from RUNTIME_CONFIG_JSON", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: "{}" });
    mock.on(PutSecretValueCommand).resolves({ VersionId: "v3" });
    const { code, out } = await runMain(["put"]);
    expect(code).toBe(0);
    expect(JSON.parse(out[0] ?? "")).toEqual({ action: "updated", secretId: SECRET_ID, versionId: "v3" });
  });

  it("puts the document from --file", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: documentText });
    const { out } = await runMain(
      ["put", "--file", "config.json"],
      { AWS_REGION: "us-east-1", RUNTIME_CONFIG_SECRET_ID: SECRET_ID },
      {
        "config.json": JSON.stringify(config),
      },
    );
    expect(JSON.parse(out[0] ?? "")).toEqual({ action: "unchanged", secretId: SECRET_ID });
  });

  it("validates before calling AWS", async () => {
    await expect(
      runMain(["put"], { ...env, RUNTIME_CONFIG_JSON: '{"organization":{"source":"aws"}}' }),
    ).rejects.toThrow(/allowedOuIds/);
    await expect(runMain(["put", "--file", "missing.json"])).rejects.toThrow(/cannot read file missing.json/);
    expect(mock.calls()).toHaveLength(0);
  });

  it("prints the stored document on get", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: documentText });
    const { out } = await runMain(["get"]);
    expect(JSON.parse(out.join("\n"))).toEqual(config);
  });

  it("reports usage errors with exit code 2", async () => {
    await expect(
      runMain(["put"], { AWS_REGION: "us-east-1", RUNTIME_CONFIG_JSON: "{}" }),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/--secret-id/) });
    await expect(runMain(["put"], { ...env, RUNTIME_CONFIG_JSON: "" })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/no document/),
    });
    await expect(runMain(["delete", "--recovery-days", "3"])).rejects.toMatchObject({ exitCode: 2 });
    await expect(runMain(["upsert"])).rejects.toMatchObject({ exitCode: 2 });
    const { out } = await runMain(["--help"]);
    expect(out.join("\n")).toMatch(/Usage: npx tsx scripts\/manage-runtime-config-secret.ts/);
  });
});
