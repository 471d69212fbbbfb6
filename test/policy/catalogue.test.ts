import { describe, expect, it } from "vitest";
import { createCatalogue, emptyCatalogue, getCatalogue, primeCatalogue } from "../../src/policy/index.js";

describe("createCatalogue", () => {
  const c = createCatalogue({ services: { s3: ["GetObject", "PutObject"], ec2: [] }, rcpServices: ["s3"] });

  it("checks actions case-insensitively and returns the catalogue's spelling", () => {
    expect(c.checkAction("S3:getobject")).toMatchObject({
      status: "known",
      service: "s3",
      canonicalName: "s3:GetObject",
    });
    expect(c.checkAction("s3:GetObjekt")).toMatchObject({ status: "unknown_action", service: "s3" });
    expect(c.checkAction("nope:Thing")).toMatchObject({ status: "unknown_service" });
    expect(c.checkAction("s3:Get*")).toMatchObject({ status: "invalid" });
    expect(c.checkAction("s3")).toMatchObject({ status: "invalid" });
  });

  it("knows which services support RCPs", () => {
    expect(c.loaded).toBe(true);
    expect(c.rcpSupportsService("S3")).toBe(true);
    expect(c.rcpSupportsService("ec2")).toBe(false);
    expect(c.serviceExists("ec2")).toBe(true);
    expect(c.rcpServices()).toEqual(["s3"]);
  });
});

describe("emptyCatalogue", () => {
  it("knows nothing and says so", () => {
    const c = emptyCatalogue();
    expect(c.loaded).toBe(false);
    expect(c.rcpSupportsService("s3")).toBeUndefined();
    expect(c.serviceExists("s3")).toBeUndefined();
    expect(c.checkAction("s3:GetObject").status).toBe("not_loaded");
  });
});

describe("primeCatalogue (iam-data)", () => {
  it("loads the requested services, then everything, into the shared catalogue", async () => {
    const partial = await primeCatalogue({ services: ["s3"] });
    expect(partial).toBe(getCatalogue());
    expect(partial.checkAction("s3:PutObject")).toMatchObject({
      status: "known",
      canonicalName: "s3:PutObject",
    });

    const all = await Promise.all([primeCatalogue(), primeCatalogue()]);
    expect(all[0]).toBe(all[1]);
    const c = all[0];
    expect(c.loaded).toBe(true);
    expect(c.checkAction("ec2:RunInstances").status).toBe("known");
    expect(c.checkAction("iam:CreateRole").status).toBe("known");
    expect(c.checkAction("ec2:RunInstancez").status).toBe("unknown_action");
    expect(c.rcpSupportsService("s3")).toBe(true);
    expect(c.rcpSupportsService("sts")).toBe(true);
    expect(c.rcpSupportsService("kms")).toBe(true);
    expect(c.rcpSupportsService("ec2")).toBe(false);
    expect(c.rcpServices()).toContain("secretsmanager");
  });
});
