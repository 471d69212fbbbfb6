import {
  AccessDeniedException,
  BedrockAgentCoreControlClient,
  CreateOauth2CredentialProviderCommand,
  DeleteOauth2CredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  ThrottlingException,
  UpdateOauth2CredentialProviderCommand,
  type GetOauth2CredentialProviderResponse,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliError } from "../../scripts/lib/cli.js";
import {
  FINGERPRINT_TAG,
  applyProvider,
  deleteProvider,
  main,
  secretFingerprint,
  type ProviderSpec,
} from "../../scripts/manage-oauth-provider.js";

const mock = mockClient(BedrockAgentCoreControlClient);
const client = new BedrockAgentCoreControlClient({ region: "us-east-1" });
const noSleep = { retry: { sleep: async () => undefined } };

const NAME = "orgs-mcp-runtime-oauth";
const ARN = `arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/${NAME}`;
const DISCOVERY =
  "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/openid-configuration";
const SECRET = "s3cr3t-value-that-must-never-be-printed";
const spec: ProviderSpec = {
  name: NAME,
  discoveryUrl: DISCOVERY,
  clientId: "client-1",
  clientSecret: SECRET,
};

const meta = { $metadata: {} };
const notFound = () => new ResourceNotFoundException({ message: "not found", ...meta });

function existing(
  overrides: { clientId?: string; discoveryUrl?: string; vendor?: string } = {},
): GetOauth2CredentialProviderResponse {
  return {
    name: NAME,
    credentialProviderArn: ARN,
    credentialProviderVendor: (overrides.vendor ??
      "CustomOauth2") as GetOauth2CredentialProviderResponse["credentialProviderVendor"],
    clientSecretArn: {
      secretArn:
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:bedrock-agentcore-identity!default/oauth2/x-AbCdEf",
    },
    oauth2ProviderConfigOutput: {
      customOauth2ProviderConfig: {
        oauthDiscovery: { discoveryUrl: overrides.discoveryUrl ?? DISCOVERY },
        clientId: overrides.clientId ?? "client-1",
      },
    },
    createdTime: new Date(0),
    lastUpdatedTime: new Date(0),
  };
}

beforeEach(() => mock.reset());
afterEach(() => mock.reset());

