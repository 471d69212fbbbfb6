/**
 * From a pasted error log to explanations: find each denied request, evaluate it against the
 * organization, check the message's policy against the evaluation, and propose fixes with their reach.
 */
import { fixedRequestRegion } from "../policy/global-services.js";
import { UserError, errorMessage, invalidInput } from "../errors.js";
import type { DeniedRequest, LimitExceeded } from "../logs/types.js";
import { MAX_LOG_EVENTS, thousands } from "../logs/limits.js";
import { textToBytes, transferable } from "../offload/bytes.js";
import { JobStopped, offload } from "../offload/pool.js";
import type { CallBudget } from "./budget.js";
import { digestLog, type LogDigest } from "./log-digest.js";
import { accountOfArn } from "../model/ids.js";
import type { OrganizationService } from "../org/service.js";
import type { Decision, EvaluationResult, StatementEvaluation } from "../policy/evaluate.js";
import { describePrincipal, type ContextValue } from "../policy/request-context.js";
import { policyReach, reachOf, type BlastRadius } from "./blast-radius.js";
import { simulate, type ActionSimulation } from "./simulate.js";
import { blockersInTurn } from "./what-if.js";

/**
 * Distinct denials listed (and evaluated) in one answer at most, the most important first; the
 * others are counted, and read a page at a time, so the answer stays the same size whatever the
 * paste holds.
 */
export const MAX_EVALUATED_DENIALS = 25;
/**
 * Longest encoded message written into the decode command (real ones are one or two kilobytes);
 * the answer's facts give a longer one cut to this length (analyze_error_log).
 */
export const MAX_INLINE_ENCODED = 4096;

export type Attribution =
  "service control policy" | "resource control policy" | "other policy" | "undetermined";

export interface MessagePolicyCheck {
  status: "agrees" | "disagrees" | "not_named";
  policyId: string | null;
  explanation: string;
}

export interface Remediation {
  kind:
    | "exempt_principal"
    | "use_allowed_region"
    | "exempt_action"
    | "attach_allow"
    | "add_action_to_allow_list"
    | "provide_context"
    | "fix_iam_policy"
    | "decode_message";
  description: string;
  policyId: string | null;
  policyName: string | null;
  statementIndex: number | null;
  sid: string | null;
  targetId: string | null;
  targetName: string | null;
  /** The JSON to add or change, when the fix is a policy edit. */
  change: string | null;
  /** Accounts and OUs the change would touch; null for fixes that change no policy. */
  blastRadius: BlastRadius | null;
  /** True when the fix loosens a guardrail (an exemption, an extra Allow). */
  loosensGuardrail: boolean;
}

export interface FixStep {
  round: number;
  decision: Decision;
  blockers: string[];
}

export interface DenialAnalysis {
  facts: DeniedRequest;
  evaluated: boolean;
  notEvaluatedReason: string | null;
  simulation: ActionSimulation | null;
  attribution: Attribution;
  messagePolicyCheck: MessagePolicyCheck;
  /** Round 1 is today; later rounds show what still blocks once the earlier blockers are fixed. */
  fixSequence: FixStep[];
  remediation: Remediation[];
  guidance: string[];
}

/** Pastes up to this length are read on the event loop; longer ones on the worker thread. */
const INLINE_LOG_CHARS = 64 * 1024;
/** Extra time the worker gets past the budget before the read is stopped by force. */
const HARD_STOP_GRACE_MS = 2_000;

/**
 * The log's distinct denials, the most important first (`parse.denials`), counted by policy type;
 * none evaluated yet. Read on the event loop for a short paste, else on the worker thread.
 */
export async function readLog(
  text: string,
  hints: { accountId?: string; region?: string },
  budget: CallBudget | undefined,
): Promise<LogDigest> {
  const digest = await digestWithin(text, hints, budget);
  if (digest.parse.limitExceeded) throw overLimit(digest.parse.limitExceeded);
  return digest;
}

