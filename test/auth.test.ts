import { generateKeyPairSync, createHmac, createSign, type KeyObject } from "node:crypto";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import type { Fetcher } from "aws-jwt-verify/https";
import {
  AuthError,
  bearerAuth,
  createTokenVerifier,
  type JwksLike,
  type TokenVerifier,
} from "../src/http/auth.js";
import type { AuthConfig } from "../src/config/schema.js";
import { ConfigError } from "../src/errors.js";
import { createMemoryLogger } from "../src/logging/logger.js";

const POOL = "us-east-1_TestPool1";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const CLIENT = "7abc1def2ghi3jkl4mno5pqr6s";
const KID = "test-key-1";
const READ = "aws-organizations-mcp/read";

const auth: AuthConfig = {
  enabled: true,
  userPoolId: POOL,
  region: "us-east-1",
  allowedClientIds: [CLIENT, "another-client"],
  requiredScopes: [READ],
};

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const { privateKey: otherPrivateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

function jwkOf(key: KeyObject, kid: string): JwksLike["keys"][number] {
  const { n, e } = key.export({ format: "jwk" });
  if (typeof n !== "string" || typeof e !== "string") throw new Error("not an RSA key");
  return { kty: "RSA", n, e, kid, alg: "RS256", use: "sig" };
}

const jwks: JwksLike = { keys: [jwkOf(publicKey, KID)] };

const b64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");
const now = (): number => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = now() - 60;
  return {
    sub: CLIENT,
    token_use: "access",
    scope: `${READ} other`,
    auth_time: iat,
    iss: ISSUER,
    exp: iat + 3600,
    iat,
    version: 2,
    jti: "0b7f5e3a-8c1d-4e2f-9a6b-1c2d3e4f5a6b",
    client_id: CLIENT,
    ...overrides,
  };
}

interface SignOptions {
  header?: Record<string, unknown>;
  key?: KeyObject;
  alg?: string;
}

/** Signs `payload` as an RS256 JWT (or as `alg`, with `key`, for the negative cases). */
function sign(payload: Record<string, unknown>, options: SignOptions = {}): string {
  const header = { kid: KID, alg: "RS256", ...options.header };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const hash = options.alg === "RS384" ? "RSA-SHA384" : "RSA-SHA256";
  const signature = createSign(hash)
    .update(input)
    .sign(options.key ?? privateKey);
  return `${input}.${b64url(signature)}`;
}

function buildApp(verifier: TokenVerifier, logger = createMemoryLogger()): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.post("/mcp", bearerAuth(verifier, logger), (c) => c.json({ caller: c.get("caller") }));
  return app;
}

const rpc = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

function call(app: Hono, headers: Record<string, string> = {}, path = "/mcp"): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: rpc,
    }),
  );
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

interface RpcErrorBody {
  jsonrpc: string;
  id: null;
  error: { code: number; message: string };
}

/** Asserts the RFC 6750 challenge and the JSON-RPC error body; returns the error_description. */
async function expectUnauthorized(
  response: Response,
  expected: { error: boolean },
): Promise<string | undefined> {
  expect(response.status).toBe(401);
  const challenge = response.headers.get("www-authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer realm="aws-organizations-mcp-server"/);
  const body = (await response.json()) as RpcErrorBody;
  expect(body).toEqual({
    jsonrpc: "2.0",
    id: null,
    error: { code: -32001, message: expect.stringMatching(/^Unauthorized: /) },
  });
  if (!expected.error) {
    expect(challenge).toBe('Bearer realm="aws-organizations-mcp-server"');
    return undefined;
  }
  const match =
    /^Bearer realm="aws-organizations-mcp-server", error="invalid_token", error_description="([^"\\]+)"$/.exec(
      challenge,
    );
  expect(match).not.toBeNull();
  return match?.[1];
}

