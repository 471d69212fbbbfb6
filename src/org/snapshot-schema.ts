/**
 * The snapshot file format (formatVersion 1): a whole organization captured at one time,
 * so audits can run offline and be shared. Extra fields are allowed and ignored.
 * docs/snapshot.schema.json is generated from this schema (npm run docs:schemas).
 */
import { z } from "zod";
import { ACCOUNT_ID, ORGANIZATION_ID, OU_ID, POLICY_ID, ROOT_ID } from "../model/ids.js";

const parentId = z
  .string()
  .refine((v) => ROOT_ID.test(v) || OU_ID.test(v), "parentId must be a root id (r-...) or an OU id (ou-...)");

export const snapshotSchema = z
  .looseObject({
    formatVersion: z.literal(1),
    capturedAt: z.iso.datetime({ offset: true }),
    organization: z.looseObject({
      id: z.string().regex(ORGANIZATION_ID, "organization id looks like o-abcdefghij"),
      managementAccountId: z.string().regex(ACCOUNT_ID, "12-digit account id"),
      arn: z.string().optional(),
      featureSet: z.string().optional(),
    }),
    roots: z
      .array(
        z.looseObject({
          id: z.string().regex(ROOT_ID, "root id looks like r-ab12"),
          name: z.string(),
          arn: z.string().optional(),
          policyTypes: z.array(z.looseObject({ type: z.string(), status: z.string() })).default([]),
        }),
      )
      .min(1, "a snapshot has at least one root"),
    organizationalUnits: z
      .array(
        z.looseObject({
          id: z.string().regex(OU_ID, "OU id looks like ou-ab12-11111111"),
          name: z.string(),
          parentId,
          arn: z.string().optional(),
        }),
      )
      .default([]),
    accounts: z.array(
      z.looseObject({
        id: z.string().regex(ACCOUNT_ID, "12-digit account id"),
        name: z.string(),
        email: z.string().optional(),
        status: z.string().default("ACTIVE"),
        parentId,
        arn: z.string().optional(),
      }),
    ),
    policies: z
      .array(
        z.looseObject({
          id: z.string().regex(POLICY_ID, "policy id looks like p-abcd1234"),
          name: z.string(),
          type: z.enum(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]),
          awsManaged: z.boolean().default(false),
          description: z.string().default(""),
          arn: z.string().optional(),
          content: z
            .string()
            .describe("the policy document as a JSON string, exactly as Organizations stores it"),
          targetIds: z.array(z.string()).default([]),
        }),
      )
      .default([]),
  })
  .describe("AWS Organizations snapshot for aws-organizations-mcp-server");

export type Snapshot = z.infer<typeof snapshotSchema>;
