/**
 * Evaluates one request against the chain of SCPs or RCPs that applies to it, with the
 * explanation as data. Synchronous: policies are parsed once (cached by content) and catalogue
 * data is read from a primed Catalogue.
 *
 * SCPs: a Deny that matches at any level denies; every level (root, each OU, the account) needs at
 * least one matching Allow, or the request is implicitly denied at that level.
 * RCPs: only Deny statements restrict; RCPFullAWSAccess (attached everywhere, not detachable) is the
 * only Allow, so a level without a matching Allow is not a denial.
 */
import { fixedRequestRegion } from "./global-services.js";
import type { ChainTarget } from "../model/chain.js";
import type { TargetKind } from "../model/ids.js";
import type { PolicyType } from "../model/policy-type.js";
import { getCatalogue, type ActionCheck, type Catalogue } from "./catalogue.js";
import { evaluateConditions, type ConditionExplanation } from "./conditions.js";
import {
  describePrincipal,
  normalizeConditionKey,
  parseArn,
  RequestContextValues,
  RESOURCE_KEY,
  type ContextValue,
  type EvalEnv,
  type MissingKeyMode,
  type PrincipalInfo,
  type PrincipalKind,
} from "./request-context.js";
import { MAX_CONTEXTS, missingKeyContexts } from "./explore.js";
import { matchActionPattern, matchResourcePattern } from "./match.js";
import {
  parsePolicyCached,
  PolicyParseError,
  type ParsedPolicy,
  type ParsedStatement,
  type PolicyIssue,
} from "./parse.js";
import { policyKindOf, type PolicyKind } from "../model/policy-type.js";
import { READINGS, type ReadingId } from "./readings.js";
import { or2, UNKNOWN, type Tri } from "./tri.js";

// ---------------------------------------------------------------------------------------------
// Input

/** Optional fields also accept undefined, so zod-parsed tool input can be passed as is. */
export interface EvaluationRequest {
  /** One action, "service:ActionName" (no wildcards). */
  action: string;
  /** The resource ARN. Omitted: only Resource "*" can match; specific patterns are undecided. */
  resource?: string | undefined;
  /** The calling principal; an assumed-role session ARN is read as its role ARN. */
  principalArn?: string | undefined;
  /** The account making the call (aws:PrincipalAccount); derived from principalArn when omitted. */
  principalAccount?: string | undefined;
  /** Sets aws:RequestedRegion. */
  region?: string | undefined;
  /** Condition keys and values. A list is a multivalued key; an empty list states the key is absent. */
  context?: Readonly<Record<string, ContextValue>> | undefined;
}

/** A policy of the chain: its JSON content (as Organizations stores it) or an already-parsed document. */
export interface EvaluationPolicy {
  id: string;
  name: string;
  content?: string;
  parsed?: ParsedPolicy;
  awsManaged?: boolean;
}

export interface EvaluationLevel {
  target: ChainTarget;
  policies: readonly EvaluationPolicy[];
}

/** Structurally compatible with EffectiveChain (src/model/chain.ts), which can be passed as is. */
export interface EvaluationChain {
  policyType: PolicyType;
  target?: ChainTarget;
  /** Root first, then each OU, then the account. */
  levels: readonly EvaluationLevel[];
  isManagementAccount?: boolean;
  managementAccountId?: string;
  ouPath?: string;
}

export interface EvaluateOptions {
  /** Defaults to the shared catalogue (prime it with primeCatalogue()). */
  catalogue?: Catalogue | undefined;
  /** How to read keys the context lacks (default "unknown": the context may be partial). */
  missingKeys?: MissingKeyMode | undefined;
  /** Fills aws:CurrentTime and aws:EpochTime when the context lacks them. */
  now?: Date | undefined;
  /** Compute alternative outcomes for depends_on_context (default true). */
  outcomes?: boolean | undefined;
  /** Evaluate again under the other reading of each open question a statement relied on (default true). */
  caveats?: boolean | undefined;
  /** Open questions to read the other way (readings.ts); the caveats use it. */
  alternativeReadings?: ReadonlySet<ReadingId> | undefined;
}

export class EvaluationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EvaluationInputError";
  }
}

// ---------------------------------------------------------------------------------------------
// Output

export type Decision = "allowed" | "explicitly_denied" | "implicitly_denied" | "depends_on_context";

export interface LevelRef {
  /** Position in the chain (0 = root). */
  index: number;
  targetId: string;
  targetType: TargetKind;
  targetName: string;
}

export interface StatementRef {
  level: LevelRef;
  policyId: string;
  policyName: string;
  statementIndex: number;
  sid?: string;
  effect: "Allow" | "Deny";
}

export interface ActionMatchExplanation {
  element: "Action" | "NotAction";
  patterns: string[];
  /** The patterns that match the requested action. */
  matchedPatterns: string[];
  /** Whether the element is satisfied (for NotAction: no pattern matches). */
  result: boolean;
}

export interface ResourceMatchExplanation {
  element: "Resource" | "NotResource";
  patterns: string[];
  matchedPatterns: string[];
  /** Patterns after policy-variable substitution, when any pattern holds a variable. */
  resolvedPatterns?: string[];
  /** The requested resource, or null when the request named none. */
  resource: string | null;
  result: Tri;
  missingKeys: string[];
  /** The statement had no Resource element and was read as "*". */
  implicit: boolean;
}

