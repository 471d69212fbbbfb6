/**
 * Where the shared organization snapshot lives: `s3://bucket/prefix/`, one object per organization
 * id (`<prefix><organization id>.json.gz`) and its refresh lease beside it
 * (`<prefix><organization id>.lease.json`).
 */

export interface StoreLocation {
  /** As configured, normalised: s3://bucket/prefix/ */
  uri: string;
  bucket: string;
  /** Empty, or ending in "/". */
  prefix: string;
}

// S3 bucket naming rules (general purpose buckets): 3-63 characters, lower-case letters, digits,
// dots and hyphens, starting and ending with a letter or digit.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// A conservative key prefix: the characters S3 documents as safe, so a key never needs escaping.
const PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;

/** The location, or a message saying what is wrong with `uri`. */
export function parseStoreUri(uri: string): StoreLocation | string {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri.trim());
  if (!match?.[1])
    return `expected s3://bucket/prefix/ (for example s3://acme-org-snapshots/orgs/), got ${JSON.stringify(uri)}`;
  const bucket = match[1];
  if (!BUCKET.test(bucket) || bucket.includes("..")) {
    return `${JSON.stringify(bucket)} is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)`;
  }
  let prefix = match[2] ?? "";
  if (!PREFIX.test(prefix) || prefix.startsWith("/") || prefix.includes("//")) {
    return `the key prefix ${JSON.stringify(prefix)} may hold only letters, digits, !_.*'()- and single slashes`;
  }
  if (prefix !== "" && !prefix.endsWith("/")) prefix += "/";
  if (prefix.length > 512) return "the key prefix is longer than 512 characters";
  return { uri: `s3://${bucket}/${prefix}`, bucket, prefix };
}

export function snapshotKey(location: StoreLocation, organizationId: string): string {
  return `${location.prefix}${organizationId}.json.gz`;
}

export function leaseKey(location: StoreLocation, organizationId: string): string {
  return `${location.prefix}${organizationId}.lease.json`;
}

export function objectUri(location: StoreLocation, key: string): string {
  return `s3://${location.bucket}/${key}`;
}