describe("apply", () => {
  it("creates the provider when it does not exist, tagged with the secret fingerprint", async () => {
    mock.on(GetOauth2CredentialProviderCommand).rejects(notFound());
    mock
      .on(CreateOauth2CredentialProviderCommand)
      .resolves({ name: NAME, credentialProviderArn: ARN, clientSecretArn: undefined });

    const result = await applyProvider(client, spec, noSleep);

    expect(result).toEqual({ action: "created", name: NAME, arn: ARN });
    const [create] = mock.commandCalls(CreateOauth2CredentialProviderCommand);
    expect(create?.args[0].input).toEqual({
      name: NAME,
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          oauthDiscovery: { discoveryUrl: DISCOVERY },
          clientId: "client-1",
          clientSecret: SECRET,
        },
      },
      tags: { [FINGERPRINT_TAG]: secretFingerprint(NAME, SECRET), "managed-by": "manage-oauth-provider" },
    });
    expect(JSON.stringify(create?.args[0].input.tags)).not.toContain(SECRET);
  });

  it("does nothing when discovery URL, client id and secret fingerprint are equal", async () => {
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing());
    mock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: { [FINGERPRINT_TAG]: secretFingerprint(NAME, SECRET) } });

    expect(await applyProvider(client, spec, noSleep)).toEqual({ action: "unchanged", name: NAME, arn: ARN });
    expect(mock.commandCalls(CreateOauth2CredentialProviderCommand)).toHaveLength(0);
    expect(mock.commandCalls(UpdateOauth2CredentialProviderCommand)).toHaveLength(0);
    expect(mock.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  it("updates the provider when the client id changed", async () => {
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing({ clientId: "old-client" }));
    mock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: { [FINGERPRINT_TAG]: secretFingerprint(NAME, SECRET) } });
    mock.on(UpdateOauth2CredentialProviderCommand).resolves({
      name: NAME,
      credentialProviderArn: ARN,
      clientSecretArn: undefined,
      createdTime: new Date(0),
      lastUpdatedTime: new Date(0),
    });
    mock.on(TagResourceCommand).resolves({});

    const result = await applyProvider(client, spec, noSleep);

    expect(result).toEqual({ action: "updated", name: NAME, arn: ARN, changed: ["clientId"] });
    expect(mock.commandCalls(UpdateOauth2CredentialProviderCommand)[0]?.args[0].input).toMatchObject({
      name: NAME,
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: { clientId: "client-1", clientSecret: SECRET },
      },
    });
    expect(mock.commandCalls(TagResourceCommand)[0]?.args[0].input).toEqual({
      resourceArn: ARN,
      tags: { [FINGERPRINT_TAG]: secretFingerprint(NAME, SECRET) },
    });
  });

  it("updates the provider when only the secret changed (fingerprint differs)", async () => {
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing());
    mock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: { [FINGERPRINT_TAG]: secretFingerprint(NAME, "the-old-secret") } });
    mock.on(UpdateOauth2CredentialProviderCommand).resolves({
      name: NAME,
      credentialProviderArn: ARN,
      clientSecretArn: undefined,
      createdTime: new Date(0),
      lastUpdatedTime: new Date(0),
    });
    mock.on(TagResourceCommand).resolves({});

    expect(await applyProvider(client, spec, noSleep)).toMatchObject({
      action: "updated",
      changed: ["clientSecret"],
    });
  });

  it("reports what it would do on --dry-run without changing anything", async () => {
    mock
      .on(GetOauth2CredentialProviderCommand)
      .resolves(existing({ discoveryUrl: "https://other/.well-known/openid-configuration" }));
    mock.on(ListTagsForResourceCommand).resolves({ tags: {} });

    expect(await applyProvider(client, spec, { ...noSleep, dryRun: true })).toMatchObject({
      action: "would-update",
      changed: ["discoveryUrl", "clientSecret"],
    });
    expect(mock.commandCalls(UpdateOauth2CredentialProviderCommand)).toHaveLength(0);
  });

  it("refuses to take over a provider of another vendor", async () => {
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing({ vendor: "GithubOauth2" }));
    await expect(applyProvider(client, spec, noSleep)).rejects.toThrow(/exists with vendor GithubOauth2/);
  });

  it("explains access denied with the permissions the deployer needs", async () => {
    mock
      .on(GetOauth2CredentialProviderCommand)
      .rejects(new AccessDeniedException({ message: "User is not authorized", ...meta }));
    const error = await applyProvider(client, spec, noSleep).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(
      /access denied calling bedrock-agentcore-control GetOauth2CredentialProvider/,
    );
    expect((error as CliError).message).toMatch(/CreateOauth2CredentialProvider/);
    expect((error as CliError).message).not.toContain(SECRET);
  });

  it("retries throttling and then succeeds", async () => {
    mock
      .on(GetOauth2CredentialProviderCommand)
      .rejectsOnce(new ThrottlingException({ message: "Rate exceeded", ...meta }))
      .rejectsOnce(new ThrottlingException({ message: "Rate exceeded", ...meta }))
      .resolves(existing());
    mock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: { [FINGERPRINT_TAG]: secretFingerprint(NAME, SECRET) } });

    expect(await applyProvider(client, spec, noSleep)).toMatchObject({ action: "unchanged" });
    expect(mock.commandCalls(GetOauth2CredentialProviderCommand)).toHaveLength(3);
  });

  it("gives up on persistent throttling with a clear message", async () => {
    mock.on(GetOauth2CredentialProviderCommand).rejects(notFound());
    mock
      .on(CreateOauth2CredentialProviderCommand)
      .rejects(new ThrottlingException({ message: "Rate exceeded", ...meta }));

    await expect(
      applyProvider(client, spec, { retry: { attempts: 3, sleep: async () => undefined } }),
    ).rejects.toThrow(
      /CreateOauth2CredentialProvider for provider "orgs-mcp-runtime-oauth" was throttled by AWS 3 times/,
    );
    expect(mock.commandCalls(CreateOauth2CredentialProviderCommand)).toHaveLength(3);
  });
});

