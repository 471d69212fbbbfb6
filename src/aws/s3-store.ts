/**
 * The snapshot store on Amazon S3: GetObject, and PutObject/DeleteObject with S3 conditional
 * requests (If-None-Match: * to create, If-Match: <ETag> to replace or delete), errors mapped to
 * StoreErrors that say what to fix. With a custom endpoint (AWS_ENDPOINT_URL_S3: s3rver, another
 * S3-compatible server) buckets are addressed by path, which such servers expect.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import {
  StoreError,
  type ObjectStore,
  type StoredObject,
  type WriteCondition,
} from "../org/store/object-store.js";
import { redactSecrets } from "../org/aws-errors.js";
import { USER_AGENT_APP_ID } from "../version.js";

export interface S3StoreOptions {
  bucket: string;
  /** The key prefix the server's role may use, for messages about permissions. */
  prefix: string;
  region?: string;
  /** Address buckets by path (set when AWS_ENDPOINT_URL_S3 names a custom endpoint). */
  forcePathStyle?: boolean;
  /** Tests: a ready client. */
  client?: S3Client;
}

export function s3ClientConfig(options: Pick<S3StoreOptions, "region" | "forcePathStyle">): S3ClientConfig {
  return {
    ...(options.region ? { region: options.region } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    // The bucket may live in another region than the process: S3 says so and the SDK follows.
    followRegionRedirects: true,
    retryMode: "adaptive",
    maxAttempts: 4,
    customUserAgent: USER_AGENT_APP_ID,
  };
}

export function createS3Store(options: S3StoreOptions): ObjectStore {
  const client = options.client ?? new S3Client(s3ClientConfig(options));
  const { bucket } = options;
  const where = (key: string): string => `s3://${bucket}/${key}`;
  const permissions = `s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::${bucket}/${options.prefix}* and s3:ListBucket on arn:aws:s3:::${bucket}`;

  return {
    name: `s3://${bucket}`,

    async get(key, ifNoneMatch): Promise<StoredObject | "missing" | "not-modified"> {
      try {
        const out = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}),
          }),
        );
        if (!out.Body)
          throw new StoreError("unavailable", `GetObject ${where(key)} returned no body.`, "Try again.");
        return { body: await out.Body.transformToByteArray(), etag: out.ETag ?? "" };
      } catch (error) {
        const e = inspect(error);
        if (e.name === "NoSuchKey" || (e.status === 404 && e.name !== "NoSuchBucket")) return "missing";
        if (e.name === "NotModified" || e.status === 304) return "not-modified";
        throw mapS3Error(error, "GetObject", where(key), permissions);
      }
    },

    async put(key, body, condition: WriteCondition, contentType): Promise<string> {
      try {
        const out = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ...("ifMatch" in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: "*" }),
          }),
        );
        return out.ETag ?? "";
      } catch (error) {
        const e = inspect(error);
        // If-Match on an object that is gone: S3 answers 404 NoSuchKey.
        if (
          "ifMatch" in condition &&
          (e.name === "NoSuchKey" || (e.status === 404 && e.name !== "NoSuchBucket"))
        ) {
          throw new StoreError("precondition_failed", `${where(key)} is gone`, "Read it again.", e.name);
        }
        throw mapS3Error(error, "PutObject", where(key), permissions);
      }
    },

    async remove(key, ifMatch): Promise<void> {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: ifMatch }));
      } catch (error) {
        const e = inspect(error);
        if (
          e.name === "NoSuchKey" ||
          e.name === "PreconditionFailed" ||
          e.status === 404 ||
          e.status === 412
        ) {
          return; // someone else's by now, or gone
        }
        throw mapS3Error(error, "DeleteObject", where(key), permissions);
      }
    },
  };
}

interface ErrorLike {
  name: string;
  message: string;
  status?: number;
  code?: string;
}

function inspect(error: unknown): ErrorLike {
  const e = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    Code?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  const name =
    typeof e.Code === "string" && e.Code
      ? e.Code
      : typeof e.name === "string" && e.name && e.name !== "Error"
        ? e.name
        : status !== undefined
          ? String(status)
          : "Error";
  return {
    name,
    message: typeof e.message === "string" ? e.message : String(error),
    ...(status !== undefined ? { status } : {}),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
  };
}

const CREDENTIAL_ERRORS = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "TokenRefreshRequired",
  "CredentialsProviderError",
]);

/** An S3 error as a StoreError whose `fix` says what to change. */
export function mapS3Error(
  error: unknown,
  operation: string,
  where: string,
  permissions: string,
): StoreError {
  if (error instanceof StoreError) return error;
  const e = inspect(error);
  const said = e.message ? ` AWS said: ${redactSecrets(e.message).slice(0, 300)}` : "";
  const what = `S3 ${operation} ${where}`;
  if (e.name === "NoSuchBucket") {
    return new StoreError(
      "no_such_bucket",
      `${what} failed: the bucket does not exist (NoSuchBucket).`,
      "Create the bucket (terraform apply creates it with snapshot_store enabled) or correct organization.snapshotStore.uri.",
      e.name,
    );
  }
  if (
    e.name.startsWith("KMS.") ||
    /kms/i.test(e.name) ||
    (e.name === "AccessDenied" && /kms/i.test(e.message))
  ) {
    return new StoreError(
      "kms",
      `${what} failed: the bucket's KMS key refused (${e.name}).${said}`,
      "Give the server's role kms:Decrypt and kms:GenerateDataKey on the bucket's key (terraform/iam.tf does with snapshot_store.kms_key_arn), and check the key is enabled.",
      e.name,
    );
  }
  if (e.name === "AccessDenied" || e.name === "AllAccessDisabled" || e.status === 403) {
    return new StoreError(
      "access_denied",
      `${what} was denied (${e.name}).${said}`,
      `The server's role needs ${permissions} (terraform/iam.tf grants them); a bucket policy must not deny it, and requests must use HTTPS.`,
      e.name,
    );
  }
  if (e.name === "PreconditionFailed" || e.status === 412) {
    return new StoreError(
      "precondition_failed",
      `${what}: the object changed meanwhile (PreconditionFailed).`,
      "Read it again.",
      e.name,
    );
  }
  if (e.name === "ConditionalRequestConflict" || e.status === 409) {
    return new StoreError(
      "conflict",
      `${what}: another write to the same object was in progress (${e.name}).`,
      "Try again.",
      e.name,
    );
  }
  if (CREDENTIAL_ERRORS.has(e.name) || e.code === "CredentialsProviderError") {
    return new StoreError(
      "credentials",
      `${what} failed: AWS did not accept the credentials (${e.name}).`,
      "Run with a role (the Runtime's execution role) or valid credentials, and a correct clock.",
      e.name,
    );
  }
  if (e.name === "PermanentRedirect" || e.name === "AuthorizationHeaderMalformed" || e.status === 301) {
    return new StoreError(
      "unavailable",
      `${what} failed: the bucket is in another region (${e.name}).`,
      "Run the server in the bucket's region or set AWS_REGION to it.",
      e.name,
    );
  }
  return new StoreError(
    "unavailable",
    `${what} failed (${e.name}${e.status !== undefined ? `, HTTP ${e.status}` : ""}).${said}`,
    "Check network access to S3 (or the S3 VPC endpoint) and try again; the server answers from the AWS API meanwhile.",
    e.name,
  );
}