export interface StatementEvaluation extends StatementRef {
  /** Whether the statement applies to the request: action, resource and conditions all match. */
  applies: Tri;
  action: ActionMatchExplanation;
  /** Absent when the action did not match (the rest was not needed). */
  resource?: ResourceMatchExplanation;
  /** Absent when the action or resource did not match. */
  conditions?: ConditionExplanation[];
  conditionResult?: Tri;
  /** Context keys whose absence leaves `applies` unknown. */
  missingKeys: string[];
  reason: string;
  /** Open questions of the policy language (readings.ts) the result relied on. */
  readings?: ReadingId[];
}

export interface PolicyEvaluation {
  policyId: string;
  policyName: string;
  awsManaged?: boolean;
  statements: StatementEvaluation[];
  warnings: PolicyIssue[];
}

export interface LevelEvaluation {
  level: LevelRef;
  /** Whether some Allow statement at this level applies. */
  allow: Tri;
  /** Whether some Deny statement at this level applies. */
  deny: Tri;
  policies: PolicyEvaluation[];
}

export interface MissingAllow extends LevelRef {
  /** The Allow statements at this level and why each does not apply. */
  allowStatements: StatementEvaluation[];
  reason: string;
}

export type ExemptionKind =
  | "management_account"
  | "service_linked_role"
  | "rcp_unsupported_service"
  | "rcp_action_not_restricted"
  | "action_needs_no_permission";

export interface Exemption {
  kind: ExemptionKind;
  reason: string;
}

export interface Outcome {
  scenario:
    | "missing_keys_absent"
    | "undecided_deny_matches"
    | "undecided_allow_does_not_match"
    | "undecided_statements_favourable";
  decision: Decision;
  description: string;
  /**
   * A value for each missing key that gives this decision, when the keys have finitely many cases
   * (explore.ts); absent when they do not.
   */
  context?: Record<string, ContextValue>;
}

/** An answer that rests on a reading the documentation leaves open, and what the other reading gives. */
export interface Caveat {
  reading: ReadingId;
  /** The statements whose result rests on the reading. */
  statements: StatementRef[];
  decisionUnderOtherReading: Decision;
  /** The documentation page the followed reading rests on. */
  source: string;
  message: string;
}

export interface EvaluationResult {
  policyType: PolicyType;
  kind: PolicyKind;
  decision: Decision;
  summary: string;
  /**
   * The statements that decide: the matching Deny statements (explicitly_denied), the matching
   * Allow statements (allowed), the undecided statements (depends_on_context); empty for
   * implicitly_denied (see missingAllowAt) and for exemptions.
   */
  decidingStatements: StatementEvaluation[];
  /** Levels with no matching Allow (SCPs only). */
  missingAllowAt: MissingAllow[];
  /** Keys (as written in the policies) that would settle a depends_on_context decision. */
  missingContextKeys: string[];
  /**
   * Keys the context lacks that the decision nevertheless rests on, because IfExists, Null or a set
   * operator defines what absence means: supply them if the real request carries them.
   */
  keysAssumedAbsent: string[];
  /** For depends_on_context: what the decision would be in each case. */
  outcomes?: Outcome[];
  /** Implicitly denied, and these Deny statements might also apply (their keys are missing). */
  undecidedDenyStatements?: StatementEvaluation[];
  exemption?: Exemption;
  /** The decision the policies alone would give, when an exemption decided instead. */
  decisionWithoutExemption?: Decision;
  action: ActionCheck;
  principal?: PrincipalInfo;
  /** The context used, with the derived keys. */
  context: Record<string, string | string[]>;
  /** Keys the evaluator filled in (aws:PrincipalArn, aws:PrincipalAccount, aws:RequestedRegion...). */
  derivedContext: Record<string, string>;
  levels: LevelEvaluation[];
  notes: string[];
  warnings: string[];
  /** Decisions that rest on an open reading of the documentation, with the other reading's decision. */
  caveats: Caveat[];
}

// ---------------------------------------------------------------------------------------------

const ACTION_FORMAT = /^[A-Za-z0-9-]+:[A-Za-z0-9_-]+$/;
/** Actions that need no permission, so neither SCPs nor RCPs can deny them, with the documentation. */
const NEEDS_NO_PERMISSION: ReadonlyMap<string, { source: string; quote: string }> = new Map([
  [
    "sts:getcalleridentity",
    {
      source: "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
      quote:
        "No permissions are required to perform this operation. If an administrator attaches a policy to your " +
        "identity that explicitly denies access to the sts:GetCallerIdentity action, you can still perform this operation.",
    },
  ],
]);
/** Documented in the KMS guide: kms:RetireGrant is not affected by RCPs, even with Action "*". */
const RCP_UNRESTRICTED_ACTIONS = new Set(["kms:retiregrant"]);

function levelRef(index: number, target: ChainTarget): LevelRef {
  return { index, targetId: target.id, targetType: target.type, targetName: target.name };
}

function describeTarget(level: LevelRef): string {
  const type =
    level.targetType === "ROOT" ? "root" : level.targetType === "ORGANIZATIONAL_UNIT" ? "OU" : "account";
  // Readers may give the id as the name when the name is not known without another call.
  return level.targetName === level.targetId
    ? `${type} ${level.targetId}`
    : `${type} ${level.targetName} (${level.targetId})`;
}