async function digestWithin(
  text: string,
  hints: { accountId?: string; region?: string },
  budget: CallBudget | undefined,
): Promise<LogDigest> {
  // Every distinct denial is kept, ranked: pages are read by cursor. Their number is bounded by
  // the event limit, each one's size by the parser's own.
  const keep = MAX_LOG_EVENTS;
  if (text.length <= INLINE_LOG_CHARS) {
    const started = performance.now();
    const digest = digestLog(text, hints, keep);
    budget?.charge(performance.now() - started);
    return digest;
  }
  const budgetMs = budget?.remainingMs() ?? 60_000;
  try {
    // As bytes, handed over without a copy (the request's own, when it was a large body: bytes.ts).
    const paste = await textToBytes(text);
    const { value, ms } = await offload("digestLog", [paste, hints, keep], {
      timeoutMs: budgetMs + HARD_STOP_GRACE_MS,
      maxWaitMs: Math.max(budgetMs, 1_000),
      transfer: transferable(paste.bytes),
    });
    budget?.charge(ms);
    return value;
  } catch (error) {
    if (error instanceof JobStopped) {
      throw invalidInput(
        `The log could not be read within the call's time budget (stopped after ${Math.round(error.afterMs / 100) / 10} s): paste the part of the log around the failure.`,
      );
    }
    throw error;
  }
}

/** Why a denial was listed but not evaluated: the call's time budget ran out before it. */
export function budgetReason(budget: CallBudget): string {
  return `${budget.describe()}: ask about this denial in a separate call`;
}

function overLimit(limit: LimitExceeded): UserError {
  if (limit.limit === "characters") {
    return invalidInput(
      `The log is ${thousands(limit.found)} characters long, over the limit of ${thousands(limit.max)} characters for analyze_error_log. ` +
        "Paste the part of the log around the failure.",
    );
  }
  return invalidInput(
    `The log holds more than ${thousands(limit.max)} events (CloudTrail events, error messages, decoded messages), over the limit of ${thousands(limit.max)} events for analyze_error_log. ` +
      "Paste the part of the log around the failure, or keep only the denied CloudTrail events (errorCode AccessDenied or UnauthorizedOperation).",
  );
}

/** The decoded message's condition keys as the engine takes them: one value a string, several a list. */
function contextOf(requestContext: Record<string, string[]> | null): Record<string, ContextValue> | null {
  if (requestContext === null) return null;
  const out: Record<string, ContextValue> = {};
  for (const [key, values] of Object.entries(requestContext)) {
    // A key listed without values says nothing the engine can use; it stays unknown.
    if (values.length > 0) out[key] = values.length === 1 ? values[0]! : values;
  }
  return Object.keys(out).length ? out : null;
}

function unevaluated(facts: DeniedRequest, reason: string, guidance: string[] = []): DenialAnalysis {
  return {
    facts,
    evaluated: false,
    notEvaluatedReason: reason,
    simulation: null,
    attribution: attributionFromMessage(facts),
    messagePolicyCheck: { status: "not_named", policyId: null, explanation: reason },
    fixSequence: [],
    remediation: hasEncodedMessage(facts) ? [decodeRemediation(facts)] : [],
    guidance: [...guidance, ...guidanceFor(facts)],
  };
}

