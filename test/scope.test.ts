/** The scope guard: only the allowed subtrees (and the path above them) are ever answered about. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { demoSnapshot } from "../src/org/demo/demo-snapshot.js";
import { OrganizationService } from "../src/org/service.js";
import { createSnapshotReader } from "../src/org/snapshot-reader.js";
import type { OrganizationReader } from "../src/org/types.js";
import { callTool, connect, startHarness } from "./helpers/harness.js";
import { answerOf, renamed } from "./helpers/scope-twins.js";

let client: Client;

beforeAll(async () => {
  // Only NonProd: Dev (app-dev, data-dev) and Test (app-test).
  const harness = await startHarness({ ORG_SOURCE: "demo", ALLOWED_OU_IDS: "ou-a1b2-nonprod0" });
  client = await connect(harness);
});
afterAll(async () => client.close());

const ACTIONS = ["s3:GetObject", "iam:CreateUser"];
const denial = (account: string, resource = "*") =>
  `User: arn:aws:sts::${account}:assumed-role/dev/s is not authorized to perform: s3:GetObject on resource: ${resource} with an explicit deny in a service control policy`;

/**
 * [tool, arguments naming an id outside the scope, the id, an id of the same kind that exists
 * nowhere]. The second call is the first with the id swapped.
 */
const OUTSIDE: [string, Record<string, unknown>, string, string][] = [
  ["get_effective_scps", { accountId: "230000000001" }, "230000000001", "239999999999"],
  // The management account: its id is public (get_server_status), its chain is not.
  ["get_effective_scps", { accountId: "111111111111" }, "111111111111", "119999999999"],
  [
    "get_effective_scps",
    { accountId: "230000000003", policyType: "RESOURCE_CONTROL_POLICY" },
    "230000000003",
    "239999999999",
  ],
  ["get_effective_scps", { ouId: "ou-a1b2-prod0000" }, "ou-a1b2-prod0000", "ou-a1b2-zzzzzzzz"],
  // Above the scope: shown as an inherited level, never asked about directly.
  ["get_effective_scps", { ouId: "ou-a1b2-workload" }, "ou-a1b2-workload", "ou-a1b2-zzzzzzzz"],
  ["get_effective_scps", { ouId: "r-a1b2" }, "r-a1b2", "r-zzzz"],
  ["get_scp_detail", { policyId: "p-protectpay1" }, "p-protectpay1", "p-nosuchpol1"],
  ["get_scp_targets", { policyId: "p-sandboxallw" }, "p-sandboxallw", "p-nosuchpol1"],
  ["lint_scp_policy", { policyId: "p-protectpay1" }, "p-protectpay1", "p-nosuchpol1"],
  ["simulate_scp_request", { accountId: "250000000001", actions: ACTIONS }, "250000000001", "259999999999"],
  [
    "simulate_scp_request",
    { accountId: "240000000001", actions: ACTIONS, resourceAccountId: "230000000001" },
    "230000000001",
    "239999999999",
  ],
  [
    "simulate_scp_request",
    {
      accountId: "240000000001",
      actions: ["sqs:SendMessage"],
      resource: "arn:aws:sqs:eu-west-1:230000000001:q",
    },
    "230000000001",
    "239999999999",
  ],
  ["analyze_error_log", { text: denial("230000000001") }, "230000000001", "239999999999"],
  [
    "analyze_error_log",
    { text: denial("240000000001", "arn:aws:sqs:eu-west-1:230000000001:q") },
    "230000000001",
    "239999999999",
  ],
  [
    "analyze_error_log",
    { text: denial("123456789012").replace("123456789012", "***"), accountId: "230000000001" },
    "230000000001",
    "239999999999",
  ],
  ["compare_scp_config", { scopeId: "ou-a1b2-prod0000" }, "ou-a1b2-prod0000", "ou-a1b2-zzzzzzzz"],
  ["compare_scp_config", { scopeId: "230000000001" }, "230000000001", "239999999999"],
  ["compare_scp_config", { policy: "p-protectpay1" }, "p-protectpay1", "p-nosuchpol1"],
];