export function describeStatement(ref: StatementRef): string {
  return (
    `${ref.effect} statement ${ref.sid ? `"${ref.sid}" ` : ""}#${ref.statementIndex} of policy ` +
    `${ref.policyName} (${ref.policyId}) at ${describeTarget(ref.level)}`
  );
}

function resolvePolicy(policy: EvaluationPolicy, kind: PolicyKind, warnings: string[]): ParsedPolicy {
  if (policy.content !== undefined) {
    const result = parsePolicyCached(policy.content, kind);
    if (!result.ok)
      throw new PolicyParseError(result.errors, { policyId: policy.id, policyName: policy.name });
    return result.policy;
  }
  if (policy.parsed) {
    if (policy.parsed.kind !== kind) {
      warnings.push(
        `policy ${policy.id} was parsed as an ${policy.parsed.kind} but the chain holds ${kind}s`,
      );
    }
    return policy.parsed;
  }
  throw new EvaluationInputError(
    `policy ${policy.id} (${policy.name}) has neither content nor a parsed document`,
  );
}

function conditionLabel(c: ConditionExplanation): string {
  return `${c.canonicalOperator} ${c.key}`;
}

function list(values: readonly string[]): string {
  return values.length === 1 ? `"${values[0]}"` : `["${values.join('", "')}"]`;
}

/** Evaluates one statement and notes the open readings (readings.ts) its result relied on. */
function evaluateStatement(stmt: ParsedStatement, ref: StatementRef, request: Prepared): StatementEvaluation {
  const { env } = request;
  const used = env.readingsUsed;
  const mark = used?.length ?? 0;
  const out = matchStatement(stmt, ref, request);
  if (!used || used.length === mark) return out;
  const readings = [...new Set(used.slice(mark))];
  out.readings = readings;
  if (
    out.applies !== false &&
    readings.includes("unresolved_policy_variable") &&
    env.alternativeReadings?.has("unresolved_policy_variable")
  ) {
    out.applies = false;
    out.missingKeys = [];
    out.reason = `does not apply: read as an invalid statement, since a policy variable in it has no value (${out.reason})`;
  }
  return out;
}

function matchStatement(stmt: ParsedStatement, ref: StatementRef, request: Prepared): StatementEvaluation {
  const { lowerAction, action, resource, env } = request;
  const actionEl = stmt.action;
  const matchedActions: string[] = [];
  for (const p of actionEl.patterns) if (matchActionPattern(p, lowerAction)) matchedActions.push(p.source);
  const actionResult =
    actionEl.element === "Action" ? matchedActions.length > 0 : matchedActions.length === 0;
  const actionExpl: ActionMatchExplanation = {
    element: actionEl.element,
    patterns: actionEl.values,
    matchedPatterns: matchedActions,
    result: actionResult,
  };
  if (!actionResult) {
    const reason =
      actionEl.element === "Action"
        ? `${action} is not matched by Action ${list(actionEl.values)}`
        : `${action} is excluded by NotAction ${list(matchedActions)}`;
    return statementResult(ref, false, actionExpl, [], reason);
  }

  const resEl = stmt.resource;
  let inList: Tri = false;
  const matchedResources: string[] = [];
  const resolved: string[] = [];
  const resMissing = new Set<string>();
  for (const p of resEl.patterns) {
    const m = matchResourcePattern(p, resource, env);
    inList = or2(inList, m.result);
    if (m.result === true) matchedResources.push(p.source);
    if (m.resolved !== undefined) resolved.push(m.resolved);
    for (const k of m.missingKeys) resMissing.add(k);
  }
  const resourceResult: Tri = resEl.element === "Resource" ? inList : inList === UNKNOWN ? UNKNOWN : !inList;
  const resourceExpl: ResourceMatchExplanation = {
    element: resEl.element,
    patterns: resEl.values,
    matchedPatterns: matchedResources,
    ...(resolved.length > 0 ? { resolvedPatterns: resolved } : {}),
    resource: env.resourceKnown ? resource : null,
    result: resourceResult,
    missingKeys: resourceResult === UNKNOWN ? [...resMissing] : [],
    implicit: resEl.implicit,
  };
  const shownResource = env.resourceKnown ? resource : "(no resource given)";
  if (resourceResult === false) {
    const reason =
      resEl.element === "Resource"
        ? `${action} matches, but resource ${shownResource} is not matched by Resource ${list(resEl.values)}`
        : `${action} matches, but resource ${shownResource} is excluded by NotResource ${list(matchedResources)}`;
    return statementResult(ref, false, actionExpl, [], reason, resourceExpl);
  }

  const block = evaluateConditions(stmt.conditions, env);
  let applies: Tri;
  if (block.result === false) applies = false;
  else if (block.result === UNKNOWN || resourceResult === UNKNOWN) applies = UNKNOWN;
  else applies = true;
  const missingKeys =
    applies === UNKNOWN ? [...new Set([...resourceExpl.missingKeys, ...block.missingKeys])] : [];
  const parts: string[] = [
    actionEl.element === "Action"
      ? `action ${action} matches ${list(matchedActions)}`
      : `action ${action} is not in NotAction`,
    resourceResult === true
      ? resEl.element === "Resource"
        ? `resource ${shownResource} matches ${list(matchedResources)}`
        : `resource ${shownResource} is not in NotResource`
      : `resource undecided (${resourceExpl.missingKeys.join(", ") || "unknown"})`,
  ];
  if (block.conditions.length > 0) {
    const failed = block.conditions.filter((c) => c.result === false);
    const unknown = block.conditions.filter((c) => c.result === UNKNOWN);
    // Each condition carries its own full reason; the statement names them only.
    if (failed.length > 0) parts.push(`condition false: ${failed.map(conditionLabel).join(", ")}`);
    else if (unknown.length > 0) parts.push(`condition undecided: ${unknown.map(conditionLabel).join(", ")}`);
    else parts.push(`all ${block.conditions.length} condition(s) hold`);
  }
  const verdict = applies === true ? "applies" : applies === false ? "does not apply" : "may apply";
  const out = statementResult(
    ref,
    applies,
    actionExpl,
    missingKeys,
    `${verdict}: ${parts.join("; ")}`,
    resourceExpl,
  );
  out.conditions = block.conditions;
  out.conditionResult = block.result;
  return out;
}

