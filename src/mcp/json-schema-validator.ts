/** The one Ajv-backed JSON Schema validator: McpServers share it, and the direct path uses it. */
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";

// Building an Ajv instance is the costliest part of a new McpServer; one instance serves all.
let validator: AjvJsonSchemaValidator | undefined;

export function jsonSchemaValidator(): AjvJsonSchemaValidator {
  validator ??= new AjvJsonSchemaValidator();
  return validator;
}