/** One denial evaluated against the organization, with its explanation and fixes. */
export async function analyzeDenial(
  org: OrganizationService,
  facts: DeniedRequest,
  hints: { accountId?: string; region?: string },
  budget: CallBudget | undefined,
): Promise<DenialAnalysis> {
  // Past the call's time budget, the rest are listed unevaluated.
  if (budget?.exhausted()) return unevaluated(facts, budgetReason(budget));
  const accountId = facts.accountId ?? hints.accountId ?? accountOfArn(facts.principalArn);
  if (!facts.action) return unevaluated(facts, "the log does not say which action was denied");
  if (!accountId) {
    return unevaluated(
      facts,
      "the account that made the request is not in the log (or is redacted): pass accountId",
    );
  }
  const principalArn =
    facts.principalArn && accountOfArn(facts.principalArn) === accountId ? facts.principalArn : undefined;
  const region = facts.region ?? hints.region;
  const context = contextOf(facts.requestContext);
  let sim: ActionSimulation | undefined;
  let rcpSkipped: string | undefined;
  const run = async (includeRcps: boolean) =>
    (
      await simulate(org, {
        accountId,
        actions: [facts.action as string],
        includeRcps,
        ...(facts.resource && facts.resource.startsWith("arn:") ? { resource: facts.resource } : {}),
        ...(principalArn ? { principalArn } : {}),
        ...(region ? { region } : {}),
        ...(context ? { context } : {}),
        ...(budget ? { budget } : {}),
      })
    ).results[0];
  try {
    sim = await run(true);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // The resource's account may be outside the scope or the organization while the caller's is
    // not: the caller's SCPs still answer; only the RCPs cannot be read.
    const resourceAccount = accountOfArn(facts.resource);
    if (!resourceAccount || resourceAccount === accountId) return unevaluated(facts, error.message);
    try {
      sim = await run(false);
    } catch (again) {
      if (again instanceof UserError) return unevaluated(facts, again.message);
      throw again;
    }
    rcpSkipped = `The RCPs of the resource's account were not evaluated: ${error.message}`;
    if (sim) sim.rcpNote = rcpSkipped;
  }
  if (!sim) {
    return unevaluated(facts, budget?.exhausted() ? budgetReason(budget) : "nothing to evaluate");
  }

  const attribution = attribute(facts, sim);
  const check = checkMessagePolicy(facts, sim);
  const chainFor = async (r: EvaluationResult) =>
    org.effectiveChain(
      r.policyType === "SERVICE_CONTROL_POLICY" ? accountId : (sim.rcpAccountId ?? accountId),
      r.policyType,
    );
  const fixSequence: FixStep[] = [];
  for (const r of [sim.scp, sim.rcp]) {
    if (!r || (r.decision !== "explicitly_denied" && r.decision !== "implicitly_denied")) continue;
    for (const step of blockersInTurn(sim.request, await chainFor(r))) {
      fixSequence.push({
        round: step.round,
        decision: step.result.decision,
        blockers: [
          ...step.result.decidingStatements.filter((s) => s.effect === "Deny").map(describe),
          ...step.result.missingAllowAt.map(
            (m) =>
              `no Allow at ${m.targetType.toLowerCase().replace(/_/g, " ")} ${m.targetName} (${m.targetId})`,
          ),
        ],
      });
    }
  }
  let remediation: Remediation[] = [];
  try {
    remediation = await remediate(org, facts, sim, principalArn);
  } catch (error) {
    remediation = [];
    sim.scp.warnings.push(`remediation could not be worked out: ${errorMessage(error)}`);
  }
  if (hasEncodedMessage(facts)) remediation.push(decodeRemediation(facts));
  const guidance = attribution === "other policy" || attribution === "undetermined" ? guidanceFor(facts) : [];
  if (context) {
    guidance.push(
      `Evaluated with the request's own context from the decoded authorization message (${Object.keys(context).length} condition keys); keys it does not list are treated as unknown.`,
    );
  }
  if (rcpSkipped) guidance.push(rcpSkipped);
  if (attribution === "other policy" && sim.decision === "allowed") {
    guidance.unshift(
      `The organization's SCPs and RCPs allow ${facts.action}; the denial comes from ${facts.policyType ?? "another policy"}.`,
    );
  }
  return {
    facts,
    evaluated: true,
    notEvaluatedReason: null,
    simulation: sim,
    attribution,
    messagePolicyCheck: check,
    fixSequence,
    remediation,
    guidance,
  };
}

/**
 * The Deny statements that can explain a denial the message attributes to this policy type when the
 * evaluation cannot decide: the undecided Deny statements of a depends_on_context answer. Only when
 * the message says the deny was explicit (an implicit deny is not caused by a Deny statement).
 */
function candidateDenies(facts: DeniedRequest, result: EvaluationResult): StatementEvaluation[] {
  if (facts.denyKind !== "explicit") return [];
  const blamed =
    (facts.policyType === "service control policy" && result.policyType === "SERVICE_CONTROL_POLICY") ||
    (facts.policyType === "resource control policy" && result.policyType === "RESOURCE_CONTROL_POLICY");
  if (!blamed) return [];
  if (result.decision === "depends_on_context")
    return result.decidingStatements.filter((s) => s.effect === "Deny");
  // Implicitly denied today, but the message says a Deny matched: the undecided Denies are the suspects.
  if (result.decision === "implicitly_denied") return result.undecidedDenyStatements ?? [];
  return [];
}