/** Builds the result with a fixed property order: object spread here was the hot spot of evaluation. */
function statementResult(
  ref: StatementRef,
  applies: Tri,
  action: ActionMatchExplanation,
  missingKeys: string[],
  reason: string,
  resource?: ResourceMatchExplanation,
): StatementEvaluation {
  const out: StatementEvaluation = {
    level: ref.level,
    policyId: ref.policyId,
    policyName: ref.policyName,
    statementIndex: ref.statementIndex,
    effect: ref.effect,
    applies,
    action,
    missingKeys,
    reason,
  };
  if (ref.sid !== undefined) out.sid = ref.sid;
  if (resource) out.resource = resource;
  return out;
}

interface Prepared {
  kind: PolicyKind;
  env: EvalEnv;
  action: string;
  lowerAction: string;
  resource: string;
  principal?: PrincipalInfo;
  derived: Record<string, string>;
  notes: string[];
  warnings: string[];
}

function prepare(request: EvaluationRequest, chain: EvaluationChain, options: EvaluateOptions): Prepared {
  if (typeof request.action !== "string" || !ACTION_FORMAT.test(request.action)) {
    throw new EvaluationInputError(
      `action must be one action as "service:ActionName" without wildcards (for example s3:PutObject), not ${JSON.stringify(request.action)}`,
    );
  }
  if (chain.levels.length === 0)
    throw new EvaluationInputError("the chain has no levels (expected root, OUs, account)");
  const notes: string[] = [];
  const warnings: string[] = [];
  const context = RequestContextValues.from(request.context);
  const derived: Record<string, string> = {};
  const fill = (key: string, value: string, source: string) => {
    const existing = context.get(key);
    if (existing) {
      if (existing.values.length !== 1 || existing.values[0] !== value) {
        warnings.push(
          `context ${existing.key} = ${JSON.stringify(existing.values)} differs from ${value} derived from ${source}; the context value is used`,
        );
      }
      return;
    }
    context.set(key, value);
    derived[key] = value;
  };

  let principal: PrincipalInfo | undefined;
  if (request.principalArn) {
    principal = describePrincipal(request.principalArn);
    notes.push(...principal.notes);
    fill("aws:PrincipalArn", principal.principalArn, "principalArn");
    const type = PRINCIPAL_TYPE[principal.kind];
    if (type) fill("aws:PrincipalType", type, "principalArn");
  }
  const account = request.principalAccount ?? principal?.account;
  if (request.principalAccount && principal?.account && request.principalAccount !== principal.account) {
    warnings.push(
      `principalAccount ${request.principalAccount} differs from the account in principalArn (${principal.account})`,
    );
  }
  if (account)
    fill("aws:PrincipalAccount", account, request.principalAccount ? "principalAccount" : "principalArn");
  const fixedRegion = fixedRequestRegion(request.action.split(":")[0] ?? "");
  if (fixedRegion) {
    // A single-endpoint service is authorized in its endpoint's region, not the one the caller names.
    if (request.region && request.region !== fixedRegion) {
      notes.push(
        `${request.action.split(":")[0]} has a single endpoint: AWS evaluates aws:RequestedRegion as ${fixedRegion}, not ${request.region}`,
      );
    }
    fill("aws:RequestedRegion", fixedRegion, `the single ${fixedRegion} endpoint of the service`);
  } else if (request.region) fill("aws:RequestedRegion", request.region, "region");
  if (options.now) {
    fill("aws:CurrentTime", options.now.toISOString(), "now");
    fill("aws:EpochTime", String(Math.floor(options.now.getTime() / 1000)), "now");
  }

  const kind = policyKindOf(chain.policyType);
  const target = chain.target ?? chain.levels[chain.levels.length - 1]?.target;
  if (target && target.type !== "ACCOUNT") {
    notes.push(
      `The chain ends at ${target.type === "ROOT" ? "the root" : `OU ${target.name}`}: only these levels are evaluated; ` +
        "an account below also needs its own policies to allow the request (SCPs) and may add denials.",
    );
  }
  if (kind === "SCP" && target?.type === "ACCOUNT" && account && account !== target.id) {
    warnings.push(
      `the principal's account (${account}) is not the chain's account (${target.id}): SCPs apply through the chain of the principal's own account`,
    );
  }
  if (kind === "RCP" && target?.type === "ACCOUNT" && request.resource) {
    const owner = parseArn(request.resource)?.account;
    if (owner && owner !== target.id && owner !== "*") {
      warnings.push(
        `the resource's account (${owner}) is not the chain's account (${target.id}): RCPs apply through the chain of the account that owns the resource`,
      );
    }
  }
  if (kind === "SCP" && context.get("aws:PrincipalIsAWSService")?.values[0]?.toLowerCase() === "true") {
    notes.push(
      "aws:PrincipalIsAWSService is true: SCPs restrict the IAM users and roles of member accounts, so check " +
        "whether an AWS service principal (rather than a role in the account) makes this call.",
    );
  }
  if (!request.resource) {
    notes.push(
      'No resource given: statements whose Resource is "*" can match; specific resource patterns are left undecided.',
    );
  }

  return {
    kind,
    env: {
      context,
      missingKeys: options.missingKeys ?? "unknown",
      resourceKnown: request.resource !== undefined,
      readingsUsed: [],
      ...(options.alternativeReadings ? { alternativeReadings: options.alternativeReadings } : {}),
    },
    action: request.action,
    lowerAction: request.action.toLowerCase(),
    resource: request.resource ?? "*",
    ...(principal ? { principal } : {}),
    derived,
    notes,
    warnings,
  };
}

