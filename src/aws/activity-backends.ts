/**
 * The AWS clients of preview_policy_change's activity readers (S3 for the trail's log files, Athena
 * for the aggregation), in one module the build bundles apart (dist/activity-backends.cjs), as it
 * does the snapshot store's: a server that reads no recorded activity never reads, compiles or loads
 * their code, and one that does loads it on the first call that needs it (scripts/build.mjs). Only
 * SDK classes cross this line: the readers themselves, and the UserErrors they throw, stay in the
 * server's bundle, where `instanceof UserError` must hold.
 */
export { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
export {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
