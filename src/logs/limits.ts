/**
 * What one paste may cost. The tool states the first two in its input schema and refuses a paste
 * over them; the caps below them bound work inside a paste that is within the limits.
 */

/**
 * Longest paste read, in characters. The server's default request body (10 MiB) follows it, with
 * room for JSON's escapes (quotes, backslashes, line breaks).
 */
export const MAX_LOG_CHARS = 8_000_000;

/** Most events read in one paste: CloudTrail events (denied or not), error messages, decoded messages. */
export const MAX_LOG_EVENTS = 10_000;

/**
 * "not authorized to perform" phrases examined in one paste, denials or not: prose repeating the
 * phrase stops here, with a warning.
 */
export const MAX_MESSAGE_MATCHES = 2 * MAX_LOG_EVENTS;

/** Error-like lines without an IAM message examined in one paste (each reads a window around it). */
export const MAX_ERROR_CODE_MATCHES = 5_000;

/** 8000000 → "8,000,000", for limits in messages. */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
