/** Output shapes shared by several tools. */
import { z } from "zod";

/**
 * A whole number, 0 or more, advertised as {"type": "integer"}: zod writes the safe-integer bounds
 * out in full at every use (about 60 characters each, in every tools/list). zod still checks both.
 */
export const count = z.int().min(0).meta({ minimum: undefined, maximum: undefined });

export const policyTypeSchema = z.enum(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]);

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
  characters: count,
  limit: count,
  percentOfLimit: z.number(),
});
