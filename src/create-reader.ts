/** Start-up: opens the organization source the runtime configuration names. */
import { ConfigError } from "./errors.js";
import type { Env } from "./config/env.js";
import type { RuntimeConfig } from "./config/schema.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { createAwsReader } from "./org/aws-reader.js";
import { demoSnapshot } from "./org/demo/demo-snapshot.js";
import { createSnapshotReader, loadSnapshotFile } from "./org/snapshot-reader.js";
import type { Snapshot } from "./org/snapshot-schema.js";
import type { OrganizationReader } from "./org/types.js";

export interface CreateReaderDeps {
  /** Where the snapshot store logs what it refuses and what fails. */
  logger?: Logger;
}

/** `env` supplies the process-level pacing settings (ORG_API_*); read only for the aws source. */
export async function createReader(
  config: RuntimeConfig,
  env: Env,
  deps: CreateReaderDeps = {},
): Promise<OrganizationReader> {
  const source = config.organization;
  switch (source.source) {
    case "demo":
      return checkScope(createSnapshotReader(demoSnapshot(), "demo"), demoSnapshot(), config.allowedOuIds);
    case "snapshot": {
      const snapshot = await loadSnapshotFile(source.file);
      return checkScope(createSnapshotReader(snapshot, "snapshot"), snapshot, config.allowedOuIds);
    }
    case "aws": {
      const { ORG_API_RATE_PER_SECOND, ORG_API_BURST, ORG_API_MAX_CONCURRENCY } = env;
      const pacing = {
        ...(ORG_API_RATE_PER_SECOND !== undefined ? { ratePerSecond: ORG_API_RATE_PER_SECOND } : {}),
        ...(ORG_API_BURST !== undefined ? { burst: ORG_API_BURST } : {}),
        ...(ORG_API_MAX_CONCURRENCY !== undefined ? { maxConcurrency: ORG_API_MAX_CONCURRENCY } : {}),
      };
      const client = {
        ...(source.region ? { region: source.region } : {}),
        ...(source.roleArn ? { roleArn: source.roleArn } : {}),
        ...(source.externalId ? { externalId: source.externalId } : {}),
      };
      if (source.snapshotStore) {
        // Loaded only with a store: its code, and on first use the S3 and CloudTrail clients.
        const { createStoredAwsReader } = await import("./org/store/create-stored-reader.js");
        const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
        return createStoredAwsReader({
          ...client,
          store: source.snapshotStore,
          cacheTtlSeconds: config.cacheTtlSeconds,
          pacing,
          logger: deps.logger ?? createLogger(config.logLevel),
          ...(region ? { s3Region: region } : {}),
          s3PathStyle: env.AWS_ENDPOINT_URL_S3 !== undefined,
        });
      }
      // No organization reads at start-up: the first tool call reads what it needs.
      return createAwsReader({ cacheTtlSeconds: config.cacheTtlSeconds, pacing, ...client });
    }
  }
}

/** With the whole organization in memory, an allowed id that does not exist is a configuration error. */
function checkScope(
  reader: OrganizationReader,
  snapshot: Snapshot,
  allowed: readonly string[] | undefined,
): OrganizationReader {
  const known = new Set([
    ...snapshot.roots.map((r) => r.id),
    ...snapshot.organizationalUnits.map((o) => o.id),
  ]);
  const unknown = (allowed ?? []).filter((id) => !known.has(id));
  if (unknown.length) {
    throw new ConfigError(
      `Invalid runtime configuration: allowedOuIds: ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not a root or OU of organization ${snapshot.organization.id}.`,
    );
  }
  return reader;
}