function evaluateLevels(chain: EvaluationChain, p: Prepared): LevelEvaluation[] {
  return chain.levels.map((level, index) => {
    const ref = levelRef(index, level.target);
    let allow: Tri = false;
    let deny: Tri = false;
    const policies = level.policies.map((policy): PolicyEvaluation => {
      const parsed = resolvePolicy(policy, p.kind, p.warnings);
      const statements = parsed.statements.map((stmt) => {
        const sref: StatementRef = {
          level: ref,
          policyId: policy.id,
          policyName: policy.name,
          statementIndex: stmt.index,
          effect: stmt.effect,
        };
        if (stmt.sid !== undefined) sref.sid = stmt.sid;
        const e = evaluateStatement(stmt, sref, p);
        if (stmt.effect === "Allow") allow = or2(allow, e.applies);
        else deny = or2(deny, e.applies);
        return e;
      });
      return {
        policyId: policy.id,
        policyName: policy.name,
        ...(policy.awsManaged !== undefined ? { awsManaged: policy.awsManaged } : {}),
        statements,
        warnings: parsed.warnings,
      };
    });
    return { level: ref, allow, deny, policies };
  });
}

interface Verdict {
  decision: Decision;
  deciding: StatementEvaluation[];
  missingAllowAt: MissingAllow[];
  missingContextKeys: string[];
  undecidedDeny: StatementEvaluation[];
  undecidedAllowLevels: LevelEvaluation[];
}

function decide(levels: readonly LevelEvaluation[], allowRequired: boolean): Verdict {
  // One pass over the statements, sorting them by effect and result.
  const matchingDeny: StatementEvaluation[] = [];
  const undecidedDeny: StatementEvaluation[] = [];
  const matchingAllow: StatementEvaluation[] = [];
  for (const l of levels) {
    for (const pol of l.policies) {
      for (const s of pol.statements) {
        if (s.effect === "Deny") {
          if (s.applies === true) matchingDeny.push(s);
          else if (s.applies === UNKNOWN) undecidedDeny.push(s);
        } else if (s.applies === true) matchingAllow.push(s);
      }
    }
  }
  const base = {
    missingContextKeys: [] as string[],
    undecidedDeny,
    undecidedAllowLevels: [] as LevelEvaluation[],
  };
  if (matchingDeny.length > 0) {
    return {
      ...base,
      decision: "explicitly_denied",
      deciding: matchingDeny,
      missingAllowAt: [],
      undecidedDeny: [],
    };
  }
  if (allowRequired) {
    const noAllow = levels.filter((l) => l.allow === false);
    if (noAllow.length > 0) {
      const missingAllowAt = noAllow.map((l): MissingAllow => {
        const allowStatements = l.policies.flatMap((pol) =>
          pol.statements.filter((s) => s.effect === "Allow"),
        );
        const reason =
          allowStatements.length === 0
            ? `no Allow statement is attached at ${describeTarget(l.level)}`
            : `none of the ${allowStatements.length} Allow statement(s) at ${describeTarget(l.level)} applies`;
        return { ...l.level, allowStatements, reason };
      });
      return { ...base, decision: "implicitly_denied", deciding: [], missingAllowAt };
    }
  }
  const undecidedAllowLevels = allowRequired ? levels.filter((l) => l.allow === UNKNOWN) : [];
  if (undecidedDeny.length > 0 || undecidedAllowLevels.length > 0) {
    const undecidedAllows = undecidedAllowLevels.flatMap((l) =>
      l.policies.flatMap((pol) =>
        pol.statements.filter((s) => s.effect === "Allow" && s.applies === UNKNOWN),
      ),
    );
    const deciding = [...undecidedDeny, ...undecidedAllows];
    // Policies may spell one key differently (aws:PrincipalARN, aws:PrincipalArn): report it once.
    const byNormalized = new Map<string, string>();
    for (const k of deciding.flatMap((s) => s.missingKeys)) {
      const n = normalizeConditionKey(k);
      if (!byNormalized.has(n)) byNormalized.set(n, k);
    }
    const missingContextKeys = [...byNormalized.values()];
    return {
      decision: "depends_on_context",
      deciding,
      missingAllowAt: [],
      missingContextKeys,
      undecidedDeny,
      undecidedAllowLevels,
    };
  }
  return { ...base, decision: "allowed", deciding: matchingAllow, missingAllowAt: [], undecidedDeny: [] };
}

