/** JSON Schema renderings of the documents users write, kept in docs/ (npm run docs:schemas). */
import { z } from "zod";
import { runtimeConfigSchema } from "./config/schema.js";
import { snapshotSchema } from "./org/snapshot-schema.js";
import { baselineDocumentSchema } from "./policy/baseline-schema.js";

export function renderSchemas(): Record<string, string> {
  const render = (schema: z.ZodType, id: string): string =>
    JSON.stringify({ $id: id, ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) }, null, 2) +
    "\n";
  return {
    "docs/snapshot.schema.json": render(
      snapshotSchema,
      "https://aws-organizations-mcp-server/snapshot.schema.json",
    ),
    "docs/runtime-config.schema.json": render(
      runtimeConfigSchema,
      "https://aws-organizations-mcp-server/runtime-config.schema.json",
    ),
    "docs/baseline.schema.json": render(
      baselineDocumentSchema,
      "https://aws-organizations-mcp-server/baseline.schema.json",
    ),
  };
}
