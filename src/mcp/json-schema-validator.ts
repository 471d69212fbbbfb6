/**
 * The JSON Schema validator every McpServer is given. A server validates JSON Schema only for
 * elicitation, which no tool here uses (tool input and output are checked against their zod
 * schemas), but the SDK builds an Ajv instance for each Server it constructs unless given one, and
 * a server is constructed per request. So all servers share this one, which builds the SDK's
 * default validator the first time it is asked for a schema.
 */
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from "@modelcontextprotocol/sdk/validation/types.js";

class OnDemandValidator implements jsonSchemaValidator {
  private ajv: AjvJsonSchemaValidator | undefined;

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    this.ajv ??= new AjvJsonSchemaValidator();
    return this.ajv.getValidator<T>(schema);
  }
}

export const sharedJsonSchemaValidator: jsonSchemaValidator = new OnDemandValidator();
