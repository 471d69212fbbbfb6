/** Shared plumbing of the deployment CLIs: errors with exit codes, AWS error descriptions, retries. */
import { pathToFileURL } from "node:url";
import { AWS_REGION } from "../../src/model/ids.js";

/** An error the operator can act on; `exitCode` 2 means "wrong usage", 1 anything else. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string): CliError => new CliError(message, 2);

/** The AWS SDK error name (ThrottlingException, AccessDeniedException, ...), or "Error". */
export function awsErrorName(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    for (const candidate of [e.name, e.Code, e.code]) {
      if (typeof candidate === "string" && candidate !== "Error") return candidate;
    }
  }
  return "Error";
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);

export function isThrottling(error: unknown): boolean {
  if (THROTTLING.has(awsErrorName(error))) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return status === 429;
}

export function isAccessDenied(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === "AccessDeniedException" || name === "AccessDenied" || name === "UnauthorizedException";
}

export function isNotFound(error: unknown): boolean {
  return awsErrorName(error) === "ResourceNotFoundException";
}

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`, retrying throttling errors with jittered exponential backoff (on top of the SDK's own
 * retries). After the last attempt the throttling error is turned into a CliError naming `what`.
 */
export async function withThrottlingRetries<T>(
  what: string,
  fn: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isThrottling(error)) throw error;
      if (attempt >= attempts) {
        throw new CliError(
          `${what} was throttled by AWS ${attempts} times in a row (${awsErrorName(error)}). ` +
            "Wait a minute and run again; if it persists, check the account's API rate quotas.",
        );
      }
      const delay = baseDelayMs * 2 ** (attempt - 1);
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}

/** True when the module at `metaUrl` is the script node/tsx was started with. */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(entry).href === metaUrl;
}

/** Runs a CLI's main function: prints CliErrors as one line and exits with their code. */
export function runCli(main: (argv: string[]) => Promise<number | void>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = typeof code === "number" ? code : 0;
    },
    (error: unknown) => {
      if (error instanceof CliError) {
        console.error(`error: ${error.message}`);
        process.exitCode = error.exitCode;
      } else {
        console.error(`error: unexpected failure (${awsErrorName(error)}): ${errorText(error)}`);
        process.exitCode = 1;
      }
    },
  );
}

/** JSON with object keys sorted, so equal documents compare and diff equal. */
export function stableStringify(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The region from --region, AWS_REGION or AWS_DEFAULT_REGION; a usage error when none is set. */
export function resolveRegion(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const region = flag ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw usageError("no region: pass --region or set AWS_REGION.");
  if (!AWS_REGION.test(region)) throw usageError(`"${region}" is not an AWS region code such as us-east-1.`);
  return region;
}
