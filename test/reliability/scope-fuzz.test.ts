/**
 * The scope guard under generated input: account, OU, root and policy ids on both sides of the
 * allowed-OU boundary (and ids that exist nowhere), through every tool. An id outside the allowed
 * subtrees is refused; no answer names an account, OU or policy that is neither inside the scope
 * nor on the path above it, by id, name or email; and every call naming one is made again with
 * each such id swapped for an id that exists nowhere: the two answers are the same, word for word
 * (text, isError and structured content), so no answer tells "outside" from "nonexistent".
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshot } from "../../src/org/demo/demo-snapshot.js";
import { callTool, connect, startHarness } from "../helpers/harness.js";
import { answerOf, renamed } from "../helpers/scope-twins.js";
import { report, size } from "./helpers.js";

const snapshot = demoSnapshot();
const parentOf = new Map<string, string>([
  ...snapshot.organizationalUnits.map((o) => [o.id, o.parentId] as const),
  ...snapshot.accounts.map((a) => [a.id, a.parentId] as const),
]);
const lineage = (id: string): string[] => {
  const out = [id];
  for (let p = parentOf.get(id); p; p = parentOf.get(p)) out.push(p);
  return out;
};
const allTargets = [
  ...snapshot.roots.map((r) => r.id),
  ...snapshot.organizationalUnits.map((o) => o.id),
  ...snapshot.accounts.map((a) => a.id),
];
const allText = snapshot.policies.map((p) => `${p.name} ${p.description} ${p.content}`).join("\n");

interface Scope {
  allowed: string[];
  /** Inside an allowed subtree: may be asked about. */
  inside: Set<string>;
  /** Above the scope: shown as inherited levels only. */
  above: Set<string>;
  /** Neither: must never appear in an answer (unless the caller named it). */
  hidden: Set<string>;
  hiddenPolicies: Set<string>;
  /** Names and emails of hidden accounts and OUs that no policy text happens to contain. */
  hiddenWords: Set<string>;
  /** Each hidden account, OU and policy id, and an id of the same kind that exists nowhere. */
  twins: Map<string, string>;
}

function scopeOf(allowed: string[]): Scope {
  const inside = new Set(allTargets.filter((t) => lineage(t).some((l) => allowed.includes(l))));
  const above = new Set(allowed.flatMap((a) => lineage(a).slice(1)).filter((t) => !inside.has(t)));
  // The management account's id is organization metadata that get_server_status reports by design
  // (docs/security.md); its name and everything about it stay hidden.
  const management = snapshot.organization.managementAccountId;
  const hidden = new Set(allTargets.filter((t) => !inside.has(t) && !above.has(t) && t !== management));
  const hiddenPolicies = new Set(
    snapshot.policies.filter((p) => p.targetIds.every((t) => hidden.has(t))).map((p) => p.id),
  );
  const hiddenWords = new Set(
    [
      ...snapshot.accounts.filter((a) => hidden.has(a.id)).flatMap((a) => [a.name, a.email ?? ""]),
      ...snapshot.organizationalUnits.filter((o) => hidden.has(o.id)).map((o) => o.name),
    ].filter(
      (w) =>
        w.length >= 4 && !allText.includes(w) && ![...inside, ...above].some((t) => nameOf(t).includes(w)),
    ),
  );
  // For each hidden id, one of the same kind that exists nowhere (and that no generator produces).
  const twins = new Map<string, string>(
    [...hidden, ...hiddenPolicies].map((id, i) => {
      const n = String(i).padStart(4, "0");
      const twin = id.startsWith("p-")
        ? `p-zzzz${n}`
        : id.startsWith("ou-")
          ? `ou-a1b2-zzzz${n}`
          : `09876543${n}`;
      return [id, twin];
    }),
  );
  return { allowed, inside, above, hidden, hiddenPolicies, hiddenWords, twins };
}

function nameOf(id: string): string {
  return (
    snapshot.accounts.find((a) => a.id === id)?.name ??
    snapshot.organizationalUnits.find((o) => o.id === id)?.name ??
    snapshot.roots.find((r) => r.id === id)?.name ??
    id
  );
}

const ACCOUNT_LIKE = fc.oneof(
  fc.constantFrom(...snapshot.accounts.map((a) => a.id)),
  fc.stringMatching(/^[0-9]{12}$/),
  // Neighbours of real ids: one digit off.
  fc
    .tuple(fc.constantFrom(...snapshot.accounts.map((a) => a.id)), fc.nat(11), fc.nat(9))
    .map(([id, i, d]) => id.slice(0, i) + String(d) + id.slice(i + 1)),
);
const OU_LIKE = fc.oneof(
  fc.constantFrom(...snapshot.organizationalUnits.map((o) => o.id), ...snapshot.roots.map((r) => r.id)),
  fc.stringMatching(/^ou-a1b2-[a-z0-9]{8}$/),
  fc.stringMatching(/^r-[a-z0-9]{4}$/),
);
const POLICY = fc.oneof(
  fc.constantFrom(...snapshot.policies.map((p) => p.id)),
  fc.stringMatching(/^p-[a-z0-9]{8}$/),
);
const TYPE = fc.constantFrom("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY");

