/**
 * Simulates requests against the organization: the SCP chain of the calling account and the RCP
 * chain of the account that owns the resource, through the pure engine.
 */
import { invalidInput } from "../errors.js";
import {
  count,
  MAX_CONTEXT_CHARS,
  MAX_CONTEXT_KEYS,
  MAX_CONTEXT_VALUE_CHARS,
  MAX_CONTEXT_VALUES,
  MAX_SIMULATED_ACTIONS,
} from "../policy/limits.js";
import { accountOfArn } from "../model/ids.js";
import type { OrganizationService } from "../org/service.js";
import type { EffectiveChain } from "../model/chain.js";
import { primeCatalogue } from "../policy/catalogue.js";
import {
  combineDecisions,
  evaluate,
  type Decision,
  type EvaluationRequest,
  type EvaluationResult,
} from "../policy/evaluate.js";
import type { ContextValue } from "../policy/request-context.js";
import type { CallBudget } from "./budget.js";

export interface SimulationRequest {
  accountId: string;
  actions: readonly string[];
  resource?: string;
  principalArn?: string;
  region?: string;
  context?: Readonly<Record<string, ContextValue>>;
  includeRcps: boolean;
  /** The account that owns the resource; read from the resource ARN when it carries one. */
  resourceAccountId?: string;
  /** The call's time budget: actions not reached within it are listed in `notEvaluated`. */
  budget?: CallBudget;
}

export interface ActionSimulation {
  action: string;
  /** The request as the engine saw it, to re-evaluate against a changed chain. */
  request: EvaluationRequest;
  decision: Decision;
  scp: EvaluationResult;
  rcp: EvaluationResult | null;
  /** Why the RCP chain was or was not evaluated, and whose chain it was. */
  rcpNote: string | null;
  rcpAccountId: string | null;
}

export interface Simulation {
  accountId: string;
  scpChain: EffectiveChain;
  rcpChain: EffectiveChain | null;
  results: ActionSimulation[];
  /** Actions not evaluated because the call's time budget ran out, in the order asked. */
  notEvaluated: string[];
  notes: string[];
}

const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9_*?-]+$/;

/**
 * The request's size against the limits of src/policy/limits.ts (the tool's schema states them; a
 * decoded authorization message in a pasted log is held to the same).
 */
function checkLimits(req: SimulationRequest): void {
  if (req.actions.length > MAX_SIMULATED_ACTIONS) {
    throw invalidInput(
      `${count(req.actions.length)} actions, over the limit of ${MAX_SIMULATED_ACTIONS} per call: split them into several calls.`,
    );
  }
  if (!req.context) return;
  let keys = 0;
  let chars = 0;
  for (const [key, value] of Object.entries(req.context)) {
    if (++keys > MAX_CONTEXT_KEYS) {
      throw invalidInput(
        `context has more than ${MAX_CONTEXT_KEYS} keys, the limit: give only the condition keys the policies test.`,
      );
    }
    const values = typeof value === "string" ? [value] : value;
    if (values.length > MAX_CONTEXT_VALUES) {
      throw invalidInput(
        `context key ${key.slice(0, 128)} has ${count(values.length)} values, over the limit of ${MAX_CONTEXT_VALUES} per key.`,
      );
    }
    chars += key.length;
    for (const v of values) {
      if (v.length > MAX_CONTEXT_VALUE_CHARS) {
        throw invalidInput(
          `a value of context key ${key.slice(0, 128)} is ${count(v.length)} characters, over the limit of ${count(MAX_CONTEXT_VALUE_CHARS)}.`,
        );
      }
      chars += v.length;
    }
    if (chars > MAX_CONTEXT_CHARS) {
      throw invalidInput(
        `context is more than ${count(MAX_CONTEXT_CHARS)} characters (keys and values), the limit: give only the condition keys the policies test.`,
      );
    }
  }
}

