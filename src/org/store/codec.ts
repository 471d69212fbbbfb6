/**
 * The stored object: the organization in the snapshot format (docs/snapshot.md), gzip-compressed,
 * with a `store` member the refresher keeps for itself (extra members are allowed by the format).
 * Decoding checks, in order: gzip, JSON, the format version, the schema and references, the
 * organization id. A refused object is never served: the caller treats it as missing.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";
import { ConfigError, errorMessage } from "../../errors.js";
import { parseSnapshot } from "../snapshot-reader.js";
import type { Snapshot } from "../snapshot-schema.js";

/** The snapshot format version this server reads and writes (docs/snapshot.md). */
export const STORED_FORMAT_VERSION = 1;

/**
 * A decompressed object larger than this is refused without being held: an XL organization
 * (10,000 accounts) is about 3 MB of JSON, so this leaves room for far larger ones while a
 * hostile object cannot make the process hold gigabytes.
 */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** What the refresher records beside the organization. */
export interface StoreMeta {
  /** When the organization was last read whole (a full capture). */
  lastFullReadAt: string;
  /** How the current data was made. */
  refresh: "full" | "by-change";
  /** Until when the root's accounts are listed again at each refresh (an invitation may be accepted). */
  rootAccountsUntil?: string;
  /**
   * Events already applied that the next refresh's look-back will list again: not read twice.
   * Only those within the look-back margin before the capture are kept.
   */
  appliedEvents?: string[];
}

const metaSchema = z.looseObject({
  lastFullReadAt: z.iso.datetime({ offset: true }),
  refresh: z.enum(["full", "by-change"]).catch("full"),
  rootAccountsUntil: z.iso.datetime({ offset: true }).optional(),
  appliedEvents: z.array(z.string().max(128)).max(100_000).optional().catch(undefined),
});

export type RejectReason =
  "corrupt" | "truncated" | "too-large" | "not-json" | "future-format" | "invalid" | "other-organization";

/** An object that must not be served; `reason` names why, `message` says it for the log. */
export class StoredSnapshotRejected extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
    this.name = "StoredSnapshotRejected";
  }
}

export interface StoredSnapshot {
  snapshot: Snapshot;
  meta: StoreMeta;
}

export function encodeStoredSnapshot(stored: StoredSnapshot): Buffer {
  // Level 6 (zlib's default): an XL organization compresses 3.0 MB -> 0.4 MB in about 0.1 s.
  return gzipSync(JSON.stringify({ ...stored.snapshot, store: stored.meta }), { level: 6 });
}

/** Decodes and validates an object; throws StoredSnapshotRejected for anything that must not be served. */
export function decodeStoredSnapshot(
  bytes: Uint8Array,
  expectedOrganizationId: string,
  origin: string,
  maxBytes = MAX_DECOMPRESSED_BYTES,
): StoredSnapshot {
  const text = gunzip(bytes, origin, maxBytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new StoredSnapshotRejected(
      "not-json",
      `${origin} is not JSON once decompressed (${errorMessage(error)})`,
    );
  }
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === "number" && version > STORED_FORMAT_VERSION) {
    throw new StoredSnapshotRejected(
      "future-format",
      `${origin} has formatVersion ${version}, newer than the ${STORED_FORMAT_VERSION} this server reads (written by a newer server)`,
    );
  }
  let snapshot: Snapshot;
  try {
    snapshot = parseSnapshot(raw, origin);
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : errorMessage(error);
    throw new StoredSnapshotRejected("invalid", message);
  }
  if (snapshot.organization.id !== expectedOrganizationId) {
    throw new StoredSnapshotRejected(
      "other-organization",
      `${origin} holds organization ${snapshot.organization.id}, not ${expectedOrganizationId}`,
    );
  }
  const { store, ...rest } = snapshot as Snapshot & { store?: unknown };
  const meta = metaSchema.safeParse(store);
  return {
    snapshot: rest,
    meta: meta.success
      ? {
          lastFullReadAt: meta.data.lastFullReadAt,
          refresh: meta.data.refresh,
          ...(meta.data.rootAccountsUntil ? { rootAccountsUntil: meta.data.rootAccountsUntil } : {}),
          ...(meta.data.appliedEvents ? { appliedEvents: meta.data.appliedEvents } : {}),
        }
      : // Written by hand or by `npm run snapshot` to a file and copied up: a full read as of its capture.
        { lastFullReadAt: rest.capturedAt, refresh: "full" },
  };
}

function gunzip(bytes: Uint8Array, origin: string, maxBytes: number): string {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes }).toString("utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (
      code === "ERR_BUFFER_TOO_LARGE" ||
      /Cannot create a Buffer larger|output length/i.test(errorMessage(error))
    ) {
      throw new StoredSnapshotRejected(
        "too-large",
        `${origin} decompresses to more than ${Math.round(maxBytes / 1024 / 1024)} MB`,
      );
    }
    if (code === "Z_BUF_ERROR" || /unexpected end of file/i.test(errorMessage(error))) {
      throw new StoredSnapshotRejected("truncated", `${origin} is truncated (the gzip stream ends early)`);
    }
    throw new StoredSnapshotRejected("corrupt", `${origin} is not a gzip stream (${errorMessage(error)})`);
  }
}
