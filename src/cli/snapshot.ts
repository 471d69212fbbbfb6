/**
 * npm run snapshot -- --out org.json [--region us-east-1] [--role-arn arn:...] [--policy-types ...]
 * npm run snapshot -- --out s3://bucket/prefix/ [--full] [--lease-wait 300]
 *
 * Captures the whole organization through the AWS reader into a snapshot file (formatVersion 1)
 * that the server can audit offline. Credentials come from the SDK's own chain. With an s3:// URI
 * it refreshes the shared snapshot store the servers read (organization.snapshotStore) exactly as a
 * server does: under the same lease, by change when CloudTrail's event history allows (else whole),
 * and with the same conditional write, so a schedule or CI can keep the store fresh.
 * Exit codes as for audit and lint (src/cli/main.ts): 0 done, 2 any error (usage, AWS, file). 1 means
 * findings there, which a capture never has, so a failed capture cannot pass for one.
 */
import { rename, unlink, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { EXIT_ERROR, runWhenMain } from "./entry-point.js";
import { parseArgs } from "node:util";
import { UserError, errorMessage } from "../errors.js";
import {
  parseStoreUri,
  leaseKey,
  objectUri,
  snapshotKey,
  type StoreLocation,
} from "../org/store/location.js";
import type { StoreBackends } from "../org/store/stored-reader.js";
import { createAwsReader } from "../org/aws-reader.js";
import { AWS_REGION } from "../model/ids.js";
import { captureSnapshot, enabledPolicyTypes } from "../org/capture-snapshot.js";
import { snapshotSchema } from "../org/snapshot-schema.js";
import { POLICY_TYPES, type PolicyType } from "../model/policy-type.js";
import { type OrganizationReader } from "../org/types.js";

export const USAGE = `Usage: npm run snapshot -- --out FILE [options]

Captures the whole AWS organization (roots, OUs, accounts, SCPs and RCPs with their documents
and targets) into a snapshot file the server can audit offline (organization.source "snapshot").
Run it with credentials for the management account or a delegated administrator.

Options:
  --out FILE             where to write the snapshot JSON (required; "-" writes to stdout), or
                         s3://bucket/prefix/: refresh the shared snapshot store the servers read
                         (organization.snapshotStore), under the same lease, by change when
                         CloudTrail's event history allows
  --full                 with s3://: read the whole organization, whatever the events say
  --lease-wait SECONDS   with s3://: how long to wait for another refresher's lease (default 300)
  --region REGION        region of the Organizations endpoint (default us-east-1)
  --role-arn ARN         assume this IAM role first, e.g. arn:aws:iam::123456789012:role/OrgReadOnly
  --external-id ID       external id to pass when assuming --role-arn
  --policy-types LIST    comma-separated, from ${POLICY_TYPES.join(",")}
                         (default: all of them that are enabled on the root)
  --concurrency N        API calls in flight at once, 1-16 (default 4)
  -h, --help             show this help

Exit codes: 0 done; 2 an error (usage, AWS or file), as for audit and lint, where 1 means findings.`;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

export interface SnapshotCliArgs {
  out: string;
  /** Set when --out is an s3:// URI. */
  store?: StoreLocation;
  full?: boolean;
  leaseWaitSeconds?: number;
  region?: string;
  roleArn?: string;
  externalId?: string;
  policyTypes?: PolicyType[];
  concurrency?: number;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses the command line; returns "help" for --help and throws UsageError on bad input. */
export function parseSnapshotArgs(argv: readonly string[]): SnapshotCliArgs | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: "string", short: "o" },
        region: { type: "string" },
        "role-arn": { type: "string" },
        "external-id": { type: "string" },
        "policy-types": { type: "string" },
        concurrency: { type: "string" },
        full: { type: "boolean" },
        "lease-wait": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  if (values.help) return "help";

  const out = values.out?.trim();
  if (!out) throw new UsageError("--out FILE is required (where to write the snapshot JSON)");

  let store: StoreLocation | undefined;
  if (out.startsWith("s3://")) {
    const parsed = parseStoreUri(out);
    if (typeof parsed === "string") throw new UsageError(`--out ${parsed}`);
    store = parsed;
  }
  if ((values.full || values["lease-wait"] !== undefined) && !store) {
    throw new UsageError("--full and --lease-wait apply only with --out s3://bucket/prefix/");
  }
  let leaseWaitSeconds: number | undefined;
  if (values["lease-wait"] !== undefined) {
    const n = Number(values["lease-wait"]);
    if (!Number.isInteger(n) || n < 0 || n > 3600)
      throw new UsageError("--lease-wait must be a whole number of seconds from 0 to 3600");
    leaseWaitSeconds = n;
  }

  const region = values.region?.trim();
  if (region !== undefined && !AWS_REGION.test(region)) {
    throw new UsageError(`--region ${JSON.stringify(region)} is not an AWS region such as us-east-1`);
  }
  const roleArn = values["role-arn"]?.trim();
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    throw new UsageError(
      `--role-arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/OrgReadOnly`,
    );
  }
  const externalId = values["external-id"];
  if (externalId !== undefined) {
    if (roleArn === undefined) throw new UsageError("--external-id only applies together with --role-arn");
    if (externalId.length < 2 || externalId.length > 1224) {
      throw new UsageError("--external-id must be 2 to 1224 characters long");
    }
  }

  let policyTypes: PolicyType[] | undefined;
  if (values["policy-types"] !== undefined) {
    const names = values["policy-types"]
      .split(",")
      .map((s) => s.trim().toUpperCase())
      .filter((s) => s !== "");
    if (names.length === 0) throw new UsageError(`--policy-types is empty; use ${POLICY_TYPES.join(",")}`);
    const unknown = names.filter((n) => !(POLICY_TYPES as readonly string[]).includes(n));
    if (unknown.length > 0) {
      throw new UsageError(
        `--policy-types: unknown ${unknown.join(", ")}; expected a comma-separated list from ${POLICY_TYPES.join(",")}`,
      );
    }
    policyTypes = POLICY_TYPES.filter((t) => names.includes(t));
  }

  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    const n = Number(values.concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 16)
      throw new UsageError("--concurrency must be an integer from 1 to 16");
    concurrency = n;
  }

  return {
    out,
    ...(store ? { store } : {}),
    ...(values.full ? { full: true } : {}),
    ...(leaseWaitSeconds !== undefined ? { leaseWaitSeconds } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(externalId !== undefined ? { externalId } : {}),
    ...(policyTypes !== undefined ? { policyTypes } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

export interface SnapshotCliDeps {
  createReader?: (args: SnapshotCliArgs) => OrganizationReader;
  /** The S3 store and CloudTrail lookup for --out s3://... (default: the SDK clients). */
  openStore?: (args: SnapshotCliArgs & { store: StoreLocation }) => Promise<StoreBackends>;
  /** Clock for the lease and the snapshot's capture time (ms since the epoch). */
  clock?: () => number;
  /** Waits between looks at another refresher's lease. */
  sleep?: (ms: number) => Promise<void>;
  writeOutput?: (out: string, text: string) => Promise<void>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  now?: () => number;
}

/** Writes next to the target then renames, so a failed run never leaves half a file behind. */
async function writeAtomically(out: string, text: string): Promise<void> {
  const path = resolve(out);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, "utf8");
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** Runs the command and returns its exit code. */
export async function runSnapshotCli(argv: readonly string[], deps: SnapshotCliDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  const now = deps.now ?? Date.now;

  let args: SnapshotCliArgs;
  try {
    const parsed = parseSnapshotArgs(argv);
    if (parsed === "help") {
      stdout(`${USAGE}\n`);
      return 0;
    }
    args = parsed;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`snapshot: ${error.message}\n\n${USAGE}\n`);
      return EXIT_ERROR;
    }
    throw error;
  }

  const reader =
    deps.createReader?.(args) ??
    createAwsReader({
      // One capture reads everything once; caching only serves repeated reads within the run.
      cacheTtlSeconds: 3600,
      ...(args.region !== undefined ? { region: args.region } : {}),
      ...(args.roleArn !== undefined ? { roleArn: args.roleArn } : {}),
      ...(args.externalId !== undefined ? { externalId: args.externalId } : {}),
    });

  if (args.store) return refreshStore({ ...args, store: args.store }, reader, deps, stderr);

  const started = now();
  let text: string;
  let summary: string;
  try {
    const snapshot = await captureSnapshot(reader, {
      ...(args.policyTypes !== undefined ? { policyTypes: args.policyTypes } : {}),
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
    });
    const checked = snapshotSchema.safeParse(snapshot);
    if (!checked.success) {
      const issues = checked.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`);
      stderr(
        `snapshot: the captured organization does not fit the snapshot format:\n  ${issues.join("\n  ")}\n`,
      );
      return EXIT_ERROR;
    }
    const wanted = args.policyTypes ?? POLICY_TYPES;
    const captured = enabledPolicyTypes(snapshot.roots, wanted);
    for (const type of wanted.filter((t) => !captured.includes(t))) {
      stderr(
        `snapshot: note: ${type} is not enabled on the root, so no policies of that type were captured\n`,
      );
    }
    text = `${JSON.stringify(snapshot, null, 2)}\n`;
    const calls = Object.values(reader.stats().apiCalls).reduce((a, b) => a + b, 0);
    const seconds = ((now() - started) / 1000).toFixed(1);
    summary =
      `snapshot: organization ${snapshot.organization.id}: ${snapshot.accounts.length} accounts, ` +
      `${snapshot.organizationalUnits.length} OUs, ${snapshot.policies.length} policies ` +
      `(${captured.length > 0 ? captured.join(", ") : "no policy types enabled"}) in ${seconds} s, ${calls} AWS API calls`;
  } catch (error) {
    if (error instanceof UserError) {
      stderr(`snapshot: ${error.message}\n`);
      return EXIT_ERROR;
    }
    stderr(`snapshot: capture failed: ${errorMessage(error)}\n`);
    return EXIT_ERROR;
  }

  try {
    if (args.out === "-") stdout(text);
    else await (deps.writeOutput ?? writeAtomically)(args.out, text);
  } catch (error) {
    stderr(`snapshot: could not write ${args.out}: ${errorMessage(error)}\n`);
    return EXIT_ERROR;
  }
  stderr(`${summary}${args.out === "-" ? "" : ` -> ${args.out}`}\n`);
  return 0;
}

/**
 * --out s3://...: the server's own refresh, under the server's lease. Waits up to --lease-wait for
 * a refresher that holds it, then gives up (exit 2) rather than reading the organization twice.
 */
async function refreshStore(
  args: SnapshotCliArgs & { store: StoreLocation },
  reader: OrganizationReader,
  deps: SnapshotCliDeps,
  stderr: (t: string) => void,
): Promise<number> {
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const [
    { decodeStoredSnapshot, StoredSnapshotRejected },
    { runRefresh, underLease, LEASE_SECONDS },
    { StoreError },
  ] = await Promise.all([
    import("../org/store/codec.js"),
    import("../org/store/refresher.js"),
    import("../org/store/object-store.js"),
  ]);
  try {
    const organizationId = (await reader.describeOrganization()).id;
    const backends = await (deps.openStore ?? openStoreWithSdk)(args);
    const key = snapshotKey(args.store, organizationId);
    const where = objectUri(args.store, key);
    const waitUntil = clock() + (args.leaseWaitSeconds ?? 300) * 1000;
    for (;;) {
      const leased = await underLease(
        {
          store: backends.store,
          key: leaseKey(args.store, organizationId),
          holder: `npm run snapshot (${process.pid})`,
          ttlMs: LEASE_SECONDS * 1000,
          now: clock,
        },
        args.full ? "full read (npm run snapshot)" : "refresh (npm run snapshot)",
        async () => {
          const found = await backends.store.get(key);
          let base;
          if (found !== "missing" && found !== "not-modified" && !args.full) {
            try {
              base = decodeStoredSnapshot(found.body, organizationId, where);
            } catch (error) {
              if (!(error instanceof StoredSnapshotRejected)) throw error;
              stderr(
                `snapshot: refusing the stored object (${error.reason}): ${error.message}; reading the whole organization\n`,
              );
            }
          }
          const write =
            found === "missing" || found === "not-modified"
              ? ({ ifNoneMatch: "*" } as const)
              : { ifMatch: found.etag };
          return runRefresh(
            {
              store: backends.store,
              key,
              lookup: backends.lookup,
              reader,
              now: clock,
              organizationsRatePerSecond: reader.stats().pacing?.ratePerSecond ?? 8,
            },
            { ...(base ? { base } : {}), write, ...(args.full ? { full: true } : {}) },
          );
        },
      );
      if ("heldBy" in leased) {
        if (clock() >= waitUntil) {
          stderr(
            `snapshot: ${leased.heldBy.holder} holds the refresh lease of ${where} (${leased.heldBy.purpose}) until ` +
              `${leased.heldBy.expiresAt}; not reading the organization a second time. Try again later or raise --lease-wait.\n`,
          );
          return EXIT_ERROR;
        }
        await sleep(5000);
        continue;
      }
      const outcome = leased.ran;
      const r = outcome.report;
      const how =
        r.mode === "full"
          ? `whole read (${r.reason})`
          : `by change (${r.reason}; ${r.lookupPages} LookupEvents page${r.lookupPages === 1 ? "" : "s"})`;
      if (outcome.kind === "superseded") {
        stderr(`snapshot: a newer snapshot was written to ${where} meanwhile; it is kept (${how} dropped)\n`);
        return 0;
      }
      if (outcome.kind === "unwritten") {
        stderr(`snapshot: ${outcome.error.message} ${outcome.error.fix}\n`);
        return EXIT_ERROR;
      }
      const snap = outcome.stored.snapshot;
      stderr(
        `snapshot: organization ${snap.organization.id}: ${snap.accounts.length} accounts, ${snap.organizationalUnits.length} OUs, ` +
          `${snap.policies.length} policies, captured ${snap.capturedAt}; ${how}, ${r.organizationsCalls} Organizations calls in ` +
          `${(r.durationMs / 1000).toFixed(1)} s -> ${where}\n`,
      );
      return 0;
    }
  } catch (error) {
    if (error instanceof StoreError) {
      stderr(`snapshot: ${error.message} ${error.fix}\n`);
      return EXIT_ERROR;
    }
    stderr(
      `snapshot: ${error instanceof UserError ? error.message : `refresh failed: ${errorMessage(error)}`}\n`,
    );
    return EXIT_ERROR;
  }
}

async function openStoreWithSdk(args: SnapshotCliArgs & { store: StoreLocation }): Promise<StoreBackends> {
  const { createS3Store, createCloudTrailLookup } = await import("../aws/store-backends.js");
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  return {
    store: createS3Store({
      bucket: args.store.bucket,
      prefix: args.store.prefix,
      ...(region ? { region } : {}),
      // A custom endpoint (s3rver, another S3-compatible server) is addressed by path.
      forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3),
    }),
    lookup: createCloudTrailLookup({
      ...(args.region !== undefined ? { region: args.region } : {}),
      ...(args.roleArn !== undefined ? { roleArn: args.roleArn } : {}),
      ...(args.externalId !== undefined ? { externalId: args.externalId } : {}),
    }),
  };
}

runWhenMain(import.meta.url, "snapshot", runSnapshotCli);
