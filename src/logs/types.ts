/** Which kind of policy an AWS access-denied message names. */
export type MessagePolicyType =
  | "service control policy"
  | "resource control policy"
  | "identity-based policy"
  | "permissions boundary"
  | "session policy"
  | "VPC endpoint policy"
  | "resource-based policy"
  /** AWS's name for a role's trust policy (its resource-based policy saying who may assume it). */
  | "role trust policy";

export const MESSAGE_POLICY_TYPES: readonly MessagePolicyType[] = [
  "service control policy",
  "resource control policy",
  "identity-based policy",
  "permissions boundary",
  "session policy",
  "VPC endpoint policy",
  "resource-based policy",
  "role trust policy",
];

export type DenyKind = "explicit" | "implicit";

/** The format that recognised a denial. */
export type LogSource =
  | "iam-message"
  | "cloudtrail"
  | "terraform"
  | "aws-cli"
  | "boto3"
  | "sdk-js-v3"
  | "sdk-js-v2"
  | "java-sdk"
  | "go-sdk"
  | "php-sdk"
  | "cloudformation"
  | "xml-error"
  | "json-error"
  | "encoded-authorization-message"
  | "decoded-authorization-message";

export const LOG_SOURCES: readonly LogSource[] = [
  "iam-message",
  "cloudtrail",
  "terraform",
  "aws-cli",
  "boto3",
  "sdk-js-v3",
  "sdk-js-v2",
  "java-sdk",
  "go-sdk",
  "php-sdk",
  "cloudformation",
  "xml-error",
  "json-error",
  "encoded-authorization-message",
  "decoded-authorization-message",
];

/** What a denial message says of the request and of what denied it; `null` where it says nothing. */
export interface DenialFacts {
  /** IAM action, e.g. `s3:PutObject` (service prefix lower-cased). */
  action: string | null;
  /** The resource named by the message, ARN or otherwise. */
  resource: string | null;
  policyType: MessagePolicyType | null;
  denyKind: DenyKind | null;
  /** ARN of the denying policy when the message names it. */
  policyArn: string | null;
  region: string | null;
}

/** One distinct denied request found in the text. Every field is present; unknown facts are `null`. */
export interface DeniedRequest extends DenialFacts {
  /** ARN of the denied principal as the log names it (may contain redaction placeholders). */
  principalArn: string | null;
  /** 12-digit account id of the principal; `null` when absent or redacted. */
  accountId: string | null;
  /** How many sightings of this request were merged into this entry. */
  occurrences: number;
  /** The format that recognised the richest sighting. */
  source: LogSource;
  /** Every format this request was seen in (first sighting first). */
  sources: LogSource[];
  /** The SDK/API operation name, e.g. `PutObject`, as distinct from the IAM action. */
  sdkOperation: string | null;
  /** The AWS error code, e.g. `AccessDenied`, `UnauthorizedOperation`. */
  errorCode: string | null;
  requestId: string | null;
  /** EC2-style encoded authorization failure message, when present. */
  encodedMessage: string | null;
  /**
   * The request's condition keys and their values, from a decoded authorization message
   * (`aws sts decode-authorization-message`); null when the log has none.
   */
  requestContext: Record<string, string[]> | null;
  /** The matched message, whitespace-collapsed and trimmed to a sane length. */
  rawMessage: string;
  /** 1-based line of the first sighting. */
  line: number;
  notes: string[];
}

export interface ParseCounts {
  /** Characters examined. */
  characters: number;
  lines: number;
  /** Events read: CloudTrail events (denied or not) plus error messages and decoded messages. */
  events: number;
  /** Denial sightings before de-duplication. */
  sightings: number;
  /** Distinct denied requests reported. */
  denials: number;
  /** CloudTrail events examined (denied or not). */
  cloudTrailEvents: number;
  /** Sightings per recognising format. */
  bySource: Partial<Record<LogSource, number>>;
}

/** A limit the paste passed: nothing was reported, because reading on would cost too much. */
export interface LimitExceeded {
  limit: "characters" | "events";
  /** The limit. */
  max: number;
  /** What the paste has: its length, or the events read before stopping (max + 1). */
  found: number;
}

export interface ParseResult {
  denials: DeniedRequest[];
  warnings: string[];
  counts: ParseCounts;
  /** Set when the paste is over a limit; `denials` is then empty. */
  limitExceeded: LimitExceeded | null;
}

export interface ParseLimits {
  /** Longest paste read, in characters (default MAX_LOG_CHARS). */
  maxCharacters?: number;
  /** Most events read (default MAX_LOG_EVENTS). */
  maxEvents?: number;
}

export interface ParseHints {
  /** Account id to assume when the log names none (or redacts it). */
  accountId?: string;
  /** Region to assume when the log names none. */
  region?: string;
}
