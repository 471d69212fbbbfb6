/** The runtime configuration document: one zod schema, parsed once at start-up. */
import { z } from "zod";
import { AWS_REGION_SOURCE, ORGANIZATION_ID, awsRegionSchema, ouOrRootIdSchema } from "../model/ids.js";
import { parseStoreUri } from "../org/store/location.js";

/** The shared organization snapshot store on S3 (docs/architecture.md, "The shared snapshot store"). */
export const snapshotStoreSchema = z
  .object({
    uri: z.string().superRefine((uri, ctx) => {
      const parsed = parseStoreUri(uri);
      if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
    }),
    /** Older than this, a snapshot is still answered from at once, and refreshed in the background. */
    maxAgeSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(900),
    /** The organization's id names the object; without it, each session asks DescribeOrganization once. */
    organizationId: z
      .string()
      .regex(ORGANIZATION_ID, "expected an organization id such as o-abcdefghij")
      .optional(),
  })
  .strict();

export const organizationSourceSchema = z.discriminatedUnion("source", [
  z.object({ source: z.literal("demo") }).strict(),
  z
    .object({ source: z.literal("snapshot"), file: z.string().min(1, "the snapshot file path is empty") })
    .strict(),
  z
    .object({
      source: z.literal("aws"),
      region: awsRegionSchema.optional(),
      roleArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/,
          "expected an IAM role ARN (arn:aws:iam::123456789012:role/Name)",
        )
        .optional(),
      externalId: z.string().min(2).max(1224).optional(),
      snapshotStore: snapshotStoreSchema.optional(),
    })
    .strict(),
]);

export const baselineSourceSchema = z.discriminatedUnion("source", [
  z.object({ source: z.literal("inline"), document: z.unknown() }).strict(),
  z
    .object({
      source: z.literal("secretsmanager"),
      secretId: z.string().min(1, "the baseline secret id is empty"),
      region: awsRegionSchema.optional(),
    })
    .strict(),
  z
    .object({ source: z.literal("file"), path: z.string().min(1, "the baseline file path is empty") })
    .strict(),
]);

/** Where preview_policy_change reads recorded activity in aws mode (docs/preview.md). */
export const activitySourceSchema = z
  .object({
    trail: z
      .object({
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name"),
        /** The trail's S3 key prefix (before AWSLogs/), "" when none. */
        prefix: z.string().max(512).default(""),
        /** The organization id in the keys of an organization trail (AWSLogs/o-.../<account>/); default: the organization's. */
        organizationId: z.string().regex(ORGANIZATION_ID, "expected an organization id (o-...)").optional(),
        /** The regions whose logs are read; default: those the bucket holds for each account (one listing). */
        regions: z.array(awsRegionSchema).min(1).max(40).optional(),
        region: awsRegionSchema.optional(),
      })
      .strict()
      .optional(),
    athena: z
      .object({
        workgroup: z.string().min(1).max(128),
        database: z.string().regex(/^[A-Za-z0-9_]{1,255}$/, "letters, digits and _ only"),
        table: z.string().regex(/^[A-Za-z0-9_]{1,255}$/, "letters, digits and _ only"),
        catalog: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,255}$/)
          .default("AwsDataCatalog"),
        /** A partition column of dates (partition projection, format yyyy/MM/dd) to prune the scan. */
        dateColumn: z
          .string()
          .regex(/^[A-Za-z0-9_]{1,128}$/)
          .optional(),
        region: awsRegionSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const authSchema = z
  .object({
    enabled: z.boolean().default(false),
    userPoolId: z
      .string()
      .regex(
        new RegExp(`^${AWS_REGION_SOURCE}_[0-9a-zA-Z]+$`),
        "expected a Cognito user pool id such as us-east-1_AbCdEf123",
      )
      .optional(),
    region: awsRegionSchema.optional(),
    allowedClientIds: z.array(z.string().min(1)).default([]),
    requiredScopes: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if (!auth.enabled) return;
    if (!auth.userPoolId)
      ctx.addIssue({ code: "custom", path: ["userPoolId"], message: "required when auth is enabled" });
    if (auth.allowedClientIds.length === 0)
      ctx.addIssue({
        code: "custom",
        path: ["allowedClientIds"],
        message: "list at least one app client id when auth is enabled",
      });
  });

export const runtimeConfigSchema = z
  .object({
    organization: organizationSourceSchema.default({ source: "demo" }),
    /** Subtrees the server may inspect. Omitted: the whole organization (demo and snapshot only). */
    allowedOuIds: z.array(ouOrRootIdSchema).min(1, "list at least one OU or root id").optional(),
    baseline: baselineSourceSchema.optional(),
    activity: activitySourceSchema.optional(),
    auth: authSchema.default({ enabled: false, allowedClientIds: [], requiredScopes: [] }),
    cacheTtlSeconds: z.number().int().min(0).max(86_400).default(300),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.organization.source === "aws" && !config.allowedOuIds) {
      ctx.addIssue({
        code: "custom",
        path: ["allowedOuIds"],
        message:
          "required when organization.source is aws: list the OU ids (or the root id) this server may inspect",
      });
    }
  });

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;
export type OrganizationSource = RuntimeConfig["organization"];
export type BaselineSource = z.infer<typeof baselineSourceSchema>;
export type AuthConfig = RuntimeConfig["auth"];
export type ActivitySourceConfig = z.infer<typeof activitySourceSchema>;
export type SnapshotStoreConfig = z.infer<typeof snapshotStoreSchema>;