function summarise(kind: PolicyKind, v: Verdict, levels: readonly LevelEvaluation[], action: string): string {
  const types = kind === "SCP" ? "SCPs" : "RCPs";
  switch (v.decision) {
    case "explicitly_denied":
      return `${action} is explicitly denied by the ${types}: ${v.deciding.map(describeStatement).join("; ")}.`;
    case "implicitly_denied":
      return (
        `${action} is implicitly denied by the ${types}: ${v.missingAllowAt.map((m) => m.reason).join("; ")}` +
        (v.undecidedDeny.length > 0
          ? ` (and ${v.undecidedDeny.length} Deny statement(s) might also apply)`
          : "") +
        "."
      );
    case "depends_on_context":
      return (
        `${action} depends on the request context: ${v.deciding.length} statement(s) cannot be decided without ` +
        `${v.missingContextKeys.join(", ")}.`
      );
    case "allowed":
      return kind === "SCP"
        ? `${action} is allowed by the SCPs: no Deny statement applies and each of the ${levels.length} level(s) has an Allow that applies.`
        : `${action} is not restricted by the RCPs: no Deny statement applies.`;
  }
}

interface KeyCase {
  context: Record<string, ContextValue>;
  decision: Decision;
}

interface Explored {
  /** The all-absent case first. */
  cases: KeyCase[];
  /** Every missing key was enumerated. */
  complete: boolean;
}

/**
 * The decision in every case the enumerable missing keys can take (explore.ts), or undefined when
 * none is enumerable. Only the undecided statements the answer waits for are read: a statement
 * decided without a key does not depend on it, and an Allow at a level another Allow settles does
 * not matter.
 */
function exploreMissingKeys(
  request: EvaluationRequest,
  chain: EvaluationChain,
  options: EvaluateOptions,
  verdict: Verdict,
  kind: PolicyKind,
  notes: string[],
): Explored | undefined {
  const statements = verdict.deciding.flatMap((s) => {
    const policy = chain.levels[s.level.index]?.policies.find((pol) => pol.id === s.policyId);
    const parsed = policy ? resolvePolicy(policy, kind, []) : undefined;
    return parsed?.statements.filter((st) => st.index === s.statementIndex) ?? [];
  });
  const keys = missingKeyContexts(verdict.missingContextKeys, statements);
  if (!keys) return undefined;
  if ("tooMany" in keys) {
    notes.push(
      `The outcomes are not enumerated: the missing keys have ${keys.tooMany} combinations of cases, more than ${MAX_CONTEXTS}; give some of them to narrow the answer.`,
    );
    return undefined;
  }
  const cases = keys.contexts.map((context): KeyCase => {
    const { decision } = evaluate({ ...request, context: { ...request.context, ...context } }, chain, {
      ...options,
      outcomes: false,
      caveats: false,
    });
    return { context, decision };
  });
  return { cases, complete: keys.complete };
}

/** Every case of the missing keys gives one decision: the answer, explained for one of the cases. */
function settled(
  undecided: EvaluationResult,
  context: Record<string, ContextValue>,
  keys: readonly string[],
  request: EvaluationRequest,
  chain: EvaluationChain,
  options: EvaluateOptions,
): EvaluationResult {
  const shown = evaluate({ ...request, context: { ...request.context, ...context } }, chain, {
    ...options,
    outcomes: false,
  });
  const assignment = Object.entries(context)
    .map(
      ([k, v]) =>
        `${k} = ${typeof v === "string" ? JSON.stringify(v) : v.length === 0 ? "absent" : JSON.stringify(v)}`,
    )
    .join(", ");
  const note =
    `${keys.join(", ")} cannot change the decision: every case ${keys.length === 1 ? "it" : "they"} can take ` +
    `(absent, each value the policies compare, any other value) gives ${shown.decision.replace(/_/g, " ")}. ` +
    `The statements are explained for ${assignment}.`;
  return {
    ...shown,
    summary: `${shown.summary} ${note}`,
    context: undecided.context,
    derivedContext: undecided.derivedContext,
    notes: [...shown.notes, note],
  };
}

function outcomesFor(
  v: Verdict,
  request: EvaluationRequest,
  chain: EvaluationChain,
  options: EvaluateOptions,
  explored: Explored | undefined,
): Outcome[] {
  const outcomes = listOutcomes(v, request, chain, options);
  if (!explored) return outcomes;
  // Each outcome gets a case that yields it; with every key enumerated, one no case yields is dropped.
  const { cases, complete } = explored;
  return outcomes.flatMap((o) => {
    const found =
      o.scenario === "missing_keys_absent"
        ? complete
          ? cases[0]
          : undefined
        : cases.find((c) => c.decision === o.decision);
    if (found) return [{ ...o, context: found.context }];
    return complete ? [] : [o];
  });
}

