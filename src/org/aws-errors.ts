/**
 * Maps AWS SDK errors (by `error.name`) to `UserError`s with messages a user can act on.
 * Every message names the Organizations operation that failed. Messages never carry
 * credentials: AWS's own text is only quoted after access-key-like and secret-like strings
 * are masked.
 */
import { UserError } from "../errors.js";

/** The read-only Organizations actions this server calls (for IAM policies, docs and Terraform). */
export const ORGANIZATIONS_READ_ACTIONS = [
  "organizations:DescribeOrganization",
  "organizations:ListRoots",
  "organizations:ListParents",
  "organizations:ListChildren",
  "organizations:ListOrganizationalUnitsForParent",
  "organizations:ListAccountsForParent",
  "organizations:DescribeAccount",
  "organizations:DescribeOrganizationalUnit",
  "organizations:ListPolicies",
  "organizations:DescribePolicy",
  "organizations:ListTargetsForPolicy",
  "organizations:ListPoliciesForTarget",
] as const;

export type OrganizationsReadAction = (typeof ORGANIZATIONS_READ_ACTIONS)[number];

/** "organizations:DescribeOrganization, ListRoots, ListParents, ..." */
const PERMISSIONS_TEXT = ORGANIZATIONS_READ_ACTIONS.map((action, i) =>
  i === 0 ? action : action.replace(/^organizations:/, ""),
).join(", ");

const MANAGEMENT_ACCOUNT_HINT =
  "run from the management account or a delegated administrator for Organizations policy management";

const NOT_FOUND_KIND: Record<string, string> = {
  TargetNotFoundException: "target",
  AccountNotFoundException: "account",
  OrganizationalUnitNotFoundException: "organizational unit",
  ChildNotFoundException: "child (account or OU)",
  ParentNotFoundException: "parent",
  PolicyNotFoundException: "policy",
  RootNotFoundException: "root",
};

const THROTTLING_NAMES = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

/** Whether an SDK error is AWS throttling (by name or HTTP 429). */
export function isThrottlingError(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return (
    (typeof e?.name === "string" && THROTTLING_NAMES.has(e.name)) || e?.$metadata?.httpStatusCode === 429
  );
}

const EXPIRED_CREDENTIAL_NAMES = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired"]);

const INVALID_CREDENTIAL_NAMES = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "InvalidAccessKeyId",
]);

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

interface ErrorLike {
  name: string;
  message: string;
  code?: string;
  fault?: string;
  status?: number;
  retryable: boolean;
}