describe("scope guard", () => {
  it.each(OUTSIDE)(
    "%s %j answers exactly as for an id that exists nowhere",
    async (tool, args, outside, nowhere) => {
      const swapped = JSON.parse(JSON.stringify(args).split(outside).join(nowhere)) as Record<
        string,
        unknown
      >;
      const a = await callTool(client, tool, args);
      const b = await callTool(client, tool, swapped);
      expect(renamed(answerOf(a.result), new Map([[outside, nowhere]]))).toBe(renamed(answerOf(b.result)));
      // Said in words useful to an honest caller: what was not found, where to look, whom to ask.
      expect(a.text).toMatch(
        /No (account|OU|root|policy)[^:]* was found (in the baseline or )?within this server's scope: it does not exist in the organization, or it is outside the allowed scope \(allowed OUs: ou-a1b2-nonprod0\)\. Check the id, or ask the platform team whether it is in scope\./,
      );
    },
  );

  it("answers inside the scope, with the inherited levels above it", async () => {
    const { data } = await callTool(client, "get_effective_scps", { accountId: "240000000001" });
    expect(data?.levels.map((l: any) => l.target.id)).toEqual([
      "r-a1b2",
      "ou-a1b2-workload",
      "ou-a1b2-nonprod0",
      "ou-a1b2-dev00000",
      "240000000001",
    ]);
  });

  it("hides attachments outside the scope and counts only accounts inside it", async () => {
    const { data } = await callTool(client, "get_scp_targets", { policyId: "p-FullAWSAccess" });
    const ids = data?.targets.map((t: any) => t.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "r-a1b2",
        "ou-a1b2-workload",
        "ou-a1b2-nonprod0",
        "ou-a1b2-dev00000",
        "240000000001",
      ]),
    );
    expect(ids).not.toContain("230000000001");
    expect(ids).not.toContain("ou-a1b2-prod0000");
    expect(data?.accountsReached).toBe(3);
    expect(data?.targets.find((t: any) => t.id === "r-a1b2")).toMatchObject({
      inScope: false,
      accountsReached: 3,
    });
    expect(data?.hiddenTargetCount).toBeGreaterThan(0);
  });

  it("lists only policies attached inside or above the scope", async () => {
    const { data } = await callTool(client, "list_scp_policies");
    const ids = data?.policies.map((p: any) => p.id);
    expect(ids).toContain("p-denyiamusr1");
    expect(ids).not.toContain("p-protectpay1");
    expect(ids).not.toContain("p-sandboxallw");
  });

  it("never returns an out-of-scope id in any answer", async () => {
    const outside = [
      "230000000001",
      "230000000002",
      "230000000003",
      "250000000001",
      "210000000001",
      "ou-a1b2-prod0000",
    ];
    for (const [tool, args] of [
      ["list_scp_policies", {}],
      ["get_scp_targets", { policyId: "p-FullAWSAccess" }],
      ["get_scp_detail", { policyId: "p-FullAWSAccess" }],
      ["get_effective_scps", { ouId: "ou-a1b2-nonprod0" }],
      ["get_server_status", {}],
    ] as const) {
      const { result } = await callTool(client, tool, args);
      const body = JSON.stringify(result);
      for (const id of outside) expect(body, `${tool} leaked ${id}`).not.toContain(id);
    }
  });
});

describe("OrganizationService's one answer", () => {
  // The demo organization, with the answers the AWS reader gives for a tag policy's id.
  const demo = createSnapshotReader(demoSnapshot());
  const reader: OrganizationReader = {
    ...demo,
    describePolicy: (id) =>
      id === "p-tagpolicy1"
        ? Promise.reject(
            new UserError("invalid_input", `Policy ${id} is a TAG_POLICY; this server reads ...`),
          )
        : demo.describePolicy(id),
    listTargetsForPolicy: (id) =>
      id === "p-tagpolicy1" ? Promise.resolve([]) : demo.listTargetsForPolicy(id),
  };
  const org = new OrganizationService(reader, ["ou-a1b2-nonprod0"]);
  const messageOf = (p: Promise<unknown>) =>
    p.then(
      () => "answered",
      (e: UserError) => `${e.code}: ${e.message}`,
    );

  it("gives a policy of another type the answer of a policy that exists nowhere", async () => {
    expect((await messageOf(org.policyWithTargets("p-tagpolicy1", false))).replace("p-tagpolicy1", "X")).toBe(
      (await messageOf(org.policyWithTargets("p-nosuchpol1", false))).replace("p-nosuchpol1", "X"),
    );
  });

  it("gives hidden and nonexistent ids the same code and words in every guarded entry point", async () => {
    const view = await org.loadOrganization("SERVICE_CONTROL_POLICY");
    for (const [outside, nowhere] of [
      ["230000000001", "239999999999"],
      ["ou-a1b2-prod0000", "ou-a1b2-zzzzzzzz"],
    ] as const) {
      for (const call of [
        (id: string) => org.assertInScope(id),
        (id: string) => org.effectiveChain(id, "SERVICE_CONTROL_POLICY"),
        (id: string) => org.chainFromView(view, id),
      ]) {
        const a = await messageOf(call(outside));
        expect(a).toMatch(/^not_found: No (account|OU) /);
        expect(a.replace(outside, nowhere)).toBe(await messageOf(call(nowhere)));
      }
    }
  });
});