export async function simulate(org: OrganizationService, req: SimulationRequest): Promise<Simulation> {
  checkLimits(req);
  for (const action of req.actions) {
    if (!ACTION.test(action)) {
      throw invalidInput(
        `"${action}" is not an IAM action: write it as service:Action, for example s3:PutObject.`,
      );
    }
    if (/[*?]/.test(action)) {
      throw invalidInput(
        `"${action}" has a wildcard: simulate one concrete action at a time (list several in actions).`,
      );
    }
  }
  const principalAccount = accountOfArn(req.principalArn);
  if (req.principalArn && principalAccount && principalAccount !== req.accountId) {
    throw invalidInput(
      `principalArn ${req.principalArn} belongs to account ${principalAccount}, not ${req.accountId}: SCPs apply to the caller's own account, so pass accountId ${principalAccount}.`,
    );
  }
  const notes: string[] = [];
  const [scpChain] = await Promise.all([
    org.effectiveChain(req.accountId, "SERVICE_CONTROL_POLICY"),
    primeCatalogue({ services: [...new Set(req.actions.map((a) => a.split(":")[0]!.toLowerCase()))] }),
  ]);

  let rcpChain: EffectiveChain | null = null;
  let rcpAccountId: string | null = null;
  let rcpNote: string | null = null;
  if (req.includeRcps) {
    const fromArn = accountOfArn(req.resource);
    if (req.resourceAccountId && fromArn && req.resourceAccountId !== fromArn) {
      throw invalidInput(
        `resourceAccountId ${req.resourceAccountId} differs from the account in the resource ARN (${fromArn}).`,
      );
    }
    rcpAccountId = req.resourceAccountId ?? fromArn ?? req.accountId;
    if (!req.resourceAccountId && !fromArn) {
      rcpNote =
        `The resource's owner is not known (${req.resource ? "its ARN names no account" : "no resource given"}); ` +
        `the RCPs of ${req.accountId}, the calling account, were applied. Pass resourceAccountId if the resource lives elsewhere.`;
    }
    // The resource's account, from resourceAccountId or the ARN, is scope-guarded like accountId:
    // one outside the scope and one that exists nowhere get the same answer.
    if (rcpAccountId !== req.accountId) await org.assertInScope(rcpAccountId);
    const roots = await org.listRoots();
    const rcpEnabled = roots.some((r) =>
      r.policyTypes.some((t) => t.type === "RESOURCE_CONTROL_POLICY" && t.status === "ENABLED"),
    );
    if (rcpEnabled) {
      rcpChain = await org.effectiveChain(rcpAccountId, "RESOURCE_CONTROL_POLICY");
    } else {
      rcpNote = "Resource control policies are not enabled in this organization, so none apply.";
    }
  }

  const orgContext = await organizationContext(org, scpChain);
  // The resource's owner, when the request says it: its organization keys follow from its chain.
  const resourceAccount = req.resourceAccountId ?? accountOfArn(req.resource);
  if (resourceAccount) orgContext["aws:ResourceAccount"] = resourceAccount;
  if (resourceAccount && rcpChain && rcpAccountId === resourceAccount) {
    orgContext["aws:ResourceOrgID"] = orgContext["aws:PrincipalOrgID"] as string;
    orgContext["aws:ResourceOrgPaths"] = [orgPath(orgContext["aws:PrincipalOrgID"] as string, rcpChain)];
  }
  // Frozen, so the engine reads it once for every action and chain (RequestContextValues.from).
  const context = Object.freeze({ ...orgContext, ...req.context });
  // One clock for the whole simulation: date conditions (aws:CurrentTime, aws:EpochTime) are decided.
  const now = new Date();
  const results: ActionSimulation[] = [];
  const notEvaluated: string[] = [];
  // Action by action, yielding to the event loop between slices, until the budget runs out.
  const meter = req.budget?.meter();
  for (const [i, action] of req.actions.entries()) {
    if (meter && (await meter.next())) {
      notEvaluated.push(...req.actions.slice(i));
      break;
    }
    const request: EvaluationRequest = {
      action,
      principalAccount: req.accountId,
      context,
      ...(req.resource ? { resource: req.resource } : {}),
      ...(req.principalArn ? { principalArn: req.principalArn } : {}),
      ...(req.region ? { region: req.region } : {}),
    };
    const scp = evaluate(request, scpChain, { now });
    const rcp = rcpChain ? evaluate(request, rcpChain, { now }) : null;
    results.push({
      action,
      request,
      decision: combineDecisions(rcp ? [scp.decision, rcp.decision] : [scp.decision]),
      scp,
      rcp,
      rcpNote,
      rcpAccountId: rcpChain ? rcpAccountId : null,
    });
  }
  meter?.stop();
  return { accountId: req.accountId, scpChain, rcpChain, results, notEvaluated, notes };
}

/**
 * Keys the organization itself settles for a caller in one of its accounts: the caller is a principal
 * of this organization (aws:PrincipalOrgID, aws:PrincipalOrgPaths), not an AWS service. Values the
 * user passes in `context` win.
 */
async function organizationContext(
  org: OrganizationService,
  chain: EffectiveChain,
): Promise<Record<string, ContextValue>> {
  const { id, managementAccountId } = await org.describeOrganization();
  return {
    "aws:PrincipalOrgID": id,
    "aws:PrincipalOrgPaths": [orgPath(id, chain)],
    "aws:PrincipalIsAWSService": "false",
    // Present only when the caller is an AWS service, which it is not here: declared absent.
    "aws:PrincipalServiceName": [],
    "aws:PrincipalServiceNamesList": [],
    ...(managementAccountId ? { "aws:PrincipalOrgMasterAccountId": managementAccountId } : {}),
  };
}

/** "o-xxx/r-xxx/ou-xxx/.../" for the OUs above an account, as aws:PrincipalOrgPaths and ResourceOrgPaths carry. */
function orgPath(orgId: string, chain: EffectiveChain): string {
  const ous = chain.levels.filter((l) => l.target.type !== "ACCOUNT").map((l) => l.target.id);
  return `${orgId}/${ous.join("/")}/`;
}