describe("the ARN Terraform computed", () => {
  const OTHER = ARN.replace("token-vault/default/", "token-vault/other/");

  it("passes when AWS's ARN is the expected one, on create and when unchanged", async () => {
    mock.on(GetOauth2CredentialProviderCommand).rejects(notFound());
    mock
      .on(CreateOauth2CredentialProviderCommand)
      .resolves({ name: NAME, credentialProviderArn: ARN, clientSecretArn: undefined });
    expect(await applyProvider(client, spec, { ...noSleep, expectedArn: ARN })).toEqual({
      action: "created",
      name: NAME,
      arn: ARN,
    });

    mock.reset();
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing());
    mock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: { [FINGERPRINT_TAG]: secretFingerprint(NAME, SECRET) } });
    expect(await applyProvider(client, spec, { ...noSleep, expectedArn: ARN })).toMatchObject({
      action: "unchanged",
    });
  });

  it("fails after creating a provider whose ARN differs, naming both ARNs and what uses them", async () => {
    mock.on(GetOauth2CredentialProviderCommand).rejects(notFound());
    mock
      .on(CreateOauth2CredentialProviderCommand)
      .resolves({ name: NAME, credentialProviderArn: OTHER, clientSecretArn: undefined });
    const error = await applyProvider(client, spec, { ...noSleep, expectedArn: ARN }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(1);
    expect((error as CliError).message).toBe(
      `provider "${NAME}" has the ARN ${OTHER}, but Terraform computed ${ARN} (terraform/locals.tf, ` +
        "oauth_provider_arn) and uses it in the Gateway target's credential provider and in the Gateway role's " +
        "bedrock-agentcore:GetResourceOauth2Token permission: with this provider the Gateway could not fetch its " +
        "token for the Runtime. Make the computed ARN match AWS's (token vault, region, account, partition) and " +
        "apply again.",
    );
  });

  it("reads the ARN back when the create response has none", async () => {
    mock
      .on(GetOauth2CredentialProviderCommand)
      .rejectsOnce(notFound())
      .resolves({ ...existing(), credentialProviderArn: OTHER });
    mock
      .on(CreateOauth2CredentialProviderCommand)
      .resolves({ name: NAME, clientSecretArn: undefined } as never);
    await expect(applyProvider(client, spec, { ...noSleep, expectedArn: ARN })).rejects.toThrow(
      `has the ARN ${OTHER}, but Terraform computed ${ARN}`,
    );
  });

  it("fails before updating an existing provider whose ARN differs", async () => {
    mock
      .on(GetOauth2CredentialProviderCommand)
      .resolves({ ...existing({ clientId: "old" }), credentialProviderArn: OTHER });
    await expect(applyProvider(client, spec, { ...noSleep, expectedArn: ARN })).rejects.toThrow(
      /but Terraform computed/,
    );
    expect(mock.commandCalls(UpdateOauth2CredentialProviderCommand)).toHaveLength(0);
    expect(mock.commandCalls(TagResourceCommand)).toHaveLength(0);
  });
});

describe("delete", () => {
  it("deletes an existing provider", async () => {
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing());
    mock.on(DeleteOauth2CredentialProviderCommand).resolves({});

    expect(await deleteProvider(client, NAME, noSleep)).toEqual({ action: "deleted", name: NAME });
    expect(mock.commandCalls(DeleteOauth2CredentialProviderCommand)[0]?.args[0].input).toEqual({
      name: NAME,
    });
  });

  it("does nothing when the provider is already gone", async () => {
    mock.on(GetOauth2CredentialProviderCommand).rejects(notFound());
    expect(await deleteProvider(client, NAME, noSleep)).toEqual({ action: "absent", name: NAME });
    expect(mock.commandCalls(DeleteOauth2CredentialProviderCommand)).toHaveLength(0);
  });

  it("treats a concurrent deletion as done", async () => {
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing());
    mock.on(DeleteOauth2CredentialProviderCommand).rejects(notFound());
    expect(await deleteProvider(client, NAME, noSleep)).toEqual({ action: "absent", name: NAME });
  });

  it("explains access denied on delete", async () => {
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing());
    mock
      .on(DeleteOauth2CredentialProviderCommand)
      .rejects(new AccessDeniedException({ message: "denied", ...meta }));
    await expect(deleteProvider(client, NAME, noSleep)).rejects.toThrow(
      /access denied calling bedrock-agentcore-control DeleteOauth2CredentialProvider/,
    );
  });
});

