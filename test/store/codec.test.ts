/** The stored object's codec: what is served, and every kind of object that must be refused. */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  StoredSnapshotRejected,
  decodeStoredSnapshot,
  encodeStoredSnapshot,
  type RejectReason,
} from "../../src/org/store/codec.js";
import { generateOrganization } from "../fake-aws/generate-org.js";

const snapshot = generateOrganization("S", 4);
const orgId = snapshot.organization.id;
const meta = { lastFullReadAt: snapshot.capturedAt, refresh: "full" as const };

function refusal(
  bytes: Uint8Array,
  expected = orgId,
  maxBytes?: number,
): { reason: RejectReason; message: string } {
  try {
    decodeStoredSnapshot(bytes, expected, "s3://b/orgs/o.json.gz", maxBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(StoredSnapshotRejected);
    const e = error as StoredSnapshotRejected;
    return { reason: e.reason, message: e.message };
  }
  throw new Error("decoded an object that should have been refused");
}

describe("stored snapshot codec", () => {
  it("round-trips the organization and the refresher's notes", () => {
    const bytes = encodeStoredSnapshot({
      snapshot,
      meta: { ...meta, rootAccountsUntil: "2026-12-15T00:00:00.000Z" },
    });
    const decoded = decodeStoredSnapshot(bytes, orgId, "test");
    expect(decoded.snapshot).toEqual(snapshot);
    expect(decoded.meta).toEqual({ ...meta, rootAccountsUntil: "2026-12-15T00:00:00.000Z" });
    expect(bytes.length).toBeLessThan(JSON.stringify(snapshot).length / 3);
  });

  it("reads a plain snapshot document (npm run snapshot to a file, copied up) as a whole read", () => {
    const decoded = decodeStoredSnapshot(gzipSync(JSON.stringify(snapshot)), orgId, "test");
    expect(decoded.meta).toEqual({ lastFullReadAt: snapshot.capturedAt, refresh: "full" });
  });

  it("refuses bytes that are not gzip", () => {
    const r = refusal(Buffer.from(JSON.stringify(snapshot)));
    expect(r.reason).toBe("corrupt");
    expect(r.message).toContain("s3://b/orgs/o.json.gz is not a gzip stream");
  });

  it("refuses a truncated object", () => {
    const bytes = encodeStoredSnapshot({ snapshot, meta });
    const r = refusal(bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(r.reason).toBe("truncated");
    expect(r.message).toContain("is truncated");
  });

  it("refuses an object that is not JSON once decompressed", () => {
    expect(refusal(gzipSync("{ not json")).reason).toBe("not-json");
  });

  it("refuses a format newer than this server reads, by its version", () => {
    const r = refusal(gzipSync(JSON.stringify({ ...snapshot, formatVersion: 2 })));
    expect(r.reason).toBe("future-format");
    expect(r.message).toContain("formatVersion 2, newer than the 1 this server reads");
  });

  it("refuses an object that does not fit the snapshot format, naming the field", () => {
    const broken = { ...snapshot, accounts: [{ ...snapshot.accounts[0], parentId: "ou-zzzz-zzzzzzzz" }] };
    const r = refusal(gzipSync(JSON.stringify(broken)));
    expect(r.reason).toBe("invalid");
    expect(r.message).toMatch(/accounts\.0\.parentId: ou-zzzz-zzzzzzzz does not exist/);
  });

  it("refuses another organization's snapshot", () => {
    const r = refusal(encodeStoredSnapshot({ snapshot, meta }), "o-otherorg000");
    expect(r.reason).toBe("other-organization");
    expect(r.message).toContain(`holds organization ${orgId}, not o-otherorg000`);
  });

  it("refuses an object that decompresses beyond the limit without holding it", () => {
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 32));
    expect(bomb.length).toBeLessThan(10_000);
    expect(refusal(bomb, orgId, 1024 * 1024).reason).toBe("too-large");
  });
});
