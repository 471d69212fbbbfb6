/**
 * Authentication beyond the foundation's matrix (test/auth.test.ts), through the whole app with a
 * JWKS served over loopback HTTP: a rotated signing key (an unknown kid refetches the JWKS, at most
 * once a minute), expiry at the boundary with the server's clock moved, tokens of another user
 * pool, tokens in the wrong place; and no token or key material in any log line or answer.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Fetcher } from "aws-jwt-verify/https";
import { createTokenVerifier } from "../../src/http/auth.js";
import { rawPost, startHarness, type Harness } from "../helpers/harness.js";
import { size } from "./helpers.js";

const POOL = "us-east-1_RotatePool1";
const CLIENT = "5rotate6client7id8abc9def0";
const READ = "aws-organizations-mcp/read";

const keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();
const keyPair = (kid: string) => {
  let pair = keys.get(kid);
  if (!pair) keys.set(kid, (pair = generateKeyPairSync("rsa", { modulusLength: 2048 })));
  return pair;
};

/** The pool's JWKS endpoint: serves the kids in `published`, counts downloads, can be taken down. */
let jwksServer: Server;
let issuer: string;
let published: string[] = ["k1"];
let jwksDown = false;
let downloads = 0;

/** The verifier's clock (milliseconds), moved by the tests to pass the refetch interval. */
let clock = Date.now();

let harness: Harness;
const issued: string[] = [];

function sign(kid: string, overrides: Record<string, unknown> = {}, signingKid = kid): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: CLIENT,
    token_use: "access",
    scope: READ,
    iss: issuer,
    iat: now - 30,
    exp: now + 3600,
    jti: `${kid}-${issued.length}`,
    client_id: CLIENT,
    ...overrides,
  };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${b64({ kid, alg: "RS256" })}.${b64(payload)}`;
  const token = `${input}.${createSign("RSA-SHA256").update(input).sign(keyPair(signingKid).privateKey).toString("base64url")}`;
  issued.push(token);
  return token;
}

const LIST = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const call = (headers: Record<string, string>, path = "/mcp") =>
  harness.fetch(`http://localhost${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: LIST,
  });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function refusal(response: Response): Promise<string> {
  expect(response.status).toBe(401);
  const challenge = response.headers.get("www-authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer realm=/);
  const body = (await response.json()) as any;
  expect(body.error.code).toBe(-32001);
  return /error_description="([^"]+)"/.exec(challenge)?.[1] ?? "missing token";
}

