/**
 * In-process verification of Amazon Cognito ACCESS tokens (client-credentials grant) and the
 * Hono middleware that guards the MCP endpoint with them.
 *
 * - Signature, expiry, issuer, token_use and client_id are checked by aws-jwt-verify.
 * - Every scope in `auth.requiredScopes` must be present (aws-jwt-verify's own `scope` option only
 *   requires one of them, so the full check is done here).
 * - The signing keys (JWKS) are fetched by `hydrate()` at start-up (or lazily on the first request
 *   if start-up did not). A token with the trusted issuer but a `kid` not in the loaded JWKS (the
 *   pool rotated its key) triggers one refetch, at most once per `jwksRefetchIntervalMs` (60 s), so
 *   forged kids cannot make the server hammer the JWKS endpoint; if the kid is still unknown the
 *   token is refused as `unknown_key`. An injected JWKS is fixed: it is never refetched.
 * - Failures are reduced to an `AuthFailureReason`; neither the token nor library error details
 *   (which may quote claims) reach the response or the logs.
 */
import type { MiddlewareHandler } from "hono";
import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  JwksNotAvailableInCacheError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidScopeError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";
import type { Fetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { Jwks } from "aws-jwt-verify/jwk";
import { decomposeUnverifiedJwt } from "aws-jwt-verify/jwt";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { AuthConfig } from "../config/schema.js";
import { ConfigError, UserError, errorMessage } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import { jsonRpcError } from "./json-rpc.js";

/** The authenticated caller, available to handlers as `c.get("caller")`. */
export interface VerifiedCaller {
  /** The Cognito app client id (`client_id` claim). */
  clientId: string;
  /** The token's scopes (`scope` claim, split on whitespace). */
  scopes: string[];
  /** The `sub` claim (for client-credentials tokens, the app client id as well). */
  subject: string;
  /** The `exp` claim, in seconds since the epoch. */
  tokenExpiresAt: number;
}

export interface TokenVerifier {
  /** Resolves with the caller, or rejects with `AuthError` (the token is refused) or another error (keys unavailable). */
  verify(token: string): Promise<VerifiedCaller>;
  /** Loads the JWKS. Call once at start-up; rejects when the keys cannot be fetched. No-op when a JWKS was injected. */
  hydrate(): Promise<void>;
}

/** A JSON Web Key Set, as served at `<issuer>/.well-known/jwks.json`. */
export type JwksLike = Jwks;

export interface TokenVerifierOptions {
  /** A JWKS to use instead of downloading one (tests, or a pre-fetched set). `hydrate()` then fetches nothing. */
  jwks?: JwksLike;
  /**
   * Expect this `iss` instead of the Cognito issuer derived from `auth.userPoolId` (a Cognito-compatible
   * issuer, e.g. in tests). The JWKS is read from `jwksUri`, by default `<issuer>/.well-known/jwks.json`.
   * token_use, client_id and scope checks are unchanged.
   */
  issuerOverride?: { issuer: string; jwksUri?: string };
  /** Downloads the JWKS document; defaults to aws-jwt-verify's HTTPS fetcher. */
  jwksFetcher?: Fetcher;
  /** Least time between two refetches for an unknown `kid`; default 60 s. */
  jwksRefetchIntervalMs?: number;
  /** Milliseconds since the epoch, for the refetch rate limit (tests). */
  now?: () => number;
}

export type AuthFailureReason =
  | "missing_token"
  | "malformed_token"
  | "invalid_signature"
  | "token_expired"
  | "wrong_issuer"
  | "wrong_token_use"
  | "client_not_allowed"
  | "missing_scope"
  | "unknown_key"
  | "invalid_token";

/** For each reason: a short description (WWW-Authenticate) and what the caller should do (response body). */
const REASONS: Record<AuthFailureReason, { description: string; advice: string }> = {
  missing_token: {
    description: "no bearer token",
    advice:
      "no bearer token was sent. Send a Cognito access token in the Authorization header as 'Bearer <token>'.",
  },
  malformed_token: {
    description: "the bearer token is not a well-formed JWT",
    advice:
      "the bearer token is not a well-formed JWT. Send the access token exactly as the Cognito token endpoint issued it.",
  },
  invalid_signature: {
    description: "the token signature is invalid",
    advice:
      "the token signature is invalid or uses an unsupported algorithm. Request a new access token from the Cognito user pool.",
  },
  token_expired: {
    description: "the token has expired",
    advice: "the access token has expired. Request a new one from the Cognito token endpoint and retry.",
  },
  wrong_issuer: {
    description: "the token was issued by another issuer",
    advice:
      "the token was issued by another identity provider or user pool. Use an access token from the Cognito user pool this server trusts.",
  },
  wrong_token_use: {
    description: "the token is not an access token",
    advice:
      "the token is not an access token (token_use must be 'access'). Send the Cognito access token, not the ID token.",
  },
  client_not_allowed: {
    description: "the token's app client is not allowed",
    advice:
      "the token's app client is not allowed to use this server. Ask the platform team to add the app client id to auth.allowedClientIds.",
  },
  missing_scope: {
    description: "the token lacks a required scope",
    advice: "the token lacks a scope this server requires. Request a token with all the required scopes.",
  },
  unknown_key: {
    description: "the token was signed with an unknown key",
    advice:
      "the token was signed with a key this server does not know. Request a new access token from the Cognito user pool this server trusts.",
  },
  invalid_token: {
    description: "the token is not valid",
    advice: "the access token is not valid. Request a new one from the Cognito token endpoint and retry.",
  },
};

/** The token was refused. `message` is safe to show to the caller: it never quotes the token. */
export class AuthError extends Error {
  constructor(
    readonly reason: AuthFailureReason,
    message: string = REASONS[reason].advice,
  ) {
    super(message);
    this.name = "AuthError";
  }
}

/** Longer than any Cognito access token; refuses oversized input before decoding it. */
const MAX_TOKEN_LENGTH = 16_384;

/** After a failed JWKS download, requests do not retry it for this long. */
const HYDRATE_RETRY_MS = 10_000;

/** An unknown kid refetches the JWKS at most this often. */
const JWKS_REFETCH_INTERVAL_MS = 60_000;

/** The parts of the two aws-jwt-verify verifiers this module uses. */
interface Engine {
  expectedIssuers: ReadonlySet<string>;
  /** Where the keys are downloaded from (for a refetch). */
  jwksUri: string;
  cacheJwks(jwks: Jwks): void;
  hydrate(): Promise<void>;
  /** Verifies against the cached JWKS only (never downloads). */
  verifySync(token: string): JwtPayload;
}

function cognitoEngine(userPoolId: string, clientIds: string[], jwksCache: SimpleJwksCache): Engine {
  const verifier = CognitoJwtVerifier.create(
    { userPoolId, tokenUse: "access", clientId: clientIds },
    { jwksCache },
  );
  const region = userPoolId.split("_")[0] ?? "";
  const expectedIssuers = new Set([
    CognitoJwtVerifier.parseUserPoolId(userPoolId).issuer,
    // Cognito's newer issuer format; the verifier accepts both.
    CognitoJwtVerifier.parseUserPoolId(
      userPoolId,
      `https://issuer-cognito-idp.${region}.amazonaws.com/${userPoolId}`,
    ).issuer,
  ]);
  return {
    expectedIssuers,
    jwksUri: CognitoJwtVerifier.parseUserPoolId(userPoolId).jwksUri,
    cacheJwks: (jwks) => verifier.cacheJwks(jwks),
    hydrate: () => verifier.hydrate(),
    verifySync: (token) => verifier.verifySync(token),
  };
}

function overrideEngine(
  issuer: string,
  jwksUri: string | undefined,
  clientIds: string[],
  jwksCache: SimpleJwksCache,
): Engine {
  const verifier = JwtVerifier.create(
    { issuer, audience: null, ...(jwksUri ? { jwksUri } : {}) },
    { jwksCache },
  );
  return {
    expectedIssuers: new Set([issuer]),
    jwksUri: jwksUri ?? new URL(`${issuer}/.well-known/jwks.json`, issuer).href,
    cacheJwks: (jwks) => verifier.cacheJwks(jwks),
    hydrate: () => verifier.hydrate(),
    verifySync: (token) => {
      const payload = verifier.verifySync(token);
      validateCognitoJwtFields(payload, { tokenUse: "access", clientId: clientIds });
      return payload;
    },
  };
}

/** Maps an aws-jwt-verify error to a reason. Subclasses are tested before their parents. */
function reasonFor(error: unknown): AuthFailureReason {
  if (error instanceof AuthError) return error.reason;
  if (error instanceof JwtParseError) return "malformed_token";
  if (error instanceof JwtInvalidSignatureError || error instanceof JwtInvalidSignatureAlgorithmError)
    return "invalid_signature";
  if (error instanceof JwtExpiredError) return "token_expired";
  if (error instanceof JwtInvalidIssuerError) return "wrong_issuer";
  if (error instanceof CognitoJwtInvalidTokenUseError) return "wrong_token_use";
  if (error instanceof CognitoJwtInvalidClientIdError) return "client_not_allowed";
  if (error instanceof JwtInvalidScopeError) return "missing_scope";
  if (
    error instanceof KidNotFoundInJwksError ||
    error instanceof JwtWithoutValidKidError ||
    error instanceof JwksNotAvailableInCacheError
  )
    return "unknown_key";
  // JwtNotBeforeError, JWK validation errors, anything unexpected.
  return "invalid_token";
}

/**
 * Creates a verifier for the user pool in `auth`. Throws `ConfigError` when `auth.userPoolId` is
 * missing, `auth.allowedClientIds` is empty, or `auth.region` contradicts the pool id.
 */
export function createTokenVerifier(auth: AuthConfig, options: TokenVerifierOptions = {}): TokenVerifier {
  const { userPoolId, allowedClientIds, requiredScopes } = auth;
  if (!userPoolId) throw new ConfigError("auth.userPoolId is required to verify tokens");
  if (allowedClientIds.length === 0)
    throw new ConfigError("auth.allowedClientIds must list at least one app client id");
  if (auth.region && !userPoolId.startsWith(`${auth.region}_`)) {
    throw new ConfigError(
      `auth.region (${auth.region}) does not match the region of auth.userPoolId (${userPoolId})`,
    );
  }

  const jwksCache = new SimpleJwksCache(options.jwksFetcher ? { fetcher: options.jwksFetcher } : {});
  const clientIds = [...allowedClientIds];
  const engine = options.issuerOverride
    ? overrideEngine(options.issuerOverride.issuer, options.issuerOverride.jwksUri, clientIds, jwksCache)
    : cognitoEngine(userPoolId, clientIds, jwksCache);

  let hydrated = false;
  let hydrating: Promise<void> | undefined;
  let lastFailureAt = Number.NEGATIVE_INFINITY;
  const now = options.now ?? Date.now;
  const refetchIntervalMs = options.jwksRefetchIntervalMs ?? JWKS_REFETCH_INTERVAL_MS;
  let lastRefetchAt = Number.NEGATIVE_INFINITY;
  let refetching: Promise<"loaded" | "skipped" | "failed"> | undefined;
  let lastRefetchFailed = false;

  if (options.jwks) {
    engine.cacheJwks(options.jwks);
    hydrated = true;
  }

  function hydrate(): Promise<void> {
    if (hydrated) return Promise.resolve();
    hydrating ??= engine
      .hydrate()
      .then(() => {
        hydrated = true;
      })
      .catch((error: unknown) => {
        lastFailureAt = Date.now();
        throw new Error(`could not load the token signing keys (JWKS): ${errorMessage(error)}`);
      })
      .finally(() => {
        hydrating = undefined;
      });
    return hydrating;
  }

  async function ensureKeys(): Promise<void> {
    if (hydrated) return;
    if (!hydrating && Date.now() - lastFailureAt < HYDRATE_RETRY_MS) {
      throw new UserError("unavailable", "the token signing keys are not loaded yet; retry shortly", true);
    }
    try {
      await hydrate();
    } catch {
      throw new UserError("unavailable", "the token signing keys could not be loaded; retry shortly", true);
    }
  }

  /**
   * Downloads the JWKS again for a token whose kid is unknown; true when fresh keys were loaded.
   * Concurrent callers share one download; outside it, at most one per interval (failures count).
   */
  function refetchKeys(): Promise<"loaded" | "skipped" | "failed"> {
    if (options.jwks) return Promise.resolve("skipped");
    if (refetching) return refetching;
    // Within the interval, the last attempt's answer stands: failed keys stay unavailable (503).
    if (now() - lastRefetchAt < refetchIntervalMs)
      return Promise.resolve(lastRefetchFailed ? "failed" : "skipped");
    lastRefetchAt = now();
    refetching = jwksCache
      .getJwks(engine.jwksUri)
      .then(
        (jwks) => {
          engine.cacheJwks(jwks);
          lastRefetchFailed = false;
          return "loaded" as const;
        },
        () => {
          lastRefetchFailed = true;
          return "failed" as const;
        },
      )
      .finally(() => {
        refetching = undefined;
      });
    return refetching;
  }

  async function verify(token: string): Promise<VerifiedCaller> {
    if (!token) throw new AuthError("missing_token");
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError("malformed_token");

    let unverifiedIssuer: unknown;
    try {
      unverifiedIssuer = decomposeUnverifiedJwt(token).payload.iss;
    } catch {
      throw new AuthError("malformed_token");
    }
    // aws-jwt-verify reports an unconfigured issuer as a parameter error; refuse it here, by name.
    if (typeof unverifiedIssuer !== "string" || !engine.expectedIssuers.has(unverifiedIssuer)) {
      throw new AuthError("wrong_issuer");
    }

    await ensureKeys();

    let payload: JwtPayload;
    try {
      payload = engine.verifySync(token);
    } catch (error) {
      // A kid the loaded keys lack may be the pool's new key: look once more, rate-limited.
      if (!(error instanceof KidNotFoundInJwksError)) throw new AuthError(reasonFor(error));
      const refetched = await refetchKeys();
      // The keys could not be downloaded: the token may be good, so say "retry" (503), not 401.
      if (refetched === "failed")
        throw new UserError("unavailable", "the signing keys could not be downloaded", true);
      if (refetched === "skipped") throw new AuthError(reasonFor(error));
      try {
        payload = engine.verifySync(token);
      } catch (again) {
        throw new AuthError(reasonFor(again));
      }
    }

    const clientId = payload["client_id"];
    const subject = payload.sub;
    const expiresAt = payload.exp;
    // aws-jwt-verify checks exp only when present; a token without one would never expire.
    if (typeof clientId !== "string" || typeof subject !== "string" || typeof expiresAt !== "number") {
      throw new AuthError("invalid_token");
    }
    const scopes = (payload.scope ?? "").split(/\s+/).filter((scope) => scope.length > 0);
    const missing = requiredScopes.filter((scope) => !scopes.includes(scope));
    if (missing.length > 0) {
      throw new AuthError(
        "missing_scope",
        `the token lacks a required scope. Request a token with all of these scopes: ${requiredScopes.join(" ")}.`,
      );
    }
    return { clientId, scopes, subject, tokenExpiresAt: expiresAt };
  }

  return { verify, hydrate };
}

/** Hono variables set by `bearerAuth`. */
export type AuthVariables = { caller: VerifiedCaller };

const REALM = "aws-organizations-mcp-server";
/** RFC 6750 section 2.1: `Bearer` (case-insensitive), one or more spaces, a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function challenge(reason: AuthFailureReason): string {
  // RFC 6750 section 3.1: a request without credentials gets no error code.
  if (reason === "missing_token") return `Bearer realm="${REALM}"`;
  return `Bearer realm="${REALM}", error="invalid_token", error_description="${REASONS[reason].description}"`;
}

/**
 * Requires `Authorization: Bearer <Cognito access token>`. Tokens anywhere else (query string,
 * other headers, cookies) are ignored. On success sets `c.set("caller", ...)`; on failure answers
 * 401 with an RFC 6750 challenge and a JSON-RPC error body, or 503 when the signing keys are unavailable.
 */
export function bearerAuth(
  verifier: TokenVerifier,
  logger: Logger,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    let caller: VerifiedCaller;
    try {
      if (header === undefined || !/^Bearer(\s|$)/i.test(header)) throw new AuthError("missing_token");
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) {
        throw new AuthError(/^Bearer\s*$/i.test(header) ? "missing_token" : "malformed_token");
      }
      caller = await verifier.verify(token);
    } catch (error) {
      if (error instanceof AuthError) {
        logger.warn("request refused: authentication failed", { reason: error.reason });
        c.header("WWW-Authenticate", challenge(error.reason));
        c.header("Cache-Control", "no-store");
        return c.json(jsonRpcError(-32001, `Unauthorized: ${error.message}`), 401);
      }
      logger.error("request refused: tokens cannot be verified", {
        error: error instanceof UserError ? error.message : "unexpected error",
      });
      c.header("Retry-After", "10");
      return c.json(
        jsonRpcError(
          -32603,
          "Service unavailable: the server cannot verify access tokens right now. Retry shortly.",
        ),
        503,
      );
    }
    c.set("caller", caller);
    logger.debug("request authenticated", { clientId: caller.clientId });
    await next();
  };
}
