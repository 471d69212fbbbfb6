/** The activity readers the runtime configuration names; their SDK clients load on first use (activity-backends.ts). */
import type { ActivitySourceConfig } from "../config/schema.js";
import type { ActivityReaders } from "../preview/sources.js";
import { createAthenaReader } from "./athena.js";
import { createTrailReader } from "./cloudtrail-logs.js";

export function createActivityReaders(config: ActivitySourceConfig): ActivityReaders {
  const parts: string[] = [];
  if (config.trail) parts.push(`trail s3://${config.trail.bucket}/${config.trail.prefix}`);
  if (config.athena)
    parts.push(
      `Athena ${config.athena.database}.${config.athena.table} (workgroup ${config.athena.workgroup})`,
    );
  return {
    ...(config.trail ? { trail: createTrailReader(config.trail) } : {}),
    ...(config.athena ? { athena: createAthenaReader(config.athena) } : {}),
    describe: parts.join("; "),
  };
}
