/** How many pages of events a refresh by change may read before a whole read is the cheaper way. */
import { describe, expect, it } from "vitest";
import { estimateFullReadCalls, pageBudget } from "../../src/org/store/refresher.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { OrgIndex, organizationLowerBound } from "../fake-aws/org-index.js";

const l = generateOrganization("L", 2);

describe("the page budget of a refresh by change", () => {
  it("estimates a whole read as the capture reads it: the tree, both policy types, every document and target", () => {
    const index = new OrgIndex(l);
    const scp = organizationLowerBound(index, "SERVICE_CONTROL_POLICY");
    const rcp = organizationLowerBound(index, "RESOURCE_CONTROL_POLICY");
    // The tree once, each type's policies per policy, plus DescribeOrganization and ListRoots.
    expect(estimateFullReadCalls(l)).toBe(scp.total + rcp.total - scp.tree + 2);
  });

  it("is half a whole read's time at the Organizations rate, in LookupEvents pages (2 a second)", () => {
    const calls = estimateFullReadCalls(l);
    expect(pageBudget(l, 8)).toBe(Math.floor((calls / 8 / 2) * 2));
  });

  it("always admits the read events of a whole read, however fast Organizations is paced", () => {
    // A whole read leaves one read event per call in the history: at 50 a page, the next refresh
    // must be able to read past them, or it would read whole again, and again.
    const calls = estimateFullReadCalls(l);
    expect(pageBudget(l, 10_000)).toBeGreaterThanOrEqual(Math.ceil(calls / 50));
    expect(pageBudget(generateOrganization("S", 1), 10_000)).toBe(20);
  });
});