function listOutcomes(
  v: Verdict,
  request: EvaluationRequest,
  chain: EvaluationChain,
  options: EvaluateOptions,
): Outcome[] {
  const outcomes: Outcome[] = [];
  if (v.missingContextKeys.some((k) => k !== RESOURCE_KEY)) {
    const absent = evaluate(request, chain, {
      ...options,
      missingKeys: "absent",
      outcomes: false,
      caveats: false,
    });
    outcomes.push({
      scenario: "missing_keys_absent",
      decision: absent.decision,
      description:
        "if the missing keys are not in the real request (AWS then reads positive operators as false and negated ones as true)",
    });
  }
  if (v.undecidedDeny.length > 0) {
    outcomes.push({
      scenario: "undecided_deny_matches",
      decision: "explicitly_denied",
      description: `if any of the undecided Deny statements applies: ${v.undecidedDeny.map(describeStatement).join("; ")}`,
    });
  }
  if (v.undecidedAllowLevels.length > 0) {
    outcomes.push({
      scenario: "undecided_allow_does_not_match",
      decision: "implicitly_denied",
      description: `if no undecided Allow applies at ${v.undecidedAllowLevels.map((l) => describeTarget(l.level)).join(", ")}`,
    });
  }
  outcomes.push({
    scenario: "undecided_statements_favourable",
    decision: "allowed",
    description: "if no undecided Deny applies and an undecided Allow applies at every level that needs one",
  });
  return outcomes;
}

/**
 * Evaluates a request against a chain of SCPs or RCPs (chain.policyType decides which).
 * Throws EvaluationInputError for a malformed request or chain, PolicyParseError for an invalid policy.
 */
/** aws:PrincipalType by principal kind; a role acts through its sessions, so a role ARN is AssumedRole. */
const PRINCIPAL_TYPE: Readonly<Record<PrincipalKind, string | undefined>> = {
  root: "Account",
  "iam-user": "User",
  "iam-role": "AssumedRole",
  "service-linked-role": "AssumedRole",
  "assumed-role": "AssumedRole",
  "federated-user": "FederatedUser",
  other: undefined,
};

export function evaluate(
  request: EvaluationRequest,
  chain: EvaluationChain,
  options: EvaluateOptions = {},
): EvaluationResult {
  const p = prepare(request, chain, options);
  const catalogue = options.catalogue ?? getCatalogue();
  const actionCheck = catalogue.checkAction(p.action);
  if (actionCheck.status === "unknown_action" || actionCheck.status === "unknown_service") {
    p.warnings.push(
      `${actionCheck.message ?? "unknown action"}; the policies were evaluated for ${p.action} as written`,
    );
  } else if (actionCheck.status === "not_loaded") {
    p.warnings.push(
      `the action was not checked against the IAM catalogue (${actionCheck.message ?? "not loaded"})`,
    );
  }

  const levels = evaluateLevels(chain, p);
  const allowRequired = p.kind === "SCP";
  const verdict = decide(levels, allowRequired);

  if (p.kind === "RCP") {
    const missingFull = levels.filter((l) =>
      l.policies.every((pol) => pol.statements.every((s) => s.effect !== "Allow")),
    );
    if (missingFull.length > 0) {
      p.notes.push(
        `RCPFullAWSAccess is not shown at ${missingFull.map((l) => describeTarget(l.level)).join(", ")}; AWS attaches it to every root, OU and account, so no Allow is required.`,
      );
    }
    if (actionCheck.service === "kms") {
      p.notes.push("RCPs do not apply to AWS managed KMS keys; this result holds for customer managed keys.");
    }
  }

  const exemption = findExemption(p, chain, catalogue, actionCheck);
  const keysAssumedAbsent = exemption ? [] : assumedAbsentKeys(verdict);
  if (keysAssumedAbsent.length > 0) {
    p.notes.push(
      `The decision relies on ${keysAssumedAbsent.join(", ")} being absent from the request ` +
        "(IfExists, Null or a set operator defines that case); supply the key(s) if the real request carries them.",
    );
  }
  const result: EvaluationResult = {
    policyType: chain.policyType,
    kind: p.kind,
    decision: exemption ? "allowed" : verdict.decision,
    summary: exemption
      ? `${p.action} is allowed: ${exemption.reason}`
      : summarise(p.kind, verdict, levels, p.action),
    decidingStatements: exemption ? [] : verdict.deciding,
    missingAllowAt: exemption ? [] : verdict.missingAllowAt,
    missingContextKeys: exemption ? [] : verdict.missingContextKeys,
    keysAssumedAbsent,
    ...(exemption ? { exemption, decisionWithoutExemption: verdict.decision } : {}),
    ...(!exemption && verdict.decision === "implicitly_denied" && verdict.undecidedDeny.length > 0
      ? { undecidedDenyStatements: verdict.undecidedDeny }
      : {}),
    action: actionCheck,
    ...(p.principal ? { principal: p.principal } : {}),
    context: p.env.context.toRecord(),
    derivedContext: p.derived,
    levels,
    notes: p.notes,
    warnings: p.warnings,
    caveats: [],
  };
  if (!exemption && verdict.decision === "depends_on_context" && options.outcomes !== false) {
    const explored = exploreMissingKeys(request, chain, options, verdict, p.kind, result.notes);
    const decisions = new Set(explored?.cases.map((c) => c.decision));
    const first = explored?.cases[0];
    if (first && decisions.size === 1 && !decisions.has("depends_on_context")) {
      return settled(result, first.context, verdict.missingContextKeys, request, chain, options);
    }
    result.outcomes = outcomesFor(verdict, request, chain, options, explored);
  }
  if (!exemption && options.caveats !== false) result.caveats = caveatsFor(result, request, chain, options);
  return result;
}

