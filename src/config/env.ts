/**
 * The only module that reads process.env. Everything is parsed once, strictly:
 * a malformed variable stops start-up with its name in the message.
 */
import { z } from "zod";
import { DEFAULT_CALL_BUDGET_MS } from "../audit/budget.js";
import { ConfigError } from "../errors.js";
import { describeIssues } from "../errors.js";

const list = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);
const bool = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(["true", "false", "1", "0", "yes", "no"]))
  .transform((v) => v === "true" || v === "1" || v === "yes");
const int = z
  .string()
  .regex(/^\d+$/, "expected a whole number")
  .transform((v) => Number(v));

const positiveNumber = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "expected a positive number")
  .transform((v) => Number(v))
  .pipe(z.number().positive());

/**
 * A host name as a Host or Origin header carries it, without a port: `mcp.example.com`, `10.0.0.5`,
 * `[fd00::1]`. Lower-cased, as the URL parser leaves it, so it compares with what requests send.
 */
const hostName = z.string().transform((v, ctx) => {
  let parsed: URL | undefined;
  try {
    parsed = new URL(`http://${v}`);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.host !== v.toLowerCase() || parsed.port !== "") {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(v)} is not a host name: give names like mcp.example.com or 10.0.0.5 (IPv6 in brackets), without scheme, port or path`,
    });
    return z.NEVER;
  }
  return parsed.hostname;
});

export const envSchema = z.object({
  PORT: int.pipe(z.number().min(1).max(65_535)).default(8000),
  /** Loopback unless asked: the image sets 0.0.0.0, which AgentCore Runtime needs. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /**
   * Host names, besides localhost, 127.0.0.1 and [::1], that requests may name in Host (checked when
   * authentication is off) and in Origin (always): the DNS-rebinding guard (src/http/host-guard.ts).
   */
  ALLOWED_HOSTS: list.pipe(z.array(hostName)).optional(),
  /**
   * Largest accepted POST /mcp body; larger bodies get 413, judged by Content-Length before any is
   * read. It follows the largest input a tool takes (an 8,000,000-character log, with room for JSON's
   * escapes): receiving and parsing a body costs the event loop in proportion (docs/reliability.md).
   */
  MAX_REQUEST_BODY_BYTES: int.pipe(z.number().min(1024)).default(10 * 1024 * 1024),
  /** Largest request head (request line and headers); larger ones get 431 from Node before any handler runs. */
  MAX_HEADER_BYTES: int
    .pipe(
      z
        .number()
        .min(1024)
        .max(1024 * 1024),
    )
    .default(16 * 1024),
  /** Time to receive a whole request (head and body); slower uploads get 408 and the connection is closed. */
  REQUEST_TIMEOUT_MS: int.pipe(z.number().min(500).max(3_600_000)).default(30_000),
  /** Time to receive the request head; at most REQUEST_TIMEOUT_MS. */
  HEADERS_TIMEOUT_MS: int.pipe(z.number().min(500).max(3_600_000)).default(10_000),
  /**
   * Each tool call's time budget for its own computation (engine, linter, log parser, comparison),
   * in ms; waiting for AWS is not counted. Work over it stops and the answer says what was not done.
   */
  CALL_BUDGET_MS: int.pipe(z.number().min(1).max(600_000)).default(DEFAULT_CALL_BUDGET_MS),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  // Runtime configuration sources, in order of precedence.
  RUNTIME_CONFIG_SECRET_ID: z.string().min(1).optional(),
  RUNTIME_CONFIG_FILE: z.string().min(1).optional(),
  // Local use: the runtime configuration spelled as variables.
  ORG_SOURCE: z.enum(["aws", "snapshot", "demo"]).optional(),
  ORG_SNAPSHOT_FILE: z.string().min(1).optional(),
  ORG_ROLE_ARN: z.string().min(1).optional(),
  ORG_ROLE_EXTERNAL_ID: z.string().min(1).optional(),
  ORG_REGION: z.string().min(1).optional(),
  ALLOWED_OU_IDS: list.optional(),
  BASELINE_FILE: z.string().min(1).optional(),
  BASELINE_SECRET_ID: z.string().min(1).optional(),
  AUTH_ENABLED: bool.optional(),
  COGNITO_USER_POOL_ID: z.string().min(1).optional(),
  COGNITO_REGION: z.string().min(1).optional(),
  AUTH_ALLOWED_CLIENT_IDS: list.optional(),
  AUTH_REQUIRED_SCOPES: list.optional(),
  CACHE_TTL_SECONDS: int.optional(),
  // Pacing of AWS Organizations calls (process settings; see docs/performance.md).
  ORG_API_RATE_PER_SECOND: positiveNumber.optional(),
  ORG_API_BURST: int.pipe(z.number().min(1)).optional(),
  ORG_API_MAX_CONCURRENCY: int.pipe(z.number().min(1).max(64)).optional(),
  // The shared organization snapshot store (local use; the runtime configuration's
  // organization.snapshotStore in production), and the S3 endpoint the SDK reads itself: with a
  // custom endpoint the S3 client addresses buckets by path (s3rver, other S3-compatible servers).
  ORG_SNAPSHOT_STORE_URI: z.string().min(1).optional(),
  ORG_SNAPSHOT_STORE_MAX_AGE_SECONDS: int.optional(),
  ORG_SNAPSHOT_STORE_ORGANIZATION_ID: z.string().min(1).optional(),
  AWS_ENDPOINT_URL_S3: z.string().min(1).optional(),
  /** No tool call runs longer: a call whose data is not ready answers what is done and what is left. */
  TOOL_DEADLINE_SECONDS: positiveNumber.pipe(z.number().min(1).max(3600)).default(50),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).optional(),
});

/** Node refuses to start an HTTP server whose head timeout exceeds its request timeout; say so by name. */
const checkedEnvSchema = envSchema.superRefine((env, ctx) => {
  if (env.HEADERS_TIMEOUT_MS > env.REQUEST_TIMEOUT_MS)
    ctx.addIssue({
      code: "custom",
      path: ["HEADERS_TIMEOUT_MS"],
      message: `must not exceed REQUEST_TIMEOUT_MS (${env.REQUEST_TIMEOUT_MS})`,
    });
});

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings mean "unset", as in most shells' KEY= lines.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = checkedEnvSchema.safeParse(cleaned);
  if (!result.success)
    throw new ConfigError(`Invalid environment variable(s): ${describeIssues(result.error)}`);
  return result.data;
}