/** "aws:RequestedRegion StringNotEquals eu-west-1, eu-central-1" for the undecided conditions of s. */
function undecidedConditions(s: StatementEvaluation): string {
  const open = (s.conditions ?? []).filter((c) => c.result !== true && c.result !== false);
  return open.map((c) => `${c.key} ${c.operator} ${c.policyValues.join(", ")}`).join(" and ");
}

function describe(s: StatementEvaluation): string {
  return `${s.effect} statement ${s.sid ? `"${s.sid}" ` : ""}#${s.statementIndex} of ${s.policyName} (${s.policyId}) at ${s.level.targetName} (${s.level.targetId})`;
}

function attributionFromMessage(facts: DeniedRequest): Attribution {
  if (facts.policyType === "service control policy") return "service control policy";
  if (facts.policyType === "resource control policy") return "resource control policy";
  if (facts.policyType) return "other policy";
  return "undetermined";
}

function isDenied(d: Decision | undefined): boolean {
  return d === "explicitly_denied" || d === "implicitly_denied";
}

function attribute(facts: DeniedRequest, sim: ActionSimulation): Attribution {
  const fromMessage = attributionFromMessage(facts);
  if (fromMessage !== "undetermined") return fromMessage;
  if (isDenied(sim.scp.decision)) return "service control policy";
  if (isDenied(sim.rcp?.decision)) return "resource control policy";
  if (sim.decision === "allowed") return "other policy";
  return "undetermined";
}

function checkMessagePolicy(facts: DeniedRequest, sim: ActionSimulation): MessagePolicyCheck {
  const policyId = facts.policyArn?.match(/\/(p-[0-9a-zA-Z_]+)$/)?.[1] ?? null;
  const result = facts.policyType === "resource control policy" ? sim.rcp : sim.scp;
  const label = facts.policyType === "resource control policy" ? "RCPs" : "SCPs";
  if (
    facts.policyType &&
    facts.policyType !== "service control policy" &&
    facts.policyType !== "resource control policy"
  ) {
    return {
      status: "not_named",
      policyId: null,
      explanation: `The message names ${facts.policyType}, not an SCP or RCP.`,
    };
  }
  if (!result) return { status: "not_named", policyId, explanation: "RCPs were not evaluated." };
  if (policyId) {
    // Only a Deny of that policy explains the denial: an allow-list SCP also holds Allow statements.
    const found = result.decidingStatements.some((s) => s.effect === "Deny" && s.policyId === policyId);
    if (found) {
      return {
        status: "agrees",
        policyId,
        explanation: `The message names ${policyId}, and the evaluation finds the same policy denying.`,
      };
    }
    return {
      status: "disagrees",
      policyId,
      explanation:
        `The message names ${policyId}, but evaluating the current ${label} gives ${result.decision.replace(/_/g, " ")}` +
        (result.decidingStatements.length
          ? ` by ${result.decidingStatements.map(describe).join("; ")}`
          : "") +
        ". The policy may have changed since the error, or the request carried context the log does not show.",
    };
  }
  const candidates = candidateDenies(facts, result);
  if (candidates.length > 0) {
    return {
      status: "agrees",
      policyId: null,
      explanation:
        `The message blames ${label === "SCPs" ? "an SCP" : "an RCP"} with an explicit deny; the log does not carry ` +
        `${result.missingContextKeys.join(", ")}, and the only statement(s) that can deny this request are: ` +
        candidates
          .map((c) => {
            const when = undecidedConditions(c);
            return `${describe(c)}${when ? `, which applies when ${when}` : ""}`;
          })
          .join("; ") +
        ".",
    };
  }
  if (facts.policyType && !isDenied(result.decision)) {
    return {
      status: "disagrees",
      policyId: null,
      explanation:
        `The message blames ${facts.policyType === "resource control policy" ? "an RCP" : "an SCP"}, but the current ${label} give ` +
        `${result.decision.replace(/_/g, " ")}` +
        (result.missingContextKeys.length ? ` (it depends on ${result.missingContextKeys.join(", ")})` : "") +
        ". The policies may have changed since, or the request's context differs.",
    };
  }
  if (facts.policyType && isDenied(result.decision)) {
    const kindAgrees =
      facts.denyKind === null ||
      (facts.denyKind === "explicit") === (result.decision === "explicitly_denied");
    return {
      status: kindAgrees ? "agrees" : "disagrees",
      policyId: null,
      explanation: kindAgrees
        ? `The message blames ${label === "SCPs" ? "an SCP" : "an RCP"} and the evaluation agrees (${result.decision.replace(/_/g, " ")}).`
        : `The message says ${facts.denyKind} deny, but the evaluation gives ${result.decision.replace(/_/g, " ")}.`,
    };
  }
  return { status: "not_named", policyId: null, explanation: "The message names no policy." };
}

