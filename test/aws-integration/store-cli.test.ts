/**
 * npm run snapshot -- --out s3://...: the server's refresh, from a schedule or CI, under the same
 * lease and with the same conditional write; a server session then answers from what it wrote.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSnapshotCli } from "../../src/cli/snapshot.js";
import { createMemoryLogger } from "../../src/logging/logger.js";
import { OrganizationService } from "../../src/org/service.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { startFakeS3, type FakeS3 } from "../fake-aws/s3-server.js";
import { readerFor } from "./helpers.js";
import { BUCKET, STORE_URI, destroyStoreClients, fakeBackends, storedSession } from "./store-helpers.js";

const organization = generateOrganization("S", 7);
const ORG_ID = organization.organization.id;
let clock = 0;
let aws: FakeAws;
let s3: FakeS3;

beforeEach(async () => {
  clock = Date.parse("2026-12-01T10:00:00Z");
  aws = await startFakeAws({ snapshot: organization, now: () => clock });
  s3 = await startFakeS3({ buckets: [BUCKET] });
});

afterEach(async () => {
  destroyStoreClients();
  await aws.close();
  await s3.close();
});

async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await runSnapshotCli(argv, {
    createReader: () => readerFor(aws.endpoint, { cacheTtlSeconds: 3600 }).reader,
    openStore: async () => fakeBackends(s3.endpoint, aws.endpoint),
    clock: () => clock,
    sleep: async () => {
      clock += 5000;
    },
    stderr: (t) => (err += t),
    stdout: () => undefined,
  });
  return { code, err };
}

describe("npm run snapshot -- --out s3://...", () => {
  it("reads the organization whole into an empty store, then refreshes it by change", async () => {
    const first = await cli("--out", STORE_URI);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(
      new RegExp(
        `organization ${ORG_ID}: 50 accounts, .* whole read \\(there was no usable stored snapshot\\), \\d+ Organizations calls .* -> s3://${BUCKET}/orgs/${ORG_ID}\\.json\\.gz`,
      ),
    );
    clock += 20 * 60_000;
    aws.change({ kind: "renameOu", ouId: aws.index.snapshot.organizationalUnits[0]!.id, name: "FromCi" });
    clock += 60_000;
    const second = await cli("--out", STORE_URI);
    expect(second.code).toBe(0);
    // The pages hold the whole read's own read events too.
    expect(second.err).toMatch(/by change \(1 change; 2 LookupEvents pages\), 1 Organizations calls/);

    // A new server session answers from it, with no Organizations call.
    aws.reset();
    const logger = createMemoryLogger();
    const reader = storedSession({
      s3: s3.endpoint,
      aws: aws.endpoint,
      logger,
      organizationId: ORG_ID,
      now: () => clock,
    });
    const org = new OrganizationService(reader, [organization.roots[0]!.id]);
    const view = await org.loadOrganization("SERVICE_CONTROL_POLICY");
    expect([...view.containers.values()].some((c) => c.name === "FromCi")).toBe(true);
    expect(reader.freshness()).toMatchObject({ source: "store", stale: false });
    expect(aws.stats().organizationsCalls).toBe(0);
  });

  it("reads whole with --full", async () => {
    await cli("--out", STORE_URI);
    expect((await cli("--out", STORE_URI, "--full")).err).toContain(
      "whole read (a whole read was asked for)",
    );
  });

  it("waits for another refresher's lease, then gives up rather than read the organization twice", async () => {
    const lease = {
      holder: "server-session-7",
      purpose: "full read",
      acquiredAt: new Date(clock).toISOString(),
      expiresAt: new Date(clock + 600_000).toISOString(),
    };
    await s3.putObject(BUCKET, `orgs/${ORG_ID}.lease.json`, JSON.stringify(lease));
    const run = await cli("--out", STORE_URI, "--lease-wait", "30");
    expect(run.code).toBe(2);
    expect(run.err).toContain(
      `server-session-7 holds the refresh lease of s3://${BUCKET}/orgs/${ORG_ID}.json.gz (full read)`,
    );
    expect(await s3.object(BUCKET, `orgs/${ORG_ID}.json.gz`)).toBeUndefined();
  });

  it("says what to fix when the bucket refuses", async () => {
    s3.deny({ operation: "PutObject", code: "AccessDenied" });
    const run = await cli("--out", STORE_URI);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(
      /S3 PutObject s3:\/\/org-snapshots\/orgs\/.* was denied \(AccessDenied\)\..*s3:GetObject, s3:PutObject and s3:DeleteObject/,
    );
  });

  it("refuses options that only apply to the store without one", async () => {
    expect((await cli("--out", "org.json", "--full")).code).toBe(2);
    expect((await cli("--out", "s3://Bad_Bucket/x/")).err).toContain("is not an S3 bucket name");
  });
});
