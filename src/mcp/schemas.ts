/** Output shapes shared by several tools. */
import { z } from "zod";

export const policyTypeSchema = z
  .enum(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"])
  .describe("SERVICE_CONTROL_POLICY (SCP) or RESOURCE_CONTROL_POLICY (RCP)");

export const targetTypeSchema = z.enum(["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"]);

export const targetSchema = z.object({
  id: z.string(),
  type: targetTypeSchema,
  name: z.string(),
});

export const visibleTargetSchema = targetSchema.extend({
  path: z.string().describe("names from the root down, e.g. Root/Workloads/Prod"),
  inScope: z
    .boolean()
    .describe("false for a root or OU above the allowed scope (shown for inherited policies)"),
  accountsReached: z
    .number()
    .int()
    .describe("accounts inside the allowed scope that inherit this attachment"),
});

export const policySizeSchema = z.object({
  characters: z.number().int(),
  limit: z.number().int(),
  percentOfLimit: z.number(),
});
