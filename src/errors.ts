import type { z } from "zod";

/**
 * Errors a user can act on. Tools turn these into `isError` results with the message as
 * written; anything else is reported as an internal error without its details.
 */
export type UserErrorCode =
  | "invalid_input"
  | "not_found"
  | "outside_scope"
  | "access_denied"
  | "throttled"
  | "unavailable"
  | "not_configured";

export class UserError extends Error {
  constructor(
    readonly code: UserErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export const invalidInput = (message: string): UserError => new UserError("invalid_input", message);
export const notFound = (message: string): UserError => new UserError("not_found", message);
export const outsideScope = (what: string, allowed: readonly string[]): UserError =>
  new UserError(
    "outside_scope",
    `${what} is outside the allowed scope of this server (allowed OUs: ${allowed.join(", ")}). ` +
      "Ask about an account or OU inside those subtrees, or ask the platform team to widen allowedOuIds.",
  );

/** Thrown at start-up: the server must not start half-configured. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Formats zod issues as "field.path: message; ..." for start-up errors. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(document)"}: ${issue.message}`)
    .join("; ");
}
