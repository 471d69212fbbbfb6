/**
 * Fetches an OAuth 2.0 access token with the client-credentials grant from the Cognito token
 * endpoint, for an MCP client of the Gateway. Prints only the token, so it can be captured:
 *
 *   export MCP_TOKEN="$(npx tsx scripts/get-token.ts)"
 *
 * MCP_TOKEN is the one name for the token everywhere (README, docs/deploy.md, smoke-test.ts). With
 * --header-json it prints the Authorization header as a JSON object instead, what a client's
 * headers helper (Claude Code's headersHelper) runs on each connection, so no token is stored.
 */
import { parseArgs } from "node:util";
import { CliError, errorText, isMain, runCli, usageError } from "./lib/cli.js";

export const HELP = `Usage: npx tsx scripts/get-token.ts [options]

Fetches a client-credentials access token for an MCP client from the Cognito token endpoint
(terraform output token_endpoint) and prints it on stdout.

Options (each falls back to the environment variable in brackets):
  --token-endpoint URL   https://<domain>.auth.<region>.amazoncognito.com/oauth2/token [MCP_TOKEN_ENDPOINT]
  --client-id ID         the MCP client's app client id (terraform output mcp_client_ids) [MCP_CLIENT_ID]
  --scope SCOPE          scope to request (terraform output oauth_scope) [MCP_SCOPE]
  --json                 print the whole token response (access_token, expires_in, ...) as JSON
  --header-json          print {"Authorization":"Bearer <token>"}, for a client's headers helper
  -h, --help             show this help

The client secret is read from MCP_CLIENT_SECRET only; it is never accepted as a flag.
Tokens expire (access_token_validity_minutes, 60 by default): run this again for a fresh one,
  export MCP_TOKEN="$(npx tsx scripts/get-token.ts)"
Exit codes: 0 success, 1 the token endpoint refused or failed, 2 wrong usage.`;

export interface TokenRequest {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
}

const HINTS: Record<string, string> = {
  invalid_client: "the client id or secret is wrong, or the app client has no secret",
  unauthorized_client: "the app client is not allowed the client_credentials grant",
  invalid_scope: "the app client may not request this scope (check terraform output oauth_scope)",
  invalid_grant: "the grant was refused",
};

export async function fetchClientCredentialsToken(request: TokenRequest): Promise<TokenResponse> {
  const body = new URLSearchParams({ grant_type: "client_credentials" });
  if (request.scope) body.set("scope", request.scope);
  const basic = Buffer.from(
    `${encodeURIComponent(request.clientId)}:${encodeURIComponent(request.clientSecret)}`,
  ).toString("base64");
  let response: Response;
  try {
    response = await (request.fetchImpl ?? fetch)(request.tokenEndpoint, {
      method: "POST",
      headers: {
        Authorization: `Basic ${basic}`,
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
      },
      body,
      signal: AbortSignal.timeout(request.timeoutMs ?? 15_000),
    });
  } catch (error) {
    throw new CliError(`cannot reach the token endpoint ${request.tokenEndpoint}: ${errorText(error)}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: unknown } | undefined)?.error;
    const code = typeof error === "string" ? error : undefined;
    const hint = code ? HINTS[code] : undefined;
    throw new CliError(
      `the token endpoint answered HTTP ${response.status}${code ? ` ${code}` : ""}` +
        `${hint ? `: ${hint}` : ""}${response.status === 404 ? " (is the URL the /oauth2/token endpoint of the Cognito domain?)" : ""}.`,
    );
  }
  const token = json as Partial<TokenResponse> | undefined;
  if (!token || typeof token.access_token !== "string" || token.access_token.length === 0) {
    throw new CliError("the token endpoint answered without an access_token.");
  }
  return {
    access_token: token.access_token,
    token_type: typeof token.token_type === "string" ? token.token_type : "Bearer",
    ...(typeof token.expires_in === "number" ? { expires_in: token.expires_in } : {}),
    ...(typeof token.scope === "string" ? { scope: token.scope } : {}),
  };
}

/** Reads the token request from flags and environment variables. */
export function tokenRequestFrom(
  values: {
    "token-endpoint"?: string | undefined;
    "client-id"?: string | undefined;
    scope?: string | undefined;
  },
  env: NodeJS.ProcessEnv,
): TokenRequest {
  const tokenEndpoint = values["token-endpoint"] ?? env.MCP_TOKEN_ENDPOINT;
  const clientId = values["client-id"] ?? env.MCP_CLIENT_ID;
  const clientSecret = env.MCP_CLIENT_SECRET;
  const scope = values.scope ?? env.MCP_SCOPE;
  if (!tokenEndpoint) throw usageError("no token endpoint: pass --token-endpoint or set MCP_TOKEN_ENDPOINT.");
  let url: URL;
  try {
    url = new URL(tokenEndpoint);
  } catch {
    throw usageError(`token endpoint "${tokenEndpoint}" is not a URL.`);
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw usageError(`token endpoint "${tokenEndpoint}" must use https.`);
  }
  if (!clientId) throw usageError("no client id: pass --client-id or set MCP_CLIENT_ID.");
  if (!clientSecret) throw usageError("no client secret: set MCP_CLIENT_SECRET (never passed as a flag).");
  return { tokenEndpoint, clientId, clientSecret, ...(scope ? { scope } : {}) };
}

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (line) => console.log(line),
  fetchImpl?: typeof fetch,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        "token-endpoint": { type: "string" },
        "client-id": { type: "string" },
        "client-secret": { type: "string" },
        scope: { type: "string" },
        json: { type: "boolean" },
        "header-json": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw usageError(`${errorText(error)}\n\n${HELP}`);
  }
  const { values } = parsed;
  if (values.help) {
    out(HELP);
    return 0;
  }
  if (values["client-secret"] !== undefined) {
    throw usageError("--client-secret is not accepted: set MCP_CLIENT_SECRET instead.");
  }
  if (values.json && values["header-json"]) throw usageError("give --json or --header-json, not both.");
  const request = tokenRequestFrom(values, env);
  const token = await fetchClientCredentialsToken({ ...request, ...(fetchImpl ? { fetchImpl } : {}) });
  if (values.json) out(JSON.stringify(token));
  else if (values["header-json"]) out(JSON.stringify({ Authorization: `Bearer ${token.access_token}` }));
  else out(token.access_token);
  return 0;
}

if (isMain(import.meta.url)) runCli((argv) => main(argv));