/** A statement's Condition block as written, with `values` set for `operator` / `key`. */
function mergedCondition(
  s: StatementEvaluation,
  operator: string,
  key: string,
  values: string[],
): Record<string, Record<string, string[]>> {
  const block: Record<string, Record<string, string[]>> = {};
  for (const c of s.conditions ?? []) (block[c.operator] ??= {})[c.key] = [...c.policyValues];
  (block[operator] ??= {})[key] = values;
  return block;
}

function roleArnOf(principalArn: string): { arn: string; note: string | null } {
  // The engine's own reading of a principal: an assumed-role session is its role.
  const p = describePrincipal(principalArn);
  return {
    arn: p.principalArn,
    note:
      p.kind === "assumed-role"
        ? "A session ARN does not show the role's path: if the role has one, write arn:…:role/<path>/<name> or use ArnLike with *."
        : null,
  };
}

type RemediationKind = Remediation["kind"];
type RemediationFields = Partial<Omit<Remediation, "kind" | "description">>;

/** A remediation: every field not given is null (no policy, target or change), and loosens nothing. */
function remediation(
  kind: RemediationKind,
  description: string,
  fields: RemediationFields = {},
): Remediation {
  return {
    kind,
    description,
    policyId: null,
    policyName: null,
    statementIndex: null,
    sid: null,
    targetId: null,
    targetName: null,
    change: null,
    blastRadius: null,
    loosensGuardrail: false,
    ...fields,
  };
}

async function remediate(
  org: OrganizationService,
  facts: DeniedRequest,
  sim: ActionSimulation,
  principalArn: string | undefined,
): Promise<Remediation[]> {
  const out: Remediation[] = [];
  const action = facts.action ?? sim.action;
  for (const result of [sim.scp, sim.rcp]) {
    if (!result) continue;
    const candidates = candidateDenies(facts, result);
    if (result.decision === "explicitly_denied" || candidates.length > 0) {
      for (const s of result.decision === "explicitly_denied" ? result.decidingStatements : candidates) {
        if (s.effect === "Deny") out.push(...(await denyStatementFixes(org, s, action, principalArn)));
      }
    }
    if (result.decision === "implicitly_denied")
      out.push(...(await missingAllowFixes(org, sim, result, action)));
    if (result.decision === "depends_on_context" && result.missingContextKeys.length) {
      out.push(
        remediation(
          "provide_context",
          `The answer depends on ${result.missingContextKeys.join(", ")}: re-run simulate_scp_request with those keys in context to see which applies.`,
        ),
      );
    }
  }
  if (
    sim.decision === "allowed" &&
    facts.policyType !== "service control policy" &&
    facts.policyType !== "resource control policy"
  ) {
    out.push(
      remediation(
        "fix_iam_policy",
        `The organization's policies do not block ${action}: ${whereToGrant(facts)} (or remove the Deny there).`,
        { loosensGuardrail: true },
      ),
    );
  }
  return out;
}

