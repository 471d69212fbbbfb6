/** Cognito-shaped access tokens signed with a key generated in the test. */
import { createSign, generateKeyPairSync } from "node:crypto";
import type { JwksLike } from "../../src/http/auth.js";

export const TEST_POOL = "us-east-1_TestPool1";
export const TEST_ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${TEST_POOL}`;
export const TEST_CLIENT = "7abc1def2ghi3jkl4mno5pqr6s";
export const TEST_SCOPE = "aws-organizations-mcp/read";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const { n, e } = publicKey.export({ format: "jwk" });
export const testJwks: JwksLike = {
  keys: [{ kty: "RSA", n: String(n), e: String(e), kid: "k1", alg: "RS256", use: "sig" }],
};

export function accessToken(overrides: Record<string, unknown> = {}): string {
  const iat = Math.floor(Date.now() / 1000) - 30;
  const payload = {
    sub: TEST_CLIENT,
    token_use: "access",
    scope: TEST_SCOPE,
    iss: TEST_ISSUER,
    iat,
    exp: iat + 3600,
    jti: "2f9c",
    client_id: TEST_CLIENT,
    ...overrides,
  };
  const input = `${Buffer.from(JSON.stringify({ kid: "k1", alg: "RS256" })).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${input}.${createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url")}`;
}
