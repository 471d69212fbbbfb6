/**
 * Offline validation of CloudFormation resources against their official resource provider schemas
 * (test/fixtures/cfn-schemas). Intrinsic functions are resolved with test values where possible; a value
 * that cannot be resolved is skipped on its own (never the whole resource). Also checks that no
 * read-only property is set and that names match the anchored form of their (unanchored) pattern.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS: under NodeNext its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

export interface ResourceSchema {
  typeName: string;
  properties: Record<string, unknown>;
  definitions?: Record<string, unknown>;
  readOnlyProperties?: string[];
  required?: string[];
  [key: string]: unknown;
}

export interface Issue {
  resource: string;
  type: string;
  path: string;
  message: string;
}

export interface TemplateReport {
  checked: { resource: string; type: string }[];
  skippedValues: string[];
  issues: Issue[];
}

/** Name-like properties whose schema pattern CloudFormation applies to the whole value. */
export const NAME_PROPERTIES: Record<string, string[]> = {
  "AWS::BedrockAgentCore::Runtime": ["AgentRuntimeName"],
  "AWS::BedrockAgentCore::Gateway": ["Name"],
  "AWS::BedrockAgentCore::GatewayTarget": ["Name"],
  "AWS::BedrockAgentCore::OAuth2CredentialProvider": ["Name"],
};

/** Test values for pseudo parameters and for Ref / Fn::GetAtt of AgentCore resources. */
export const TEST_VALUES = {
  pseudo: {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "example-stack",
    "AWS::StackId":
      "arn:aws:cloudformation:us-east-1:123456789012:stack/example-stack/11111111-2222-3333-4444-555555555555",
    "AWS::NoValue": undefined,
  } as Record<string, string | undefined>,
  ref: {
    "AWS::BedrockAgentCore::Runtime": "example_runtime-AbCdEf1234",
    "AWS::BedrockAgentCore::Gateway": "example-gateway-abcdefghij",
  } as Record<string, string>,
  getAtt: {
    AgentRuntimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/example_runtime-AbCdEf1234",
    AgentRuntimeId: "example_runtime-AbCdEf1234",
    AgentRuntimeVersion: "1",
    GatewayIdentifier: "example-gateway-abcdefghij",
    GatewayArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/example-gateway-abcdefghij",
    GatewayUrl: "https://example-gateway-abcdefghij.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
    TargetId: "ABCDEFGHIJ",
    CredentialProviderArn:
      "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/example",
  } as Record<string, string>,
};

export async function loadSchemas(dir: string): Promise<Map<string, ResourceSchema>> {
  const schemas = new Map<string, ResourceSchema>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".json")).sort()) {
    const schema = JSON.parse(await readFile(join(dir, file), "utf8")) as ResourceSchema;
    if (typeof schema.typeName !== "string" || !schema.properties) {
      throw new Error(`${join(dir, file)} is not a CloudFormation resource schema (no typeName/properties)`);
    }
    schemas.set(schema.typeName, schema);
  }
  return schemas;
}

const UNRESOLVED = Symbol("unresolved");
type Resolved = unknown;

interface Template {
  Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
  Parameters?: Record<string, { Default?: unknown }>;
}

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::") || keys[0] === "Condition");
}

class Resolver {
  constructor(private readonly template: Template) {}

  ref(name: string): Resolved {
    if (name in TEST_VALUES.pseudo) return TEST_VALUES.pseudo[name] ?? UNRESOLVED;
    const resource = this.template.Resources?.[name];
    if (resource?.Type && TEST_VALUES.ref[resource.Type]) return TEST_VALUES.ref[resource.Type];
    const parameter = this.template.Parameters?.[name];
    if (parameter && parameter.Default !== undefined) return parameter.Default;
    return UNRESOLVED;
  }

  getAtt(logicalId: string, attribute: string): Resolved {
    if (!this.template.Resources?.[logicalId]) return UNRESOLVED;
    return TEST_VALUES.getAtt[attribute] ?? UNRESOLVED;
  }

