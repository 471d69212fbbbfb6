import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CfnValidator, anchored, loadSchemas, type ResourceSchema } from "../../scripts/lib/cfn-validate.js";
import { findSchemaDir } from "../../scripts/lib/terraform-env.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const schemaDir = findSchemaDir(repoRoot);

const RUNTIME_ARN = "arn:aws:iam::123456789012:role/runtime";

function runtimeTemplate(properties: Record<string, unknown>): unknown {
  return {
    Resources: {
      Runtime: {
        Type: "AWS::BedrockAgentCore::Runtime",
        Properties: {
          AgentRuntimeName: "orgs_mcp",
          AgentRuntimeArtifact: {
            ContainerConfiguration: {
              ContainerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/orgs-mcp@sha256:abc",
            },
          },
          RoleArn: RUNTIME_ARN,
          NetworkConfiguration: { NetworkMode: "PUBLIC" },
          ProtocolConfiguration: "MCP",
          ...properties,
        },
      },
    },
  };
}

describe("anchored", () => {
  it("anchors a pattern once", () => {
    expect(anchored("[a-zA-Z][a-zA-Z0-9_]{0,47}").test("orgs-mcp")).toBe(false);
    expect(anchored("^([0-9a-zA-Z][-]?){1,100}$").test("orgs-mcp-gateway")).toBe(true);
  });
});

describe(`against the official schemas in ${schemaDir}`, () => {
  let validator: CfnValidator;

  beforeAll(async () => {
    validator = new CfnValidator(await loadSchemas(schemaDir));
  });

  it("accepts a well-formed Runtime", () => {
    expect(validator.validateTemplate(runtimeTemplate({})).issues).toEqual([]);
  });

  it("rejects a hyphen in the Runtime name, which the unanchored pattern alone would let through", () => {
    const issues = validator.validateTemplate(runtimeTemplate({ AgentRuntimeName: "orgs-mcp" })).issues;
    expect(issues).toEqual([
      expect.objectContaining({
        path: "/AgentRuntimeName",
        message: expect.stringMatching(/whole-value pattern/),
      }),
    ]);
  });

  it("rejects read-only and unknown properties, wrong enums and missing required ones", () => {
    const template = runtimeTemplate({
      AgentRuntimeArn: "arn:x",
      ProtocolConfiguration: "SSE",
      Colour: "blue",
    }) as {
      Resources: { Runtime: { Properties: Record<string, unknown> } };
    };
    delete template.Resources.Runtime.Properties.RoleArn;
    const messages = validator.validateTemplate(template).issues.map((i) => `${i.path} ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/AgentRuntimeArn is read-only/),
        expect.stringMatching(/unknown property "Colour"/),
        expect.stringMatching(/missing required property "RoleArn"/),
        expect.stringMatching(/\/ProtocolConfiguration must be equal to one of the allowed values/),
      ]),
    );
  });

  it("resolves Fn::Sub, Fn::GetAtt and Ref with test values, and skips only what it cannot resolve", () => {
    const report = validator.validateTemplate({
      Resources: {
        Gateway: {
          Type: "AWS::BedrockAgentCore::Gateway",
          Properties: {
            Name: "orgs-mcp-gateway",
            Description: { "Fn::Sub": "gateway of ${AWS::StackName} ${!Literal}" },
            RoleArn: { "Fn::ImportValue": "some-export" },
            AuthorizerType: "CUSTOM_JWT",
            AuthorizerConfiguration: {
              CustomJWTAuthorizer: {
                DiscoveryUrl:
                  "https://cognito-idp.us-east-1.amazonaws.com/p/.well-known/openid-configuration",
                AllowedClients: ["a"],
              },
            },
          },
        },
        Target: {
          Type: "AWS::BedrockAgentCore::GatewayTarget",
          Properties: {
            Name: "orgs",
            GatewayIdentifier: { "Fn::GetAtt": ["Gateway", "GatewayIdentifier"] },
            TargetConfiguration: {
              Mcp: {
                McpServer: {
                  Endpoint: { "Fn::Join": ["", ["https://", { Ref: "AWS::Region" }, ".example/mcp"]] },
                },
              },
            },
          },
        },
      },
    });
    expect(report.issues).toEqual([]);
    expect(report.skippedValues).toEqual(["Gateway/RoleArn"]);
    expect(report.checked.map((c) => c.type)).toEqual([
      "AWS::BedrockAgentCore::Gateway",
      "AWS::BedrockAgentCore::GatewayTarget",
    ]);
  });

  it("checks resolved intrinsic values against the schema", () => {
    const report = validator.validateTemplate({
      Resources: {
        Gateway: {
          Type: "AWS::BedrockAgentCore::Gateway",
          Properties: { Name: "g", RoleArn: RUNTIME_ARN, AuthorizerType: "NONE" },
        },
        Target: {
          Type: "AWS::BedrockAgentCore::GatewayTarget",
          Properties: {
            Name: { "Fn::Sub": "${AWS::StackName}_target" },
            GatewayIdentifier: { Ref: "Gateway" },
            TargetConfiguration: { Mcp: { McpServer: { Endpoint: "http://not-https" } } },
          },
        },
      },
    });
    const messages = report.issues.map((i) => `${i.resource}${i.path} ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Target\/Name .*whole-value pattern/),
        expect.stringMatching(/^Target\/TargetConfiguration/),
      ]),
    );
  });

  it("reports an AgentCore type it has no schema for", () => {
    const report = validator.validateTemplate({
      Resources: { M: { Type: "AWS::BedrockAgentCore::Memory", Properties: {} } },
    });
    expect(report.issues).toEqual([
      expect.objectContaining({ message: "no schema for AWS::BedrockAgentCore::Memory" }),
    ]);
  });
});

describe("with a small schema", () => {
  const schema: ResourceSchema = {
    typeName: "Test::Thing",
    additionalProperties: false,
    properties: { Name: { $ref: "#/definitions/Name" }, Id: { type: "string" } },
    definitions: { Name: { type: "string", pattern: "[a-z]+" } },
    readOnlyProperties: ["/properties/Id"],
    required: ["Name"],
  };
  const validator = new CfnValidator(new Map([["Test::Thing", schema]]));

  it("treats a template without Resources as an issue", () => {
    expect(validator.validateTemplate({}).issues).toEqual([
      expect.objectContaining({ message: "the template has no Resources" }),
    ]);
  });

  it("does not report a required property whose value was skipped", () => {
    const report = validator.validateTemplate({
      Resources: { T: { Type: "Test::Thing", Properties: { Name: { "Fn::Select": [0, ["a"]] } } } },
    });
    expect(report.issues).toEqual([]);
    expect(report.skippedValues).toEqual(["T/Name"]);
  });
});
