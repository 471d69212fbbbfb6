/**
 * The store's S3 client and the lease against s3rver behind the conditional-write layer
 * (test/fake-aws/s3-server.ts): S3's conditional writes, the lease protocol built on them, and
 * the errors a user must act on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLease, type LeaseOptions } from "../../src/org/store/lease.js";
import { StoreError, type ObjectStore } from "../../src/org/store/object-store.js";
import { startFakeS3, type FakeS3 } from "../fake-aws/s3-server.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { BUCKET, destroyStoreClients, fakeBackends } from "./store-helpers.js";

let s3: FakeS3;
let aws: FakeAws;
let store: ObjectStore;

beforeAll(async () => {
  s3 = await startFakeS3({ buckets: [BUCKET] });
  aws = await startFakeAws({ snapshot: generateOrganization("S", 1) });
  store = fakeBackends(s3.endpoint, aws.endpoint).store;
});

afterAll(async () => {
  destroyStoreClients();
  await s3?.close();
  await aws?.close();
});

async function failure(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error("expected a StoreError");
}

const body = (text: string): Uint8Array => Buffer.from(text);

describe("S3 conditional writes (s3rver + the conditional-write layer)", () => {
  it("creates only where nothing is, replaces only the object read", async () => {
    const etag = await store.put("t/a", body("one"), { ifNoneMatch: "*" }, "text/plain");
    expect((await failure(store.put("t/a", body("two"), { ifNoneMatch: "*" }, "text/plain"))).code).toBe(
      "precondition_failed",
    );
    const next = await store.put("t/a", body("two"), { ifMatch: etag }, "text/plain");
    expect((await failure(store.put("t/a", body("three"), { ifMatch: etag }, "text/plain"))).code).toBe(
      "precondition_failed",
    );
    expect((await failure(store.put("t/missing", body("x"), { ifMatch: next }, "text/plain"))).code).toBe(
      "precondition_failed",
    );
    const got = await store.get("t/a");
    expect(got !== "missing" && got !== "not-modified" && Buffer.from(got.body).toString()).toBe("two");
    expect(await store.get("t/a", next)).toBe("not-modified");
    expect(await store.get("t/nothing-here")).toBe("missing");
  });

  it("lets exactly one of many simultaneous creators win", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.put("t/race", body(`writer ${i}`), { ifNoneMatch: "*" }, "text/plain"),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("deletes only the object with the ETag given", async () => {
    const etag = await store.put("t/d", body("x"), { ifNoneMatch: "*" }, "text/plain");
    await store.put("t/d", body("y"), { ifMatch: etag }, "text/plain");
    await store.remove("t/d", etag); // stale ETag: nothing happens
    expect(await s3.object(BUCKET, "t/d")).toBeDefined();
  });

  it("says what to fix on AccessDenied and NoSuchBucket", async () => {
    s3.deny({ operation: "GetObject", key: /^t\/denied/, code: "AccessDenied" });
    const denied = await failure(store.get("t/denied"));
    s3.clearDenials();
    expect(denied.code).toBe("access_denied");
    expect(denied.message).toContain(`S3 GetObject s3://${BUCKET}/t/denied was denied (AccessDenied)`);
    expect(denied.fix).toContain(
      `s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::${BUCKET}/orgs/*`,
    );

    const other = fakeBackends(s3.endpoint, aws.endpoint, "s3://no-such-bucket-here/orgs/").store;
    const missing = await failure(other.get("orgs/x"));
    expect(missing.code).toBe("no_such_bucket");
    expect(missing.fix).toContain("Create the bucket");
  });
});

describe("the refresh lease", () => {
  let clock = Date.parse("2026-12-01T10:00:00Z");
  const options = (holder: string, key = "t/lease.json"): LeaseOptions => ({
    store,
    key,
    holder,
    ttlMs: 120_000,
    now: () => clock,
  });

  it("is held by one session at a time, renewed by its holder, and released", async () => {
    const a = await acquireLease(options("a"), "full read");
    expect("held" in a).toBe(true);
    const b = await acquireLease(options("b"), "full read");
    expect(b).toEqual({ heldBy: expect.objectContaining({ holder: "a", purpose: "full read" }) });
    if (!("held" in a)) throw new Error("unreachable");
    clock += 60_000;
    expect(await a.held.renew({ done: 10, left: 5, etaSeconds: 1 })).toBe(true);
    clock += 90_000; // past the first expiry, inside the renewed one
    expect(await acquireLease(options("b"), "full read")).toEqual({
      heldBy: expect.objectContaining({ holder: "a", progress: { done: 10, left: 5, etaSeconds: 1 } }),
    });
    await a.held.release();
    expect(await s3.object(BUCKET, "t/lease.json")).toBeUndefined();
    const c = await acquireLease(options("c"), "refresh by change");
    expect("held" in c).toBe(true);
    if ("held" in c) await c.held.release();
  });

  it("expires when its holder dies, and the taker's lease cannot be renewed or released by the dead one", async () => {
    const dead = await acquireLease(options("dead", "t/lease2.json"), "full read");
    if (!("held" in dead)) throw new Error("expected the lease");
    clock += 121_000;
    const taker = await acquireLease(options("taker", "t/lease2.json"), "full read");
    expect("held" in taker).toBe(true);
    expect(await dead.held.renew()).toBe(false);
    await dead.held.release();
    expect(await acquireLease(options("third", "t/lease2.json"), "full read")).toEqual({
      heldBy: expect.objectContaining({ holder: "taker" }),
    });
    if ("held" in taker) await taker.held.release();
  });

  it("is taken over when the lease object cannot be read", async () => {
    await s3.putObject(BUCKET, "t/lease3.json", "not a lease");
    expect("held" in (await acquireLease(options("a", "t/lease3.json"), "full read"))).toBe(true);
  });

  it("goes to exactly one of many sessions asking at once, also when taking over an expired lease", async () => {
    for (const key of ["t/lease4.json", "t/lease4.json"]) {
      const attempts = await Promise.all(
        Array.from({ length: 6 }, (_, i) => acquireLease(options(`s${i}`, key), "full read")),
      );
      expect(attempts.filter((a) => "held" in a)).toHaveLength(1);
      clock += 121_000; // the winner dies: the second round takes over an expired lease
    }
  });
});