  resolve(value: unknown): Resolved {
    if (Array.isArray(value)) {
      const items = value.map((v) => this.resolve(v));
      return items.includes(UNRESOLVED) ? UNRESOLVED : items;
    }
    if (!isIntrinsic(value)) return value;
    const [fn, arg] = Object.entries(value)[0]!;
    switch (fn) {
      case "Ref":
        return typeof arg === "string" ? this.ref(arg) : UNRESOLVED;
      case "Fn::GetAtt": {
        const parts = typeof arg === "string" ? arg.split(".") : Array.isArray(arg) ? arg : [];
        const [id, attribute] = parts;
        return typeof id === "string" && typeof attribute === "string"
          ? this.getAtt(id, attribute)
          : UNRESOLVED;
      }
      case "Fn::Sub": {
        const [text, vars] =
          typeof arg === "string" ? [arg, {}] : Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [undefined, {}];
        if (typeof text !== "string") return UNRESOLVED;
        let failed = false;
        const out = text.replace(/\$\{(!?)([^}]+)\}/g, (whole, bang: string, name: string) => {
          if (bang) return `\${${name}}`;
          const local = (vars as Record<string, unknown>)[name];
          const resolved =
            local !== undefined
              ? this.resolve(local)
              : name.includes(".") && !name.startsWith("AWS::")
                ? this.getAtt(name.slice(0, name.indexOf(".")), name.slice(name.indexOf(".") + 1))
                : this.ref(name);
          if (resolved === UNRESOLVED || typeof resolved === "object") {
            failed = true;
            return whole;
          }
          return String(resolved);
        });
        return failed ? UNRESOLVED : out;
      }
      case "Fn::Join": {
        if (!Array.isArray(arg) || typeof arg[0] !== "string" || !Array.isArray(arg[1])) return UNRESOLVED;
        const items = arg[1].map((v: unknown) => this.resolve(v));
        return items.some((i: unknown) => i === UNRESOLVED || typeof i === "object")
          ? UNRESOLVED
          : items.join(arg[0]);
      }
      default:
        return UNRESOLVED;
    }
  }

  /** Copy of `value` with intrinsics resolved; unresolvable values are dropped and their paths recorded. */
  walk(value: unknown, path: string, skipped: string[]): unknown {
    if (isIntrinsic(value)) {
      const resolved = this.resolve(value);
      if (resolved === UNRESOLVED) {
        skipped.push(path);
        return UNRESOLVED;
      }
      return resolved;
    }
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      value.forEach((item, i) => {
        const w = this.walk(item, `${path}/${i}`, skipped);
        items.push(w === UNRESOLVED ? null : w);
      });
      return items;
    }
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const w = this.walk(item, `${path}/${key}`, skipped);
        if (w !== UNRESOLVED) out[key] = w;
      }
      return out;
    }
    return value;
  }
}

function collectFormats(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) node.forEach((n) => collectFormats(n, into));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "format" && typeof value === "string") into.add(value);
      else collectFormats(value, into);
    }
  }
}