/** Fixes for one Deny statement: another region, an action exemption, a principal exemption. */
async function denyStatementFixes(
  org: OrganizationService,
  s: StatementEvaluation,
  action: string,
  principalArn: string | undefined,
): Promise<Remediation[]> {
  const out: Remediation[] = [];
  const reach = await policyReach(org, s.policyId);
  const statement: RemediationFields = {
    policyId: s.policyId,
    policyName: s.policyName,
    statementIndex: s.statementIndex,
    sid: s.sid ?? null,
    targetId: s.level.targetId,
    targetName: s.level.targetName,
  };
  const region = regionFix(s, action, statement);
  if (region) out.push(region);
  if (s.action.element === "NotAction") {
    const service = action.split(":")[0];
    out.push(
      remediation(
        "exempt_action",
        `Add "${action}" (or "${service}:*" if the whole service is global or must stay reachable) to the NotAction list of ${describe(s)}.`,
        {
          ...statement,
          change: JSON.stringify({ NotAction: [...s.action.patterns, action] }),
          blastRadius: reach,
          loosensGuardrail: true,
        },
      ),
    );
  }
  if (principalArn) out.push(principalFix(s, principalArn, statement, reach));
  return out;
}

function regionFix(s: StatementEvaluation, action: string, statement: RemediationFields): Remediation | null {
  // A candidate's region condition is undecided (the log has no region), not yet true.
  const regionCondition = (s.conditions ?? []).find(
    (c) => c.key.toLowerCase() === "aws:requestedregion" && /Not/.test(c.operator) && c.result !== false,
  );
  // A single-endpoint service is authorized in us-east-1 whatever the caller does: no region to move to.
  if (!regionCondition || fixedRequestRegion(action.split(":")[0] ?? "")) return null;
  return remediation(
    "use_allowed_region",
    `Send the request to an allowed region (${regionCondition.policyValues.join(", ")}) instead of ${regionCondition.contextValue === undefined ? "the one it went to" : String(regionCondition.contextValue)}.`,
    statement,
  );
}

function principalFix(
  s: StatementEvaluation,
  principalArn: string,
  statement: RemediationFields,
  reach: BlastRadius,
): Remediation {
  const role = roleArnOf(principalArn);
  const existing = (s.conditions ?? []).find(
    (c) => c.key.toLowerCase() === "aws:principalarn" && /Not(Like|Equals)/i.test(c.operator),
  );
  const values = existing ? [...existing.policyValues, role.arn] : [role.arn];
  return remediation(
    "exempt_principal",
    (existing
      ? `Add ${role.arn} to the existing ${existing.operator} aws:PrincipalArn exemption of ${describe(s)}`
      : `Add an ArnNotLike aws:PrincipalArn exemption for ${role.arn} to ${describe(s)}`) +
      (role.note ? `. ${role.note}` : "."),
    {
      ...statement,
      // The statement's whole Condition block with the exemption merged in, so applying it
      // as written keeps the other conditions (a region test, say).
      change: JSON.stringify({
        Condition: mergedCondition(
          s,
          existing?.operator ?? "ArnNotLike",
          existing?.key ?? "aws:PrincipalArn",
          values,
        ),
      }),
      blastRadius: reach,
      loosensGuardrail: true,
    },
  );
}

/** Fixes for levels where no Allow matched: extend the allow-list there, or attach FullAWSAccess. */
async function missingAllowFixes(
  org: OrganizationService,
  sim: ActionSimulation,
  result: EvaluationResult,
  action: string,
): Promise<Remediation[]> {
  const out: Remediation[] = [];
  const chain = await org.effectiveChain(
    result.policyType === "SERVICE_CONTROL_POLICY"
      ? (sim.request.principalAccount ?? "")
      : (sim.rcpAccountId ?? ""),
    result.policyType,
  );
  for (const m of result.missingAllowAt) {
    const level = chain.levels[m.index];
    const allowList = level?.policies.find((p) => /"Allow"/.test(p.content));
    const target = { targetId: m.targetId, targetName: m.targetName };
    if (allowList) {
      out.push(
        remediation(
          "add_action_to_allow_list",
          `Add "${action}" to the Allow statement of ${allowList.name} (${allowList.id}), the allow-list attached to ${m.targetName} (${m.targetId}).`,
          {
            policyId: allowList.id,
            policyName: allowList.name,
            ...target,
            change: JSON.stringify({ Effect: "Allow", Action: [action], Resource: "*" }),
            blastRadius: await policyReach(org, allowList.id),
            loosensGuardrail: true,
          },
        ),
      );
    }
    out.push(
      remediation(
        "attach_allow",
        `Attach FullAWSAccess (or an allow-list SCP that includes ${action}) to ${m.targetName} (${m.targetId}): nothing attached there allows the request.`,
        {
          policyId: "p-FullAWSAccess",
          policyName: "FullAWSAccess",
          ...target,
          blastRadius: await reachOf(org, [m.targetId]),
          loosensGuardrail: true,
        },
      ),
    );
  }
  return out;
}

