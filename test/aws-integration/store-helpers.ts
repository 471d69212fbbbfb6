/**
 * The snapshot store's real parts against the fakes: the stored reader with the production AWS
 * readers, S3 client (path-style, to s3rver behind the conditional-write layer) and CloudTrail
 * client, each pointed at its fake endpoint.
 */
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { createCloudTrailLookup, cloudTrailClientConfig } from "../../src/aws/cloudtrail-events.js";
import { createS3Store, s3ClientConfig } from "../../src/aws/s3-store.js";
import type { Logger } from "../../src/logging/logger.js";
import { organizationsClientConfig, type PacingOptions } from "../../src/org/aws-reader.js";
import {
  createStoredAwsReader,
  type StoredAwsReaderOptions,
} from "../../src/org/store/create-stored-reader.js";
import { parseStoreUri } from "../../src/org/store/location.js";
import type { StoreBackends, StoredReader } from "../../src/org/store/stored-reader.js";
import { FAKE_CREDENTIALS } from "../fake-aws/credentials.js";

export const BUCKET = "org-snapshots";
export const STORE_URI = `s3://${BUCKET}/orgs/`;

const destroyers: (() => void)[] = [];

export function destroyStoreClients(): void {
  for (const d of destroyers.splice(0)) d();
}

export function organizationsClient(endpoint: string): OrganizationsClient {
  const client = new OrganizationsClient({
    ...organizationsClientConfig(),
    endpoint,
    credentials: FAKE_CREDENTIALS,
  });
  destroyers.push(() => client.destroy());
  return client;
}

/** The S3 store and CloudTrail lookup the server would create, pointed at the fakes. */
export function fakeBackends(s3Endpoint: string, awsEndpoint: string, uri = STORE_URI): StoreBackends {
  const location = parseStoreUri(uri);
  if (typeof location === "string") throw new Error(location);
  const s3 = new S3Client({
    ...s3ClientConfig({ region: "us-east-1", forcePathStyle: true }),
    endpoint: s3Endpoint,
    credentials: FAKE_CREDENTIALS,
  });
  const cloudTrail = new CloudTrailClient({
    ...cloudTrailClientConfig(),
    endpoint: awsEndpoint,
    credentials: FAKE_CREDENTIALS,
  });
  destroyers.push(
    () => s3.destroy(),
    () => cloudTrail.destroy(),
  );
  return {
    store: createS3Store({ bucket: location.bucket, prefix: location.prefix, client: s3 }),
    lookup: createCloudTrailLookup({ client: cloudTrail }),
  };
}

export interface SessionOptions {
  s3: string;
  aws: string;
  logger: Logger;
  organizationId?: string;
  maxAgeSeconds?: number;
  pacing?: PacingOptions;
  now?: () => number;
  uri?: string;
  extra?: StoredAwsReaderOptions["extra"];
}

/** A new session's reader, as a fresh process would build it. */
export function storedSession(options: SessionOptions): StoredReader {
  return createStoredAwsReader({
    store: {
      uri: options.uri ?? STORE_URI,
      maxAgeSeconds: options.maxAgeSeconds ?? 900,
      ...(options.organizationId ? { organizationId: options.organizationId } : {}),
    },
    cacheTtlSeconds: 300,
    pacing: options.pacing ?? { ratePerSecond: 10_000, burst: 10_000, maxConcurrency: 16 },
    logger: options.logger,
    organizationsClients: () => organizationsClient(options.aws),
    openBackends: async () => fakeBackends(options.s3, options.aws, options.uri),
    ...(options.now ? { now: options.now } : {}),
    ...(options.extra ? { extra: options.extra } : {}),
  });
}
