/**
 * The reader of an `aws` source with `snapshotStore`: two AWS readers sharing one pacer (tool
 * questions, and the store's refreshes, whose cache is dropped before each run), and the S3 and
 * CloudTrail clients, which are loaded only when the store is first used.
 */
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { SnapshotStoreConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/logger.js";
import {
  DEFAULT_BURST,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_RATE_PER_SECOND,
  createAwsReader,
  type OrganizationsClientOptions,
  type PacingOptions,
} from "../aws-reader.js";
import { Pacer } from "../pacer.js";
import { parseStoreUri } from "./location.js";
import {
  createStoredReader,
  type StoreBackends,
  type StoredReader,
  type StoredReaderOptions,
} from "./stored-reader.js";

export interface StoredAwsReaderOptions extends OrganizationsClientOptions {
  store: SnapshotStoreConfig;
  cacheTtlSeconds: number;
  pacing: PacingOptions;
  logger: Logger;
  /** The process's region, for the S3 client (the bucket's region is followed if it differs). */
  s3Region?: string;
  /** A custom S3 endpoint is set (AWS_ENDPOINT_URL_S3): address buckets by path. */
  s3PathStyle?: boolean;
  /** Tests and benchmarks: ready clients and a clock. */
  organizationsClients?: () => OrganizationsClient;
  openBackends?: () => Promise<StoreBackends>;
  now?: () => number;
  extra?: Partial<
    Pick<
      StoredReaderOptions,
      "holder" | "leaseSeconds" | "pollSeconds" | "retrySeconds" | "fullReadIntervalMs"
    >
  >;
}

export function createStoredAwsReader(options: StoredAwsReaderOptions): StoredReader {
  const location = parseStoreUri(options.store.uri);
  if (typeof location === "string") throw new Error(`organization.snapshotStore.uri: ${location}`);
  const ratePerSecond = options.pacing.ratePerSecond ?? DEFAULT_RATE_PER_SECOND;
  // Organizations throttles per account: the store's refreshes and tool questions share one budget.
  const pacer = new Pacer({
    ratePerSecond,
    burst: options.pacing.burst ?? DEFAULT_BURST,
    maxConcurrency: options.pacing.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
  });
  const clientOptions: OrganizationsClientOptions = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.roleArn ? { roleArn: options.roleArn } : {}),
    ...(options.externalId ? { externalId: options.externalId } : {}),
  };
  const reader = (cacheTtlSeconds: number) =>
    createAwsReader({
      ...clientOptions,
      cacheTtlSeconds,
      pacer,
      ...(options.organizationsClients ? { client: options.organizationsClients() } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  const openBackends =
    options.openBackends ??
    (async (): Promise<StoreBackends> => {
      const { createS3Store, createCloudTrailLookup } = await import("../../aws/store-backends.js");
      return {
        store: createS3Store({
          bucket: location.bucket,
          prefix: location.prefix,
          ...(options.s3Region ? { region: options.s3Region } : {}),
          forcePathStyle: options.s3PathStyle ?? false,
        }),
        // Organizations records its events where its API is served, with the same identity.
        lookup: createCloudTrailLookup(clientOptions),
      };
    });
  return createStoredReader({
    live: reader(options.cacheTtlSeconds),
    // One run reads each thing once; the cache is dropped before every run.
    refreshReader: reader(3600),
    openBackends,
    location,
    ...(options.store.organizationId ? { organizationId: options.store.organizationId } : {}),
    maxAgeSeconds: options.store.maxAgeSeconds,
    organizationsRatePerSecond: ratePerSecond,
    logger: options.logger,
    ...(options.now ? { now: options.now } : {}),
    ...options.extra,
  });
}
