/**
 * S3 and Athena errors of the activity readers as UserErrors that say what to do, in the convention
 * of src/org/aws-errors.ts: by error name, AWS's own text quoted only after masking.
 */
import { UserError } from "../errors.js";
import { isThrottlingError, redactSecrets } from "../org/aws-errors.js";

const PERMISSIONS: Record<"S3" | "Athena", string> = {
  S3: "s3:ListBucket and s3:GetObject on the trail's prefix (and kms:Decrypt when the trail is encrypted with a KMS key)",
  Athena:
    "athena:StartQueryExecution, GetQueryExecution and GetQueryResults on the workgroup, glue:GetDatabase, GetTable and GetPartitions on the trail table, s3:GetObject and ListBucket on the trail, and s3:GetObject, PutObject and GetBucketLocation on the workgroup's results prefix",
};

function said(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== "string" || !message.trim()) return "";
  const clean = redactSecrets(message.replace(/\s+/g, " ").trim());
  return ` AWS said: ${clean.length > 300 ? `${clean.slice(0, 297)}...` : clean}`;
}

export function mapActivityError(
  error: unknown,
  service: "S3" | "Athena",
  operation: string,
  subject: string,
): UserError {
  if (error instanceof UserError) return error;
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const name = typeof e?.name === "string" ? e.name : "Error";
  const status = typeof e?.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  const what = `${service} ${operation} (${subject})`;
  if (name === "AccessDenied" || name === "AccessDeniedException" || status === 403)
    return new UserError(
      "access_denied",
      `${what} was denied (${name}): the server's role needs ${PERMISSIONS[service]}.${said(error)}`,
    );
  if (name === "NoSuchBucket" || name === "NoSuchKey" || status === 404)
    return new UserError(
      "not_configured",
      `${what} found nothing (${name}): check the bucket, prefix and region in the runtime configuration (activity).${said(error)}`,
    );
  if (isThrottlingError(error))
    return new UserError(
      "throttled",
      `${what} was throttled by AWS (${name}) even after retries: try again in a few seconds.`,
      true,
    );
  if (name === "InvalidRequestException" || name === "ValidationException")
    return new UserError("invalid_input", `${what} was refused as invalid (${name}).${said(error)}`);
  if (name === "CredentialsProviderError")
    return new UserError("not_configured", `${what} could not run: no usable AWS credentials were found.`);
  if (
    name === "TimeoutError" ||
    (typeof e?.code === "string" && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)$/.test(e.code))
  )
    return new UserError(
      "unavailable",
      `${what} could not reach AWS (${typeof e?.code === "string" ? e.code : name}); try again.`,
      true,
    );
  if (status !== undefined && status >= 500)
    return new UserError(
      "unavailable",
      `${what} is temporarily unavailable (${name}, HTTP ${status}); try again shortly.`,
      true,
    );
  return new UserError("unavailable", `${what} failed (${name}).${said(error)}`);
}
