import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchClientCredentialsToken, main } from "../../scripts/get-token.js";

// A loopback stand-in for the Cognito token endpoint.
let server: Server;
let endpoint: string;
const seen: { authorization?: string; body?: string; contentType?: string }[] = [];

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...(req.headers["content-type"] ? { contentType: req.headers["content-type"] } : {}),
        body,
      });
      if (req.url !== "/oauth2/token" || req.method !== "POST")
        return reply(res, 404, { error: "not_found" });
      const [id, secret] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64")
        .toString()
        .split(":");
      const form = new URLSearchParams(body);
      if (form.get("grant_type") !== "client_credentials")
        return reply(res, 400, { error: "unsupported_grant_type" });
      if (id !== "client-1" || secret !== "the-secret") return reply(res, 400, { error: "invalid_client" });
      if (form.get("scope") && form.get("scope") !== "orgs-mcp/gateway.invoke")
        return reply(res, 400, { error: "invalid_scope" });
      return reply(res, 200, { access_token: "eyJ.token.sig", token_type: "Bearer", expires_in: 3600 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("fetchClientCredentialsToken", () => {
  it("uses HTTP Basic client authentication and the client_credentials grant", async () => {
    const token = await fetchClientCredentialsToken({
      tokenEndpoint: endpoint,
      clientId: "client-1",
      clientSecret: "the-secret",
      scope: "orgs-mcp/gateway.invoke",
    });
    expect(token).toEqual({ access_token: "eyJ.token.sig", token_type: "Bearer", expires_in: 3600 });
    const request = seen.at(-1);
    expect(request?.contentType).toBe("application/x-www-form-urlencoded");
    expect(new URLSearchParams(request?.body).get("scope")).toBe("orgs-mcp/gateway.invoke");
    expect(request?.body).not.toContain("the-secret");
  });

  it("explains a refused client", async () => {
    await expect(
      fetchClientCredentialsToken({ tokenEndpoint: endpoint, clientId: "client-1", clientSecret: "wrong" }),
    ).rejects.toThrow(/HTTP 400 invalid_client: the client id or secret is wrong/);
  });

  it("explains a scope the client may not request", async () => {
    await expect(
      fetchClientCredentialsToken({
        tokenEndpoint: endpoint,
        clientId: "client-1",
        clientSecret: "the-secret",
        scope: "other/scope",
      }),
    ).rejects.toThrow(/invalid_scope: the app client may not request this scope/);
  });

  it("explains a wrong URL", async () => {
    await expect(
      fetchClientCredentialsToken({
        tokenEndpoint: endpoint.replace("/oauth2/token", "/token"),
        clientId: "c",
        clientSecret: "s",
      }),
    ).rejects.toThrow(/HTTP 404.*oauth2\/token endpoint/);
  });
});

describe("command line", () => {
  const env = {
    MCP_TOKEN_ENDPOINT: "",
    MCP_CLIENT_ID: "client-1",
    MCP_CLIENT_SECRET: "the-secret",
    MCP_SCOPE: "orgs-mcp/gateway.invoke",
  };

  it("prints only the access token", async () => {
    const out: string[] = [];
    expect(await main([], { ...env, MCP_TOKEN_ENDPOINT: endpoint }, (l) => out.push(l))).toBe(0);
    expect(out).toEqual(["eyJ.token.sig"]);
  });

  it("prints the whole response with --json", async () => {
    const out: string[] = [];
    await main(["--json", "--token-endpoint", endpoint], env, (l) => out.push(l));
    expect(JSON.parse(out[0] ?? "")).toMatchObject({ access_token: "eyJ.token.sig", expires_in: 3600 });
  });

  it("prints the Authorization header as JSON with --header-json, for a client's headers helper", async () => {
    const out: string[] = [];
    await main(["--header-json", "--token-endpoint", endpoint], env, (l) => out.push(l));
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? "")).toEqual({ Authorization: "Bearer eyJ.token.sig" });
    await expect(main(["--json", "--header-json", "--token-endpoint", endpoint], env)).rejects.toMatchObject({
      exitCode: 2,
    });
  });

  it("takes the secret from the environment only", async () => {
    await expect(main(["--client-secret", "x", "--token-endpoint", endpoint], env)).rejects.toMatchObject({
      exitCode: 2,
    });
    await expect(main(["--token-endpoint", endpoint], { ...env, MCP_CLIENT_SECRET: "" })).rejects.toThrow(
      /set MCP_CLIENT_SECRET/,
    );
  });

  it("refuses plain http except on loopback", async () => {
    await expect(main(["--token-endpoint", "http://example.com/oauth2/token"], env)).rejects.toThrow(
      /must use https/,
    );
  });
});
