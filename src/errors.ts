import type { z } from "zod";

/**
 * Errors a user can act on. Tools turn these into `isError` results with the message as
 * written; anything else is reported as an internal error without its details.
 */
export type UserErrorCode =
  "invalid_input" | "not_found" | "access_denied" | "throttled" | "unavailable" | "not_configured";

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
/**
 * The one answer for anything the scope guard does not show: an id outside the allowed subtrees and
 * an id that exists nowhere get the same words (and code), so no answer tells one from the other.
 * `subject` names what was asked in the caller's own words: "account 123456789012", "policy p-abc";
 * `searched` says where else it was looked for ("in the baseline or ").
 */
export const notInScope = (subject: string, allowed: readonly string[], searched = ""): UserError =>
  new UserError(
    "not_found",
    `No ${subject} was found ${searched}within this server's scope: it does not exist in the organization, or it is ` +
      `outside the allowed scope (allowed OUs: ${allowed.join(", ")}). ` +
      "Check the id, or ask the platform team whether it is in scope.",
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