describe("command line", () => {
  const env = {
    AWS_REGION: "us-east-1",
    OAUTH_PROVIDER_NAME: NAME,
    OAUTH_DISCOVERY_URL: DISCOVERY,
    OAUTH_CLIENT_ID: "client-1",
    OAUTH_CLIENT_SECRET: SECRET,
  };

  async function runMain(
    argv: string[],
    environment: NodeJS.ProcessEnv = env,
  ): Promise<{ code: number; out: string[]; log: string[] }> {
    const out: string[] = [];
    const log: string[] = [];
    const code = await main(
      argv,
      environment,
      () => client,
      (l) => out.push(l),
      (l) => log.push(l),
    );
    return { code, out, log };
  }

  it("prints help", async () => {
    const { code, out } = await runMain(["--help"]);
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(/Usage: npx tsx scripts\/manage-oauth-provider.ts <command>/);
  });

  it("applies from environment variables and prints one JSON line without the secret", async () => {
    mock.on(GetOauth2CredentialProviderCommand).rejects(notFound());
    mock
      .on(CreateOauth2CredentialProviderCommand)
      .resolves({ name: NAME, credentialProviderArn: ARN, clientSecretArn: undefined });

    const { code, out, log } = await runMain(["apply"]);

    expect(code).toBe(0);
    expect(JSON.parse(out[0] ?? "")).toEqual({ action: "created", name: NAME, arn: ARN });
    expect([...out, ...log].join("\n")).not.toContain(SECRET);
  });

  it("prints the provider without its secret on get", async () => {
    mock.on(GetOauth2CredentialProviderCommand).resolves(existing());
    const { out } = await runMain(["get"]);
    expect(JSON.parse(out[0] ?? "")).toMatchObject({
      name: NAME,
      arn: ARN,
      vendor: "CustomOauth2",
      clientId: "client-1",
      discoveryUrl: DISCOVERY,
    });
  });

  it("refuses the secret as a flag", async () => {
    await expect(runMain(["apply", "--client-secret", "x"])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/OAUTH_CLIENT_SECRET/),
    });
  });

  it("requires the secret for apply", async () => {
    await expect(runMain(["apply"], { ...env, OAUTH_CLIENT_SECRET: "" })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/no client secret: set OAUTH_CLIENT_SECRET/),
    });
  });

  it("rejects a malformed discovery URL, name or region before calling AWS", async () => {
    await expect(runMain(["apply"], { ...env, OAUTH_DISCOVERY_URL: "http://example.com" })).rejects.toThrow(
      /must be an https URL/,
    );
    await expect(runMain(["apply"], { ...env, OAUTH_PROVIDER_NAME: "bad name" })).rejects.toThrow(
      /must be 1-128 letters/,
    );
    await expect(runMain(["apply"], { ...env, AWS_REGION: "nowhere" })).rejects.toThrow(
      /not an AWS region code/,
    );
    expect(mock.calls()).toHaveLength(0);
  });

  it("takes the expected ARN from OAUTH_PROVIDER_EXPECTED_ARN and exits 1 when AWS's differs", async () => {
    const other = ARN.replace("us-east-1:123456789012", "us-east-1:999999999999");
    mock.on(GetOauth2CredentialProviderCommand).resolves({ ...existing(), credentialProviderArn: other });
    mock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: { [FINGERPRINT_TAG]: secretFingerprint(NAME, SECRET) } });

    await expect(runMain(["apply"], { ...env, OAUTH_PROVIDER_EXPECTED_ARN: ARN })).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining(`has the ARN ${other}, but Terraform computed ${ARN}`),
    });
    // get prints the provider, then fails the same way.
    const out: string[] = [];
    await expect(
      main(
        ["get", "--expected-arn", ARN],
        env,
        () => client,
        (l) => out.push(l),
        () => undefined,
      ),
    ).rejects.toMatchObject({ exitCode: 1 });
    expect(JSON.parse(out[0] ?? "")).toMatchObject({ arn: other });
    // The same provider passes when it is the expected one.
    expect((await runMain(["get", "--expected-arn", other])).code).toBe(0);
  });

  it("rejects an expected ARN that is not a credential provider's, or names another provider", async () => {
    await expect(
      runMain(["apply", "--expected-arn", "arn:aws:iam::123456789012:role/x"]),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/is not an OAuth2 credential provider ARN/),
    });
    await expect(runMain(["get", "--expected-arn", ARN.replace(NAME, "someone-else")])).rejects.toMatchObject(
      { exitCode: 2, message: expect.stringMatching(/names provider "someone-else"/) },
    );
    expect(mock.calls()).toHaveLength(0);
  });

  it("rejects unknown commands and options", async () => {
    await expect(runMain(["create"])).rejects.toMatchObject({ exitCode: 2 });
    await expect(runMain(["apply", "--frobnicate"])).rejects.toMatchObject({ exitCode: 2 });
  });
});