type Call = { tool: string; args: Record<string, unknown>; subject?: string; policy?: string };
const calls: fc.Arbitrary<Call> = fc.oneof(
  fc.tuple(ACCOUNT_LIKE, TYPE).map(([id, policyType]) => ({
    tool: "get_effective_scps",
    args: { accountId: id, policyType },
    subject: id,
  })),
  fc
    .tuple(OU_LIKE, TYPE)
    .map(([id, policyType]) => ({ tool: "get_effective_scps", args: { ouId: id, policyType }, subject: id })),
  fc.tuple(ACCOUNT_LIKE, ACCOUNT_LIKE, fc.boolean()).map(([id, owner, inArn]) => ({
    tool: "simulate_scp_request",
    args: {
      accountId: id,
      actions: ["s3:GetObject", "iam:CreateUser"],
      // The resource's owner given outright, or as the account of its ARN.
      ...(inArn
        ? { resource: `arn:aws:sqs:eu-west-1:${owner}:q` }
        : { resource: `arn:aws:s3:::b/k`, resourceAccountId: owner }),
    },
    subject: id,
  })),
  fc
    .tuple(fc.constantFrom("get_scp_detail", "get_scp_targets", "lint_scp_policy"), POLICY)
    .map(([tool, id]) => ({
      tool,
      args: { policyId: id },
      policy: id,
    })),
  TYPE.map((policyType) => ({ tool: "list_scp_policies", args: { policyType } })),
  fc
    .oneof(ACCOUNT_LIKE, OU_LIKE)
    .map((id) => ({ tool: "compare_scp_config", args: { scopeId: id }, subject: id })),
  POLICY.map((id) => ({ tool: "compare_scp_config", args: { policy: id } })),
  fc.tuple(ACCOUNT_LIKE, fc.boolean(), fc.option(ACCOUNT_LIKE)).map(([id, hint, owner]) => ({
    tool: "analyze_error_log",
    args: {
      text: `User: arn:aws:sts::${id}:assumed-role/dev/s is not authorized to perform: sqs:SendMessage on resource: ${owner ? `arn:aws:sqs:eu-west-1:${owner}:q` : "*"} with an explicit deny in a service control policy`,
      ...(hint ? { accountId: id } : {}),
    },
  })),
  fc.constant({ tool: "get_server_status", args: {} }),
);

describe.each([[["ou-a1b2-nonprod0"]], [["ou-a1b2-payments", "ou-a1b2-security0"]]])(
  "scope %j under generated ids",
  (allowed) => {
    const scope = scopeOf(allowed);
    let client: Client;
    beforeAll(async () => {
      const harness = await startHarness({ ORG_SOURCE: "demo", ALLOWED_OU_IDS: allowed.join(",") });
      client = await connect(harness);
    });
    afterAll(async () => client?.close());

    it("refuses every id outside the scope and never answers about one", async () => {
      expect(scope.hidden.size).toBeGreaterThan(3);
      expect(scope.hiddenWords.size).toBeGreaterThan(2);
      const tally = { calls: 0, refused: 0, answered: 0, outsideAsked: 0, twinsCompared: 0 };
      await fc.assert(
        fc.asyncProperty(calls, async (c) => {
          tally.calls++;
          const { result, text } = await callTool(client, c.tool, c.args);
          const body = JSON.stringify(result);
          const asked = JSON.stringify(c.args);
          if (result.isError) tally.refused++;
          else tally.answered++;

          // An id outside the allowed subtrees (or nowhere) gets no answer about it.
          if (c.subject !== undefined && !scope.inside.has(c.subject)) {
            tally.outsideAsked++;
            expect(result.isError, `${c.tool} ${asked} answered: ${text.slice(0, 200)}`).toBe(true);
            expect(text).toMatch(/outside the allowed scope|not found|exist|can.t find|no such|unknown/i);
          }
          if (c.policy !== undefined && scope.hiddenPolicies.has(c.policy)) {
            expect(result.isError, `${c.tool} ${asked} answered`).toBe(true);
          }
          // Nothing hidden appears anywhere in the answer, except what the caller itself wrote.
          for (const id of [...scope.hidden, ...scope.hiddenPolicies]) {
            if (!asked.includes(id)) expect(body, `${c.tool} ${asked} leaked ${id}`).not.toContain(id);
          }
          for (const word of scope.hiddenWords) {
            if (!asked.includes(word))
              expect(body, `${c.tool} ${asked} leaked "${word}"`).not.toContain(word);
          }
          // The same call with every hidden id swapped for one that exists nowhere: the same answer.
          const swaps = new Map([...scope.twins].filter(([id]) => asked.includes(id)));
          if (swaps.size > 0) {
            tally.twinsCompared++;
            const twin = await callTool(client, c.tool, JSON.parse(renamed(c.args, swaps)));
            expect(renamed(answerOf(result), swaps), `${c.tool} ${asked}`).toBe(
              renamed(answerOf(twin.result)),
            );
          }
        }),
        { numRuns: size(3_000, 150), seed: 17 },
      );
      report(`scope ${allowed.join(",")}`, tally);
      expect(tally.refused).toBeGreaterThan(0);
      expect(tally.answered).toBeGreaterThan(0);
      expect(tally.twinsCompared).toBeGreaterThan(10);
    }, 600_000);
  },
);