beforeAll(async () => {
  jwksServer = createServer((req, res) => {
    if (!req.url?.endsWith("/.well-known/jwks.json")) return void res.writeHead(404).end();
    downloads++;
    if (jwksDown) return void res.writeHead(503).end();
    const body = JSON.stringify({
      keys: published.map((kid) => {
        const { n, e } = keyPair(kid).publicKey.export({ format: "jwk" });
        return { kty: "RSA", n, e, kid, alg: "RS256", use: "sig" };
      }),
    });
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/${POOL}`;
  // aws-jwt-verify's own fetcher speaks HTTPS only; this one fetches the same document over loopback HTTP.
  const fetcher: Fetcher = {
    fetch: async (uri) => {
      const response = await fetch(uri);
      if (response.status !== 200) throw new Error(`JWKS download failed: ${response.status}`);
      return response.arrayBuffer();
    },
  };
  harness = await startHarness(
    {
      ORG_SOURCE: "demo",
      AUTH_ENABLED: "true",
      COGNITO_USER_POOL_ID: POOL,
      AUTH_ALLOWED_CLIENT_IDS: CLIENT,
      AUTH_REQUIRED_SCOPES: READ,
    },
    {
      createVerifier: (auth) =>
        createTokenVerifier(auth, { issuerOverride: { issuer }, jwksFetcher: fetcher, now: () => clock }),
    },
  );
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  jwksServer?.closeAllConnections();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

describe("signing key rotation", () => {
  it("loads the JWKS once at start-up; known keys never download it again", async () => {
    expect(downloads).toBe(1);
    for (let i = 0; i < 20; i++) expect((await call(bearer(sign("k1")))).status).toBe(200);
    expect(downloads).toBe(1);
  });

  it("accepts a token signed with the pool's new key after one refetch", async () => {
    published = ["k1", "k2"];
    clock += 61_000;
    expect((await call(bearer(sign("k2")))).status).toBe(200);
    expect(downloads).toBe(2);
    // Both keys work from now on, without downloads.
    expect((await call(bearer(sign("k1")))).status).toBe(200);
    expect((await call(bearer(sign("k2")))).status).toBe(200);
    expect(downloads).toBe(2);
  });

  it("refetches at most once a minute, however many unknown kids arrive (and concurrent ones share it)", async () => {
    const burst = size(500, 100);
    // Within the minute after the last refetch: forged kids cost no download.
    const forged = await Promise.all(
      Array.from({ length: burst }, (_, i) => call(bearer(sign(`forged-${i}`, {}, "attacker")))),
    );
    for (const response of forged)
      expect(await refusal(response)).toBe("the token was signed with an unknown key");
    expect(downloads).toBe(2);

    // A minute later: a burst of unknown kids, at once, downloads once.
    clock += 60_000;
    const later = await Promise.all(
      Array.from({ length: burst }, (_, i) => call(bearer(sign(`later-${i}`, {}, "attacker")))),
    );
    for (const response of later) expect(response.status).toBe(401);
    expect(downloads).toBe(3);
    // And then not again within the minute, even for a key the pool has published since.
    published = ["k1", "k2", "k3"];
    expect(await refusal(await call(bearer(sign("k3"))))).toBe("the token was signed with an unknown key");
    expect(downloads).toBe(3);
    clock += 60_000;
    expect((await call(bearer(sign("k3")))).status).toBe(200);
    expect(downloads).toBe(4);
  });

  it("refuses a retired key once the pool no longer publishes it", async () => {
    published = ["k3"];
    clock += 60_000;
    expect((await call(bearer(sign("k4", {}, "k4")))).status).toBe(401); // triggers the refetch
    expect(downloads).toBe(5);
    expect((await call(bearer(sign("k3")))).status).toBe(200);
    expect(await refusal(await call(bearer(sign("k1"))))).toBe("the token was signed with an unknown key");
  });

  it("keeps serving known keys when the JWKS endpoint fails during a refetch; the unknown kid gets 503 (retry), not 401", async () => {
    jwksDown = true;
    clock += 60_000;
    const before = downloads;
    // The token may be good (a rotated key): a client told 401 would throw it away.
    const first = await call(bearer(sign("k5", {}, "k5")));
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBeTruthy();
    // Within the interval the failure stands, without another download.
    expect((await call(bearer(sign("k5", {}, "k5")))).status).toBe(503);
    expect(downloads - before).toBe(1);
    expect((await call(bearer(sign("k3")))).status).toBe(200);
    jwksDown = false;
  });
});

describe("expiry at the boundary, with the server's clock moved", () => {
  it("accepts a token until exp and refuses it from one second after, by the server's clock", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = sign("k3", { exp, iat: exp - 3600 });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((exp - 1) * 1000);
    expect((await call(bearer(token))).status).toBe(200);
    vi.setSystemTime(exp * 1000);
    expect((await call(bearer(token))).status).toBe(200);
    vi.setSystemTime((exp + 1) * 1000);
    expect(await refusal(await call(bearer(token)))).toBe("the token has expired");
    vi.setSystemTime((exp + 86_400) * 1000);
    expect(await refusal(await call(bearer(token)))).toBe("the token has expired");
  });

  it("accepts a token issued by a clock ahead of the server's (iat in the future), but not one not yet valid (nbf)", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await call(bearer(sign("k3", { iat: now + 120 })))).status).toBe(200);
    expect(await refusal(await call(bearer(sign("k3", { nbf: now + 5 }))))).toBe("the token is not valid");
  });

  it("refuses generated expiry times on either side of now (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -100_000, max: 100_000 }).filter((d) => Math.abs(d) >= 2),
        async (delta) => {
          const exp = Math.floor(Date.now() / 1000) + delta;
          const response = await call(
            bearer(sign("k3", { exp, iat: Math.min(exp, Math.floor(Date.now() / 1000)) - 60 })),
          );
          if (delta > 0) expect(response.status).toBe(200);
          else expect(await refusal(response)).toBe("the token has expired");
        },
      ),
      { numRuns: size(300, 40), seed: 5 },
    );
  });
});

describe("tokens from elsewhere and in the wrong place", () => {
  it("refuses a token of another user pool without downloading anything", async () => {
    const before = downloads;
    clock += 60_000;
    const otherPool = `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool9`;
    expect(await refusal(await call(bearer(sign("other", { iss: otherPool }, "other"))))).toBe(
      "the token was issued by another issuer",
    );
    // Same key id as a trusted key, other pool's key: the signature gives it away.
    expect(await refusal(await call(bearer(sign("k3", { iss: otherPool }, "other"))))).toBe(
      "the token was issued by another issuer",
    );
    expect(await refusal(await call(bearer(sign("k3", {}, "other"))))).toBe("the token signature is invalid");
    expect(downloads).toBe(before);
  });

  it.each<[string, (token: string) => [Record<string, string>, string?]]>([
    ["query string access_token", (t) => [{}, `/mcp?access_token=${t}`]],
    ["query string token", (t) => [{}, `/mcp?token=${t}&authorization=Bearer%20${t}`]],
    ["X-Access-Token header", (t) => [{ "x-access-token": t }]],
    ["X-Amz-Security-Token header", (t) => [{ "x-amz-security-token": t }]],
    ["Proxy-Authorization header", (t) => [{ "proxy-authorization": `Bearer ${t}` }]],
    ["cookie", (t) => [{ cookie: `access_token=${t}; id_token=${t}` }]],
    ["Basic scheme", (t) => [{ authorization: `Basic ${Buffer.from(`${CLIENT}:${t}`).toString("base64")}` }]],
    ["MCP session id header", (t) => [{ "mcp-session-id": t }]],
  ])("refuses a valid token sent in the %s", async (_where, place) => {
    const [headers, path] = place(sign("k3"));
    expect(await refusal(await call(headers, path))).toBe("missing token");
  });

  it("answers a refused request before the MCP server sees it", async () => {
    const response = await rawPost(
      harness,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: { name: "get_server_status", arguments: {} },
      }),
    );
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("structuredContent");
  });
});

describe("secrets in logs and answers", () => {
  it("never writes a token, a signature or key material to the log or an answer", async () => {
    // Every kind of request made above, once more, collecting the answers this time.
    const answers: string[] = [];
    for (const token of [
      sign("k3"),
      sign("k1"),
      sign("zz", {}, "attacker"),
      sign("k3", { exp: 1 }),
      `${sign("k3")}x`,
    ]) {
      for (const [headers, path] of [
        [bearer(token)],
        [{}, `/mcp?access_token=${token}`],
        [{ cookie: `t=${token}` }],
      ] as const) {
        const response = await call(headers, path);
        const headerText: string[] = [];
        response.headers.forEach((value, name) => headerText.push(`${name}: ${value}`));
        answers.push(await response.text(), headerText.join("\n"));
      }
    }
    const logs = harness.logger.lines.join("\n");
    expect(harness.logger.lines.length).toBeGreaterThan(100);
    const secrets = [
      ...issued,
      ...issued.map((t) => t.split(".")[2]!),
      ...[...keys.values()].map((k) => k.privateKey.export({ format: "jwk" }).d!),
    ];
    const leakedToLogs = secrets.filter((s) => logs.includes(s));
    const leakedToAnswers = secrets.filter((s) => answers.some((a) => a.includes(s)));
    expect(leakedToLogs).toEqual([]);
    expect(leakedToAnswers).toEqual([]);
    expect(secrets.length).toBeGreaterThan(issued.length);
  });
});
