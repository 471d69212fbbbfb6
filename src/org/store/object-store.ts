/**
 * The object store the snapshot and its lease live in, as the refresher needs it: reads, and writes
 * that only happen when a condition holds (S3 conditional writes). Implemented on Amazon S3 by
 * src/aws/s3-store.ts; the lease and the refresher know only this interface.
 */

export type StoreErrorCode =
  | "access_denied"
  | "no_such_bucket"
  | "kms"
  | "credentials"
  /** The condition of a conditional write did not hold: the object changed, or is absent. */
  | "precondition_failed"
  /** Another conditional write to the same key was in progress (S3 409); retry. */
  | "conflict"
  | "unavailable";

/** A store failure: what happened (`message`) and what to do about it (`fix`). */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly fix: string,
    /** The AWS error name, when there was one. */
    readonly awsName?: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

export const isStoreError = (error: unknown, ...codes: StoreErrorCode[]): error is StoreError =>
  error instanceof StoreError && (codes.length === 0 || codes.includes(error.code));

export interface StoredObject {
  body: Uint8Array;
  /** The object's ETag, quoted as S3 returns it. */
  etag: string;
}

/** Write only if the object is still the one with this ETag, or only if there is none. */
export type WriteCondition = { ifMatch: string } | { ifNoneMatch: "*" };

export interface ObjectStore {
  /** `s3://bucket`, for messages. */
  readonly name: string;
  /** The object, "missing", or "not-modified" when `ifNoneMatch` is its current ETag. */
  get(key: string, ifNoneMatch?: string): Promise<StoredObject | "missing" | "not-modified">;
  /** Writes when `condition` holds and returns the new ETag; StoreError "precondition_failed" otherwise. */
  put(key: string, body: Uint8Array, condition: WriteCondition, contentType: string): Promise<string>;
  /** Deletes when the object still has this ETag; nothing happens when it does not. */
  remove(key: string, ifMatch: string): Promise<void>;
}
