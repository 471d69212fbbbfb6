/**
 * The direct path checks each answer against a schema that writes repeated parts once
 * (checkedOutputSchema), not against the one tools/list advertises (advertisedOutputSchema): Ajv
 * compiles it several times faster. Both must judge every answer alike. Each tool's real answers
 * over the demo organization, and every answer one change away from them (a member removed, a
 * member added, a value of another type, an array item of another type), get the same verdict from
 * both.
 */
import { describe, expect, it } from "vitest";
import { advertisedOutputSchema, checkedOutputSchema } from "../src/mcp/define-tool.js";
import { jsonSchemaValidator } from "../src/mcp/json-schema-validator.js";
import { TOOLS } from "../src/mcp/tools/index.js";
import { callTool, connect, startHarness } from "./helpers/harness.js";
import { DEMO_TOOL_CALLS } from "./helpers/mcp-cases.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Calls whose answers are the samples: every tool, and other targets and inputs of some. */
const SAMPLES: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ...DEMO_TOOL_CALLS,
  ["get_effective_scps", { ouId: "ou-a1b2-dev00000" }],
  ["get_effective_scps", { accountId: "230000000001", policyType: "RESOURCE_CONTROL_POLICY" }],
  ["list_scp_policies", { policyType: "RESOURCE_CONTROL_POLICY" }],
  [
    "simulate_scp_request",
    {
      accountId: "230000000001",
      actions: ["ec2:RunInstances", "s3:GetObject"],
      region: "us-east-1",
      principalArn: "arn:aws:iam::230000000001:role/app-deployer",
      context: { "aws:RequestTag/CostCenter": "cc-1" },
    },
  ],
];

/** Every value one change away from `value`. */
function* neighbours(value: Json): Generator<Json> {
  const others: Json[] = [null, 0, 1.5, "x", true, [], {}];
  for (const other of others) if (JSON.stringify(other) !== JSON.stringify(value)) yield other;
  if (Array.isArray(value)) {
    for (const extra of others) yield [...value, extra];
    for (let i = 0; i < value.length; i++)
      for (const changed of neighbours(value[i]!)) yield value.map((v, j) => (j === i ? changed : v));
  } else if (value !== null && typeof value === "object") {
    yield { ...value, unexpectedMember: 1 };
    for (const key of Object.keys(value)) {
      const { [key]: _removed, ...without } = value;
      yield without;
      for (const changed of neighbours(value[key]!)) yield { ...value, [key]: changed };
    }
  }
}

describe("the direct path's output check", () => {
  it("judges each tool's answers, and every answer one change away, as the advertised schema does", async () => {
    const client = await connect(await startHarness());
    const answers = new Map<string, Json[]>();
    for (const [name, args] of SAMPLES) {
      const { result, data } = await callTool(client, name, args);
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBeFalsy();
      answers.set(name, [...(answers.get(name) ?? []), data as Json]);
    }
    // Every tool has samples, so a tool added later cannot go unchecked.
    expect([...answers.keys()].sort()).toEqual(TOOLS.map((t) => t.name).sort());

    const validator = jsonSchemaValidator();
    let compared = 0;
    for (const tool of TOOLS) {
      const advertised = validator.getValidator(advertisedOutputSchema(tool.output) as never);
      const checked = validator.getValidator(checkedOutputSchema(tool.output) as never);
      for (const answer of answers.get(tool.name) ?? []) {
        expect(checked(answer).valid, tool.name).toBe(true);
        for (const near of neighbours(answer)) {
          const verdict = checked(near).valid;
          if (verdict !== advertised(near).valid)
            expect.fail(
              `${tool.name}: the two schemas disagree (${verdict}) on ${JSON.stringify(near).slice(0, 400)}`,
            );
          compared++;
        }
      }
    }
    // Enough to mean something: thousands of answers, most of them invalid.
    expect(compared).toBeGreaterThan(5000);
  }, 120_000);
});