function hasEncodedMessage(facts: DeniedRequest): boolean {
  return facts.encodedMessage !== null || facts.sources.includes("encoded-authorization-message");
}

/** How to decode the message: the exact command, the permission it needs, and what to do next. */
function decodeRemediation(facts: DeniedRequest): Remediation {
  const message = facts.encodedMessage;
  const argument =
    message === null
      ? "<the encoded message, complete, from the original output>"
      : message.length <= MAX_INLINE_ENCODED
        ? message
        : `<the encoded message as pasted, all ${message.length} characters>`;
  return remediation(
    "decode_message",
    `Decode the encoded authorization failure message to see the decision, the matched statements and the request's context keys: ` +
      `aws sts decode-authorization-message --encoded-message ${argument} --query DecodedMessage --output text. ` +
      "It needs the IAM permission sts:DecodeAuthorizationMessage (the message is encoded because it can hold privileged details). " +
      "Paste the decoded JSON into analyze_error_log: it reads the principal, action, resource and context keys and evaluates the request with them.",
  );
}

/** Where an Allow for the request belongs, given the policy type the message names. */
function whereToGrant(facts: DeniedRequest): string {
  switch (facts.policyType) {
    case "role trust policy":
      return `allow ${facts.principalArn ?? "the principal"} in the trust policy of the role being assumed`;
    case "resource-based policy":
      return `allow it in the policy of ${facts.resource ?? "the resource"}`;
    default:
      return `grant it in the principal's ${facts.policyType ?? "IAM policies"}`;
  }
}

/** The role a role-trust denial is about: "arn:…:role/path/NAME" or "role NAME". */
function roleNameOf(resource: string | null): string | null {
  if (resource === null) return null;
  const named = /^role (\S+)$/.exec(resource);
  if (named?.[1]) return named[1];
  const arn = /^arn:[^:]+:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(resource);
  return arn?.[1] ?? null;
}

function guidanceFor(facts: DeniedRequest): string[] {
  const who = facts.principalArn ?? "the principal";
  switch (facts.policyType) {
    case "identity-based policy":
      return [
        `Look at the IAM policies attached to ${who} (and its groups): ${facts.denyKind === "explicit" ? "one has a Deny that matches" : "none allows the action"}. aws iam simulate-principal-policy checks them.`,
      ];
    case "permissions boundary":
      return [
        `Look at the permissions boundary of ${who}: it does not allow ${facts.action ?? "the action"}.`,
      ];
    case "session policy":
      return [
        `Look at the session policy passed when the role session was created (AssumeRole Policy/PolicyArns).`,
      ];
    case "VPC endpoint policy":
      return [`Look at the policy of the VPC endpoint the request went through.`];
    case "resource-based policy":
      return [
        `Look at the resource's own policy (bucket, key, queue, ... policy) for ${facts.resource ?? "the resource"}.`,
      ];
    case "role trust policy": {
      const role = roleNameOf(facts.resource);
      const show = role ? `aws iam get-role --role-name ${role}` : "aws iam get-role --role-name <role>";
      return [
        `A role trust policy is the resource-based policy of the role being assumed (its AssumeRolePolicyDocument); it names who may assume the role. ` +
          `${facts.denyKind === "explicit" ? `A Deny in it matches ${who}` : `It does not allow ${who} to call ${facts.action ?? "sts:AssumeRole"}`}: ` +
          `read it with ${show} and change it with aws iam update-assume-role-policy. ` +
          `If it already names ${who}, check ${who}'s permissions boundary and identity-based policies, which must allow ${facts.action ?? "sts:AssumeRole"} too.`,
      ];
    }
    default:
      if (facts.sources.includes("decoded-authorization-message")) {
        return [
          "The decoded authorization message does not name the policy type: compare its matched statements (in the notes) with the organization's SCPs and RCPs above and with the principal's IAM policies.",
        ];
      }
      return [];
  }
}
