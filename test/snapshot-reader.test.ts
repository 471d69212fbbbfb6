/** Snapshot files: validation with errors that point at the offending path, and the published JSON Schema. */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { demoSnapshot } from "../src/org/demo/demo-snapshot.js";
import { createSnapshotReader, parseSnapshot } from "../src/org/snapshot-reader.js";
import { renderSchemas } from "../src/schemas-json.js";

const demo = JSON.parse(readFileSync("src/org/demo/demo-organization.json", "utf8"));
const clone = () => structuredClone(demo);

describe("parseSnapshot", () => {
  it("accepts the demo and extra fields", () => {
    const withExtra = { ...clone(), exportedBy: "someone" };
    expect(parseSnapshot(withExtra, "(test)").accounts.length).toBe(14);
  });

  it.each([
    [(d: any) => (d.formatVersion = 2), /formatVersion/],
    [(d: any) => (d.accounts[3].id = "12345"), /accounts\.3\.id: 12-digit account id/],
    [
      (d: any) => (d.accounts[3].parentId = "ou-a1b2-zzzzzzzz"),
      /accounts\.3\.parentId: ou-a1b2-zzzzzzzz does not exist/,
    ],
    [
      (d: any) => d.policies[0].targetIds.push("999999999999"),
      /policies\.0\.targetIds\.\d+: 999999999999 is not a root/,
    ],
    [
      (d: any) => (d.organization.managementAccountId = "999999999999"),
      /managementAccountId: 999999999999 is not among/,
    ],
    [(d: any) => d.accounts.push({ ...d.accounts[1] }), /duplicate id/],
    [(d: any) => (d.organizationalUnits[0].parentId = d.organizationalUnits[0].id), /parent cycle/],
    [(d: any) => (d.policies[0].type = "TAG_POLICY"), /policies\.0\.type/],
  ])("reports the problem at its path (%#)", (mutate, message) => {
    const doc = clone();
    mutate(doc);
    expect(() => parseSnapshot(doc, "file org.json")).toThrow(message);
  });
});

describe("snapshot reader", () => {
  it("answers the Organizations read operations from memory and counts them", async () => {
    const reader = createSnapshotReader(demoSnapshot(), "demo");
    expect(await reader.getParent("230000000003")).toEqual({
      id: "ou-a1b2-payments",
      type: "ORGANIZATIONAL_UNIT",
    });
    expect((await reader.listChildren("ou-a1b2-prod0000", "ACCOUNT")).map((c) => c.id)).toEqual([
      "230000000001",
      "230000000002",
    ]);
    const forProd = await reader.listPoliciesForTarget("ou-a1b2-prod0000", "SERVICE_CONTROL_POLICY");
    expect(forProd).toHaveLength(5);
    await expect(reader.describePolicy("p-zzzzzzzzzz")).rejects.toThrow(/No policy with id p-zzzzzzzzzz/);
    expect(reader.stats().apiCalls).toMatchObject({
      ListParents: 1,
      ListChildren: 1,
      ListPoliciesForTarget: 1,
    });
  });

  it("answers frozen, like the AWS reader, so code that changes an answer fails in every test", async () => {
    const reader = createSnapshotReader(demoSnapshot(), "demo");
    const children = await reader.listChildren("ou-a1b2-prod0000", "ACCOUNT");
    expect(() => children.pop()).toThrow(TypeError);
    const policy = await reader.describePolicy(
      (await reader.listPolicies("SERVICE_CONTROL_POLICY"))[0]?.id ?? "missing",
    );
    expect(Object.isFrozen(policy)).toBe(true);
    expect(await reader.listChildren("ou-a1b2-prod0000", "ACCOUNT")).toHaveLength(2);
    // Built once and shared: every method hands out the same frozen answer again.
    expect(await reader.describePolicy(policy.id)).toBe(policy);
    const org = await reader.describeOrganization();
    expect(Object.isFrozen(org)).toBe(true);
    expect(await reader.describeOrganization()).toBe(org);
    const account = await reader.describeAccount("230000000003");
    expect(() => Object.assign(account, { name: "changed" })).toThrow(TypeError);
    expect(await reader.describeAccount("230000000003")).toBe(account);
  });
});

describe("published JSON Schemas", () => {
  it("docs/ holds the schemas generated from the code (run npm run docs:schemas)", () => {
    for (const [file, text] of Object.entries(renderSchemas())) {
      expect(readFileSync(file, "utf8"), file).toBe(text);
    }
  });

  it("the demo validates against docs/snapshot.schema.json", () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync("docs/snapshot.schema.json", "utf8")));
    expect(validate(demo), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...demo, accounts: [{ id: "1", name: "x", parentId: "r-a1b2" }] })).toBe(false);
  });
});