/** Resolves a "#/definitions/X" chain to the property's own schema node. */
function propertySchema(schema: ResourceSchema, property: string): Record<string, unknown> | undefined {
  let node = schema.properties[property] as Record<string, unknown> | undefined;
  for (let i = 0; node && typeof node.$ref === "string" && i < 10; i++) {
    const name = node.$ref.replace(/^#\/definitions\//, "");
    node = schema.definitions?.[name] as Record<string, unknown> | undefined;
  }
  return node;
}

export function anchored(pattern: string): RegExp {
  const body = pattern.replace(/^\^/, "").replace(/\$$/, "");
  return new RegExp(`^(?:${body})$`);
}

export class CfnValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly schemas: Map<string, ResourceSchema>) {
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      unicodeRegExp: false,
      logger: false,
      validateSchema: false,
    });
    addFormats(this.ajv);
    const formats = new Set<string>();
    for (const schema of schemas.values()) collectFormats(schema, formats);
    // CloudFormation-only formats (AWS::IAM::Role.Arn, ...): the accompanying pattern does the checking.
    for (const format of formats) if (format.startsWith("AWS::")) this.ajv.addFormat(format, true);
  }

  private validatorFor(type: string): ValidateFunction | undefined {
    const schema = this.schemas.get(type);
    if (!schema) return undefined;
    let validate = this.compiled.get(type);
    if (!validate) {
      const rest = Object.fromEntries(
        Object.entries(schema).filter(([key]) => !["$schema", "$id", "handlers"].includes(key)),
      );
      validate = this.ajv.compile(rest);
      this.compiled.set(type, validate);
    }
    return validate;
  }

  /** Validates every resource whose type has a schema; AgentCore types without one are an issue. */
  validateTemplate(template: unknown): TemplateReport {
    const report: TemplateReport = { checked: [], skippedValues: [], issues: [] };
    const t = template as Template;
    if (!t || typeof t !== "object" || !t.Resources || typeof t.Resources !== "object") {
      report.issues.push({
        resource: "(template)",
        type: "",
        path: "/Resources",
        message: "the template has no Resources",
      });
      return report;
    }
    const resolver = new Resolver(t);
    for (const [logicalId, resource] of Object.entries(t.Resources)) {
      const type = resource?.Type ?? "";
      const schema = this.schemas.get(type);
      if (!schema) {
        if (type.startsWith("AWS::BedrockAgentCore::")) {
          report.issues.push({ resource: logicalId, type, path: "/Type", message: `no schema for ${type}` });
        }
        continue;
      }
      report.checked.push({ resource: logicalId, type });
      const properties = resource.Properties ?? {};
      const skipped: string[] = [];
      const resolved = resolver.walk(properties, "", skipped) as Record<string, unknown>;
      report.skippedValues.push(...skipped.map((p) => `${logicalId}${p}`));

      for (const pointer of schema.readOnlyProperties ?? []) {
        const name = pointer.replace(/^\/properties\//, "");
        if (!name.includes("/") && name in properties) {
          report.issues.push({
            resource: logicalId,
            type,
            path: `/${name}`,
            message: `${name} is read-only (returned by Fn::GetAtt) and must not appear in a template`,
          });
        }
      }

      const validate = this.validatorFor(type)!;
      if (!validate(resolved)) {
        for (const error of validate.errors ?? []) {
          if (isAboutSkipped(error, skipped)) continue;
          report.issues.push({
            resource: logicalId,
            type,
            path: error.instancePath || "/",
            message: describeAjvError(error),
          });
        }
      }

      for (const property of NAME_PROPERTIES[type] ?? []) {
        const value = resolved[property];
        const pattern = propertySchema(schema, property)?.pattern;
        if (typeof value === "string" && typeof pattern === "string" && !anchored(pattern).test(value)) {
          report.issues.push({
            resource: logicalId,
            type,
            path: `/${property}`,
            message: `"${value}" does not match the whole-value pattern ${anchored(pattern).source}`,
          });
        }
      }
    }
    return report;
  }
}

function isAboutSkipped(error: ErrorObject, skipped: string[]): boolean {
  const path = error.instancePath;
  if (skipped.some((s) => path === s || path.startsWith(`${s}/`))) return true;
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    return skipped.includes(`${path}/${missing}`);
  }
  return false;
}

function describeAjvError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return `unknown property "${String(params.additionalProperty)}"`;
    case "required":
      return `missing required property "${String(params.missingProperty)}"`;
    case "enum":
      return `${error.message ?? "not allowed"}: ${JSON.stringify(params.allowedValues)}`;
    default:
      return error.message ?? error.keyword;
  }
}

export function formatIssues(where: string, issues: Issue[]): string {
  return issues.map((i) => `${where}: ${i.resource} (${i.type}) ${i.path}: ${i.message}`).join("\n");
}