async function reasonOf(verifier: TokenVerifier, token: string): Promise<string> {
  try {
    await verifier.verify(token);
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
  return "accepted";
}

describe("createTokenVerifier", () => {
  let verifier: TokenVerifier;
  beforeEach(() => {
    verifier = createTokenVerifier(auth, { jwks });
  });

  it("accepts a valid Cognito access token and returns the caller", async () => {
    const payload = claims();
    await expect(verifier.verify(sign(payload))).resolves.toEqual({
      clientId: CLIENT,
      scopes: [READ, "other"],
      subject: CLIENT,
      tokenExpiresAt: payload["exp"],
    });
  });

  it("accepts Cognito's issuer-cognito-idp issuer format for the same pool", async () => {
    const token = sign(claims({ iss: `https://issuer-cognito-idp.us-east-1.amazonaws.com/${POOL}` }));
    expect(await reasonOf(verifier, token)).toBe("accepted");
  });

  it("accepts any of the allowed client ids", async () => {
    expect(
      await reasonOf(verifier, sign(claims({ client_id: "another-client", sub: "another-client" }))),
    ).toBe("accepted");
  });

  it.each([
    ["empty", ""],
    ["not three parts", "abc.def"],
    ["four parts", "a.b.c.d"],
    ["garbage base64", "!!!.@@@.###"],
    ["base64 that is not JSON", `${b64url("not json")}.${b64url("{}")}.${b64url("sig")}`],
    [
      "a JSON array payload",
      `${b64url('{"alg":"RS256","kid":"test-key-1"}')}.${b64url("[1]")}.${b64url("sig")}`,
    ],
    ["oversized", `${"a".repeat(10_000)}.${"b".repeat(10_000)}.c`],
  ])("refuses a malformed token (%s)", async (_name, token) => {
    expect(await reasonOf(verifier, token)).toBe(token === "" ? "missing_token" : "malformed_token");
  });

  it("refuses a token signed by another key with the same kid", async () => {
    expect(await reasonOf(verifier, sign(claims(), { key: otherPrivateKey }))).toBe("invalid_signature");
  });

  it("refuses a token whose payload was altered after signing", async () => {
    const [header, , signature] = sign(claims()).split(".");
    const forged = `${header}.${b64url(JSON.stringify(claims({ client_id: "another-client" })))}.${signature}`;
    expect(await reasonOf(verifier, forged)).toBe("invalid_signature");
  });

  it("refuses an expired token", async () => {
    expect(await reasonOf(verifier, sign(claims({ exp: now() - 10, iat: now() - 3610 })))).toBe(
      "token_expired",
    );
  });

  it("refuses a token that is not yet valid (nbf in the future)", async () => {
    expect(await reasonOf(verifier, sign(claims({ nbf: now() + 600 })))).toBe("invalid_token");
  });

  it("refuses a token without exp", async () => {
    const payload = claims();
    delete payload["exp"];
    expect(await reasonOf(verifier, sign(payload))).toBe("invalid_token");
  });

  it("refuses a token from another user pool, even when signed with a trusted key", async () => {
    const token = sign(claims({ iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool" }));
    expect(await reasonOf(verifier, token)).toBe("wrong_issuer");
  });

  it("refuses a token without iss", async () => {
    const payload = claims();
    delete payload["iss"];
    expect(await reasonOf(verifier, sign(payload))).toBe("wrong_issuer");
  });

  it("refuses a token for another app client", async () => {
    expect(await reasonOf(verifier, sign(claims({ client_id: "not-allowed" })))).toBe("client_not_allowed");
  });

  it("refuses a token that has only one of two required scopes", async () => {
    const strict = createTokenVerifier(
      { ...auth, requiredScopes: [READ, "aws-organizations-mcp/write"] },
      { jwks },
    );
    await expect(strict.verify(sign(claims()))).rejects.toMatchObject({
      reason: "missing_scope",
      message: expect.stringContaining("aws-organizations-mcp/read aws-organizations-mcp/write"),
    });
    const both = sign(claims({ scope: `aws-organizations-mcp/write other ${READ}` }));
    expect(await reasonOf(strict, both)).toBe("accepted");
  });

  it("refuses a token without a scope claim when scopes are required", async () => {
    const payload = claims();
    delete payload["scope"];
    expect(await reasonOf(verifier, sign(payload))).toBe("missing_scope");
  });

  it("does not treat a scope prefix as the scope", async () => {
    expect(await reasonOf(verifier, sign(claims({ scope: `${READ}-all other` })))).toBe("missing_scope");
  });

  it("requires no scope when requiredScopes is empty", async () => {
    const open = createTokenVerifier({ ...auth, requiredScopes: [] }, { jwks });
    const payload = claims();
    delete payload["scope"];
    await expect(open.verify(sign(payload))).resolves.toMatchObject({ clientId: CLIENT, scopes: [] });
  });

  it("refuses alg none, with or without a signature part", async () => {
    const header = b64url(JSON.stringify({ alg: "none", kid: KID }));
    const payload = b64url(JSON.stringify(claims()));
    expect(await reasonOf(verifier, `${header}.${payload}.`)).toBe("malformed_token");
    expect(await reasonOf(verifier, `${header}.${payload}.${b64url("x")}`)).toBe("invalid_signature");
  });

  it("refuses HS256 signed with the public key (algorithm confusion)", async () => {
    const header = b64url(JSON.stringify({ alg: "HS256", kid: KID }));
    const input = `${header}.${b64url(JSON.stringify(claims()))}`;
    const secret = publicKey.export({ format: "pem", type: "spki" });
    const token = `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
    expect(await reasonOf(verifier, token)).toBe("invalid_signature");
  });

  it("refuses an algorithm other than the key's (RS384 against an RS256 key)", async () => {
    expect(await reasonOf(verifier, sign(claims(), { alg: "RS384", header: { alg: "RS384" } }))).toBe(
      "invalid_signature",
    );
  });

  it("refuses an unknown kid, and a token without kid, without fetching keys", async () => {
    let fetches = 0;
    const fetcher: Fetcher = {
      fetch: () => {
        fetches += 1;
        return Promise.reject(new Error("no network in tests"));
      },
    };
    const offline = createTokenVerifier(auth, { jwks, jwksFetcher: fetcher });
    expect(
      await reasonOf(offline, sign(claims(), { key: otherPrivateKey, header: { kid: "rotated-key" } })),
    ).toBe("unknown_key");
    expect(await reasonOf(offline, sign(claims(), { header: { kid: undefined } }))).toBe("unknown_key");
    expect(fetches).toBe(0);
  });

  it("refuses an ID token", async () => {
    const idToken = sign(
      claims({
        token_use: "id",
        aud: CLIENT,
        client_id: undefined,
        scope: undefined,
        "cognito:username": "someone",
      }),
    );
    expect(await reasonOf(verifier, idToken)).toBe("wrong_token_use");
  });

  it("refuses a token_use other than id or access", async () => {
    expect(await reasonOf(verifier, sign(claims({ token_use: "refresh" })))).toBe("wrong_token_use");
  });

  it("rejects configurations it cannot enforce", () => {
    const { userPoolId: _omitted, ...withoutPool } = auth;
    expect(() => createTokenVerifier(withoutPool, { jwks })).toThrow(ConfigError);
    expect(() => createTokenVerifier({ ...auth, allowedClientIds: [] }, { jwks })).toThrow(ConfigError);
    expect(() => createTokenVerifier({ ...auth, region: "eu-west-1" }, { jwks })).toThrow(ConfigError);
  });

  it("verifies tokens of a Cognito-compatible issuer given with issuerOverride", async () => {
    const issuer = "https://idp.example.test/pool";
    const custom = createTokenVerifier(auth, { jwks, issuerOverride: { issuer } });
    expect(await reasonOf(custom, sign(claims({ iss: issuer })))).toBe("accepted");
    expect(await reasonOf(custom, sign(claims()))).toBe("wrong_issuer");
    expect(await reasonOf(custom, sign(claims({ iss: issuer, client_id: "not-allowed" })))).toBe(
      "client_not_allowed",
    );
    expect(await reasonOf(custom, sign(claims({ iss: issuer, token_use: "id" })))).toBe("wrong_token_use");
  });
});

describe("JWKS loading", () => {
  function fakeFetcher(body: unknown): Fetcher & { uris: string[] } {
    const uris: string[] = [];
    return {
      uris,
      fetch: (uri) => {
        uris.push(uri);
        if (body instanceof Error) return Promise.reject(body);
        const bytes = Buffer.from(JSON.stringify(body));
        return Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      },
    };
  }

  it("hydrate() fetches the pool's JWKS once; known kids never fetch, an unknown kid refetches once", async () => {
    const fetcher = fakeFetcher(jwks);
    const verifier = createTokenVerifier(auth, { jwksFetcher: fetcher });
    await verifier.hydrate();
    const fetchedAtStart = [...fetcher.uris];
    expect(fetchedAtStart).toContain(`${ISSUER}/.well-known/jwks.json`);
    expect(await reasonOf(verifier, sign(claims()))).toBe("accepted");
    await verifier.hydrate();
    expect(fetcher.uris).toEqual(fetchedAtStart);
    // Rotation (test/reliability/auth-rotation.test.ts has the rate limit in detail).
    expect(await reasonOf(verifier, sign(claims(), { header: { kid: "rotated-key" } }))).toBe("unknown_key");
    expect(await reasonOf(verifier, sign(claims(), { header: { kid: "other-key" } }))).toBe("unknown_key");
    expect(fetcher.uris).toEqual([...fetchedAtStart, `${ISSUER}/.well-known/jwks.json`]);
  });

  it("hydrate() is a no-op when a JWKS was injected", async () => {
    const fetcher = fakeFetcher(new Error("must not fetch"));
    const verifier = createTokenVerifier(auth, { jwks, jwksFetcher: fetcher });
    await verifier.hydrate();
    expect(fetcher.uris).toEqual([]);
  });

  it("loads the keys on the first request when hydrate() was not called", async () => {
    const fetcher = fakeFetcher(jwks);
    const verifier = createTokenVerifier(auth, { jwksFetcher: fetcher });
    expect(await reasonOf(verifier, sign(claims()))).toBe("accepted");
    expect(fetcher.uris.length).toBeGreaterThan(0);
  });

  it("hydrate() rejects when the JWKS cannot be fetched, and requests get 503 (not 401)", async () => {
    const fetcher = fakeFetcher(new Error("connect ECONNREFUSED"));
    const verifier = createTokenVerifier(auth, { jwksFetcher: fetcher });
    await expect(verifier.hydrate()).rejects.toThrow(/could not load the token signing keys/);
    const logger = createMemoryLogger();
    const token = sign(claims());
    const response = await call(buildApp(verifier, logger), bearer(token));
    expect(response.status).toBe(503);
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(((await response.json()) as RpcErrorBody).error.code).toBe(-32603);
    expect(logger.lines.join("\n")).not.toContain(token);
  });

  it("hydrate() fetches the issuerOverride's JWKS URI", async () => {
    const fetcher = fakeFetcher(jwks);
    const issuer = "https://idp.example.test/pool";
    const verifier = createTokenVerifier(auth, {
      issuerOverride: { issuer, jwksUri: "https://keys.example.test/jwks" },
      jwksFetcher: fetcher,
    });
    await verifier.hydrate();
    expect(fetcher.uris).toEqual(["https://keys.example.test/jwks"]);
    expect(await reasonOf(verifier, sign(claims({ iss: issuer })))).toBe("accepted");
  });
});

describe("bearerAuth middleware", () => {
  let logger: ReturnType<typeof createMemoryLogger>;
  let app: Hono;
  const issuedTokens: string[] = [];
  const issue = (payload: Record<string, unknown>, options?: SignOptions): string => {
    const token = sign(payload, options);
    issuedTokens.push(token);
    return token;
  };

  beforeEach(() => {
    logger = createMemoryLogger("debug");
    app = buildApp(createTokenVerifier(auth, { jwks }), logger);
  });

  it("passes a valid token and the handler sees the caller", async () => {
    const token = issue(claims());
    const response = await call(app, bearer(token));
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      caller: { clientId: string; scopes: string[]; subject: string };
    };
    expect(body.caller).toMatchObject({ clientId: CLIENT, subject: CLIENT, scopes: [READ, "other"] });
    const debug = logger.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry["level"] === "debug");
    expect(debug).toMatchObject({ msg: "request authenticated", clientId: CLIENT });
  });

  it("accepts the scheme in any case", async () => {
    expect((await call(app, { authorization: `bearer ${issue(claims())}` })).status).toBe(200);
    expect((await call(app, { authorization: `BEARER ${issue(claims())}` })).status).toBe(200);
  });

  it("keeps /healthz open without a token", async () => {
    const response = await app.request("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("refuses a request without Authorization (challenge without error code)", async () => {
    await expectUnauthorized(await call(app), { error: false });
    expect(logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ level: "warn", reason: "missing_token" }),
    );
  });

  it("refuses a non-Bearer scheme as a missing token", async () => {
    await expectUnauthorized(await call(app, { authorization: "Basic dXNlcjpwYXNz" }), { error: false });
    await expectUnauthorized(await call(app, { authorization: `Token ${issue(claims())}` }), {
      error: false,
    });
    await expectUnauthorized(await call(app, { authorization: `Bearer${issue(claims())}` }), {
      error: false,
    });
    await expectUnauthorized(await call(app, { authorization: "Bearer " }), { error: false });
  });

  it("ignores a token in the query string or in another header", async () => {
    const token = issue(claims());
    await expectUnauthorized(await call(app, {}, `/mcp?access_token=${token}`), { error: false });
    await expectUnauthorized(await call(app, { "x-access-token": token }), { error: false });
    await expectUnauthorized(await call(app, { cookie: `access_token=${token}` }), { error: false });
  });

  it("refuses a malformed Authorization value", async () => {
    const token = issue(claims());
    const description = await expectUnauthorized(
      await call(app, { authorization: `Bearer ${token} extra` }),
      { error: true },
    );
    expect(description).toBe("the bearer token is not a well-formed JWT");
    await expectUnauthorized(await call(app, { authorization: "Bearer not-a-jwt" }), { error: true });
  });

  it.each<[string, () => string, string]>([
    ["bad signature", () => issue(claims(), { key: otherPrivateKey }), "the token signature is invalid"],
    ["expired", () => issue(claims({ exp: now() - 10 })), "the token has expired"],
    ["not yet valid", () => issue(claims({ nbf: now() + 600 })), "the token is not valid"],
    [
      "wrong issuer",
      () => issue(claims({ iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool" })),
      "the token was issued by another issuer",
    ],
    [
      "wrong client",
      () => issue(claims({ client_id: "not-allowed" })),
      "the token's app client is not allowed",
    ],
    ["missing scope", () => issue(claims({ scope: "other" })), "the token lacks a required scope"],
    [
      "unknown kid",
      () => issue(claims(), { key: otherPrivateKey, header: { kid: "rotated-key" } }),
      "the token was signed with an unknown key",
    ],
    [
      "ID token",
      () => issue(claims({ token_use: "id", aud: CLIENT, client_id: undefined })),
      "the token is not an access token",
    ],
    [
      "alg none",
      () =>
        `${b64url(JSON.stringify({ alg: "none", kid: KID }))}.${b64url(JSON.stringify(claims()))}.${b64url("x")}`,
      "the token signature is invalid",
    ],
  ])("answers 401 with an invalid_token challenge: %s", async (_name, makeToken, description) => {
    const response = await call(app, bearer(makeToken()));
    expect(await expectUnauthorized(response, { error: true })).toBe(description);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const warn = logger.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry["level"] === "warn");
    expect(warn).toBeDefined();
    expect(Object.keys(warn ?? {}).sort()).toEqual(["level", "msg", "reason", "time"]);
  });

  it("tells the caller what to do in the JSON-RPC error message", async () => {
    const response = await call(app, bearer(issue(claims({ exp: now() - 10 }))));
    const body = (await response.json()) as RpcErrorBody;
    expect(body.error.message).toBe(
      "Unauthorized: the access token has expired. Request a new one from the Cognito token endpoint and retry.",
    );
  });

  it("never writes a token to the logs or echoes it in the response", async () => {
    const tokens = [
      issue(claims()),
      issue(claims({ exp: now() - 10 })),
      issue(claims(), { key: otherPrivateKey }),
      issue(claims({ client_id: "not-allowed" })),
      "not-a-jwt-but-secret-looking-value",
      `${b64url("{bad")}.${b64url("{}")}.${b64url("sig")}`,
    ];
    const bodies: string[] = [];
    for (const token of tokens) {
      const response = await call(app, bearer(token));
      bodies.push(await response.text(), response.headers.get("www-authenticate") ?? "");
    }
    const logs = logger.lines.join("\n");
    expect(logger.lines.length).toBeGreaterThanOrEqual(tokens.length);
    for (const token of [...tokens, ...issuedTokens]) {
      expect(logs).not.toContain(token);
      expect(bodies.join("\n")).not.toContain(token);
      // Not even the signature part on its own.
      const signature = token.split(".")[2];
      if (signature && signature.length > 8) expect(logs).not.toContain(signature);
    }
  });
});
