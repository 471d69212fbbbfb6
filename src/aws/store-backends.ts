/**
 * The snapshot store's AWS clients (S3, CloudTrail), in one module: the build bundles it apart
 * (dist/store-backends.cjs), so a server without a store never reads, compiles or loads their code,
 * and one with a store loads it when the store is first used (scripts/build.mjs).
 */
export { createS3Store, s3ClientConfig, type S3StoreOptions } from "./s3-store.js";
export {
  cloudTrailClientConfig,
  createCloudTrailLookup,
  type CloudTrailLookupOptions,
} from "./cloudtrail-events.js";