function inspect(error: unknown): ErrorLike {
  if (typeof error !== "object" || error === null) {
    return { name: "Error", message: String(error), retryable: false };
  }
  const e = error as {
    name?: unknown;
    message?: unknown;
    Message?: unknown;
    code?: unknown;
    Code?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof e.name === "string" && e.name ? e.name : "Error";
  const message =
    typeof e.message === "string" && e.message ? e.message : typeof e.Message === "string" ? e.Message : "";
  const code = typeof e.code === "string" ? e.code : typeof e.Code === "string" ? e.Code : undefined;
  const status = typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  return {
    name,
    message,
    ...(code !== undefined ? { code } : {}),
    ...(typeof e.$fault === "string" ? { fault: e.$fault } : {}),
    ...(status !== undefined ? { status } : {}),
    retryable: typeof e.$retryable === "object" && e.$retryable !== null,
  };
}

/** Masks anything that looks like an AWS access key id, a secret key or a session token. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{12,}\b/g, "[redacted]")
    .replace(/[A-Za-z0-9+/=]{40,}/g, (m) => (/^[0-9]+$/.test(m) ? m : "[redacted]"));
}

/** AWS's own message, masked, shortened and ready to append: " AWS said: ...". */
function quoted(message: string): string {
  const clean = redactSecrets(message.replace(/\s+/g, " ").trim());
  if (!clean) return "";
  const short = clean.length > 300 ? `${clean.slice(0, 297)}...` : clean;
  return ` AWS said: ${short}`;
}

/**
 * Turns an error thrown by the Organizations client (or its credential provider) into a
 * `UserError`. `operation` is the API name ("ListRoots"); `subject` is the id the call was
 * about, named in not-found messages.
 */
export function mapAwsError(error: unknown, operation: string, subject?: string): UserError {
  if (error instanceof UserError) return error;
  const e = inspect(error);
  const what = `AWS Organizations ${operation}`;
  const about = subject ? ` ${subject}` : "";

  if (e.name === "AWSOrganizationsNotInUseException") {
    return new UserError(
      "not_configured",
      `${what} failed: this account is not a member of an organization (AWSOrganizationsNotInUseException). ` +
        `Use credentials (or --role-arn / roleArn) for the organization's management account or a delegated administrator, ` +
        "or point the server at a snapshot file instead.",
    );
  }

  if (e.name === "AccessDeniedException" || e.name === "AccessDeniedForDependencyException") {
    return new UserError(
      "access_denied",
      `${what} was denied (${e.name}): ${MANAGEMENT_ACCOUNT_HINT}; the server needs these permissions: ${PERMISSIONS_TEXT}.` +
        quoted(e.message),
    );
  }

  // STS AssumeRole failures surface through the credential provider of --role-arn / roleArn.
  if (e.name === "AccessDenied" || /sts:AssumeRole/.test(e.message)) {
    return new UserError(
      "access_denied",
      `${what} could not start: assuming the configured role was denied (${e.name}). The server's own identity needs ` +
        "sts:AssumeRole on that role, the role's trust policy must trust that identity, and the external id (if any) must match." +
        quoted(e.message),
    );
  }

  if (THROTTLING_NAMES.has(e.name) || e.status === 429) {
    return new UserError(
      "throttled",
      `${what} was throttled by AWS (${e.name}) even after retries. Wait a few seconds and try again; ` +
        "a lower request rate (or a longer cache TTL) avoids this.",
      true,
    );
  }

  const kind = NOT_FOUND_KIND[e.name];
  if (kind !== undefined) {
    return new UserError(
      "not_found",
      `${what}: ${kind}${about} was not found in this organization (${e.name}). ` +
        "Check the id (it may have been deleted or moved out of the organization).",
    );
  }

  if (
    e.name === "PolicyTypeNotEnabledException" ||
    e.name === "PolicyTypeNotAvailableForOrganizationException"
  ) {
    return new UserError(
      "not_configured",
      `${what} failed: the requested policy type is not enabled for this organization${about ? ` (asked about${about})` : ""} ` +
        `(${e.name}). Enable it on the root (Organizations console > Policies, or EnablePolicyType; organizations need ` +
        "all features enabled), or ask about a policy type that is enabled.",
    );
  }

  if (e.name === "InvalidInputException" || e.name === "ValidationException") {
    return new UserError(
      "invalid_input",
      `${what} rejected the request as invalid${about ? ` (for${about})` : ""} (${e.name}).${quoted(e.message)}`,
    );
  }

  if (e.name === "CredentialsProviderError" || e.code === "CredentialsProviderError") {
    return new UserError(
      "not_configured",
      `${what} could not run: no usable AWS credentials were found (${e.name}). Run with an IAM role (instance, task or ` +
        "workload identity), AWS_PROFILE / SSO login, or environment credentials for the management account or a delegated administrator.",
    );
  }

  if (EXPIRED_CREDENTIAL_NAMES.has(e.name)) {
    return new UserError(
      "not_configured",
      `${what} failed: the AWS credentials have expired (${e.name}). Refresh them (for example aws sso login) and try again.`,
    );
  }

  if (INVALID_CREDENTIAL_NAMES.has(e.name)) {
    return new UserError(
      "not_configured",
      `${what} failed: AWS rejected the credentials (${e.name}). Check that the access key is active and belongs to the ` +
        "intended account, and that the system clock is correct.",
    );
  }

  if (/region is missing/i.test(e.message) || e.name === "RegionMissingError") {
    return new UserError(
      "not_configured",
      `${what} could not run: no AWS region is configured. Organizations lives in us-east-1 for the aws partition; ` +
        "set the region (for example --region us-east-1).",
    );
  }

  if (
    e.name === "ServiceException" ||
    e.name === "InternalFailure" ||
    e.name === "ServiceUnavailable" ||
    e.name === "ServiceUnavailableException" ||
    e.fault === "server" ||
    (e.status !== undefined && e.status >= 500)
  ) {
    return new UserError(
      "unavailable",
      `${what} is temporarily unavailable (${e.name}${e.status !== undefined ? `, HTTP ${e.status}` : ""}) even after retries. Try again shortly.`,
      true,
    );
  }

  if (
    (e.code !== undefined && NETWORK_ERROR_CODES.has(e.code)) ||
    e.name === "TimeoutError" ||
    e.name === "RequestTimeout"
  ) {
    return new UserError(
      "unavailable",
      `${what} could not reach AWS (${e.code ?? e.name}). Check network access to the Organizations endpoint ` +
        "(organizations.us-east-1.amazonaws.com, or a proxy/VPC endpoint) and try again.",
      true,
    );
  }

  return new UserError(
    "unavailable",
    `${what} failed${about ? ` for${about}` : ""} (${e.name}).${quoted(e.message)}`,
    e.retryable,
  );
}