/**
 * For each open reading a statement relied on, the decision with that one question read the other way;
 * a caveat when it differs. Each evaluation again costs one pass over the chain, paid only then.
 */
function caveatsFor(
  result: EvaluationResult,
  request: EvaluationRequest,
  chain: EvaluationChain,
  options: EvaluateOptions,
): Caveat[] {
  const byReading = new Map<ReadingId, StatementEvaluation[]>();
  for (const l of result.levels) {
    for (const pol of l.policies) {
      for (const s of pol.statements) {
        for (const r of s.readings ?? []) {
          const list = byReading.get(r);
          if (list) list.push(s);
          else byReading.set(r, [s]);
        }
      }
    }
  }
  const caveats: Caveat[] = [];
  for (const [reading, statements] of byReading) {
    const other = evaluate(request, chain, {
      ...options,
      outcomes: false,
      caveats: false,
      alternativeReadings: new Set([reading]),
    }).decision;
    if (other === result.decision) continue;
    const info = READINGS[reading];
    const named = statements.slice(0, 3).map(describeStatement).join("; ");
    const more = statements.length > 3 ? ` and ${statements.length - 3} more` : "";
    caveats.push({
      reading,
      statements: statements.map(statementRef),
      decisionUnderOtherReading: other,
      source: info.source.url,
      message:
        `${named}${more}: ${info.subject} is read as ${info.followed} (${info.source.url}); ` +
        `if AWS reads it as ${info.alternative}, the decision is ${other.replace(/_/g, " ")}, not ${result.decision.replace(/_/g, " ")}.`,
    });
  }
  return caveats;
}

function statementRef(s: StatementEvaluation): StatementRef {
  const ref: StatementRef = {
    level: s.level,
    policyId: s.policyId,
    policyName: s.policyName,
    statementIndex: s.statementIndex,
    effect: s.effect,
  };
  if (s.sid !== undefined) ref.sid = s.sid;
  return ref;
}

/** Keys read as absent by the statements that decide (or, for an implicit deny, the Allows that failed). */
function assumedAbsentKeys(v: Verdict): string[] {
  const statements = [...v.deciding, ...v.missingAllowAt.flatMap((m) => m.allowStatements)];
  const keys = new Map<string, string>();
  for (const s of statements) {
    for (const c of s.conditions ?? []) {
      if (c.assumedAbsent) {
        const n = normalizeConditionKey(c.key);
        if (!keys.has(n)) keys.set(n, c.key);
      }
    }
  }
  return [...keys.values()];
}

function findExemption(
  p: Prepared,
  chain: EvaluationChain,
  catalogue: Catalogue,
  actionCheck: ActionCheck,
): Exemption | undefined {
  const mgmt = chain.managementAccountId;
  const noPermission = NEEDS_NO_PERMISSION.get(p.lowerAction);
  if (noPermission) {
    p.notes.push(`${p.action} needs no permission: "${noPermission.quote}" (${noPermission.source})`);
    return {
      kind: "action_needs_no_permission",
      reason: `${p.action} needs no permission, so no ${p.kind} can deny it, not even an explicit Deny (STS API reference)`,
    };
  }
  if (p.kind === "SCP") {
    if (chain.isManagementAccount) {
      return { kind: "management_account", reason: "the management account is not subject to SCPs" };
    }
    const account = p.env.context.get("aws:PrincipalAccount")?.values[0];
    if (mgmt && account === mgmt) {
      return {
        kind: "management_account",
        reason: `the principal is in the management account (${mgmt}), which is not subject to SCPs`,
      };
    }
    if (p.principal?.isServiceLinkedRole) {
      return {
        kind: "service_linked_role",
        reason: `${p.principal.input} is a service-linked role (path /aws-service-role/), which SCPs do not restrict`,
      };
    }
    return undefined;
  }
  if (chain.isManagementAccount) {
    return { kind: "management_account", reason: "RCPs do not apply to resources in the management account" };
  }
  const supported = catalogue.rcpSupportsService(actionCheck.service);
  if (supported === false) {
    return {
      kind: "rcp_unsupported_service",
      reason: `${actionCheck.service} does not support RCPs, so RCPs do not restrict ${p.action}`,
    };
  }
  if (supported === undefined) {
    p.warnings.push(
      `the RCP service list is not loaded (prime the catalogue); ${actionCheck.service} was evaluated as if it supports RCPs`,
    );
  }
  if (RCP_UNRESTRICTED_ACTIONS.has(p.lowerAction)) {
    return {
      kind: "rcp_action_not_restricted",
      reason: `${p.action} is not restricted by RCPs, even by Action "*"`,
    };
  }
  if (p.principal?.isServiceLinkedRole) {
    return {
      kind: "service_linked_role",
      reason: `${p.principal.input} is a service-linked role, which RCPs do not restrict`,
    };
  }
  return undefined;
}

/** Combines SCP and RCP results for one request: any denial wins, then undecided, then allowed. */
export function combineDecisions(decisions: readonly Decision[]): Decision {
  if (decisions.includes("explicitly_denied")) return "explicitly_denied";
  if (decisions.includes("implicitly_denied")) return "implicitly_denied";
  if (decisions.includes("depends_on_context")) return "depends_on_context";
  return "allowed";
}
