/**
 * lint_scp_policy: mistakes that AWS accepts but that silently weaken (or break) a guardrail, on top
 * of the grammar errors the parser already reports. Pure: the IAM catalogue data comes in through
 * the options (prepareLint loads it), and rules that need data that is not loaded are skipped.
 */
import type { PolicyType } from "../model/policy-type.js";
import { getCatalogue, primeCatalogue, type Catalogue } from "./catalogue.js";
import { countBySeverity, severityRank, type Severity } from "./findings.js";
import { GLOBAL_SERVICES } from "./global-services.js";
import { loadIamIndex, servicesMentioned, type IamIndex } from "./iam-index.js";
import { parsePathString } from "./json-locate.js";
import { JsonPositions } from "./json-positions.js";
import { LINT_RULE_IDS, LINT_RULES, type LintRuleId } from "./lint-rules/registry.js";
import { matchAction, resourcePartStart, wildcardMatch } from "./match.js";
import { normalizeAction, patternSubsumes } from "./normalize.js";
import {
  parsePolicy,
  type ParsedCondition,
  type ParsedPolicy,
  type ParsedStatement,
  type PolicyIssue,
} from "./parse.js";
import { policyKindOf } from "../model/policy-type.js";
import { MAX_OU_DEPTH, MAX_POLICIES_PER_TARGET, POLICY_SIZE_LIMITS } from "./quotas.js";

export { LINT_RULES, LINT_RULE_IDS, type LintRuleId, type LintRuleInfo } from "./lint-rules/registry.js";

export interface LintLocation {
  statementIndex: number | null;
  sid: string | null;
  /** The statement element (Action, Condition...), or a top-level element. */
  element: string | null;
  /** Path in the document, e.g. Statement[0].Condition["ArnNotLike"]["aws:PrincipalArn"]. */
  path: string;
  /** 1-based, when the document was given as text. */
  line: number | null;
  column: number | null;
}

export interface LintFinding {
  ruleId: LintRuleId;
  severity: Severity;
  message: string;
  location: LintLocation;
  suggestedFix: string | null;
}

/** The quotas lint checks against (defaults in quotas.ts). */
export interface LintLimits {
  /** Characters; default 10,240 (SCPs, since May 2026). */
  scpSize: number;
  /** Characters; default 5,120. */
  rcpSize: number;
  /** Policies of the linted policy's type per root, OU or account; default 10 for SCPs, 5 for RCPs. */
  policiesPerTarget: number;
  ouDepth: number;
}

/** The quotas AWS applies to a policy of this type. */
export function defaultLintLimits(type: PolicyType): LintLimits {
  return {
    scpSize: POLICY_SIZE_LIMITS.SERVICE_CONTROL_POLICY,
    rcpSize: POLICY_SIZE_LIMITS.RESOURCE_CONTROL_POLICY,
    policiesPerTarget: MAX_POLICIES_PER_TARGET[type],
    ouDepth: MAX_OU_DEPTH,
  };
}

/** Where a policy is attached, for the quota rules (lint by policy id). */
export interface LintTarget {
  id: string;
  type: "ROOT" | "ORGANIZATIONAL_UNIT" | "ACCOUNT";
  name: string;
  path: string;
  /** Policies of the same type attached directly to the target, this one included. */
  attachedPolicies: number;
  /** OU nesting level under the root (1 for an OU directly under the root); absent for roots and accounts. */
  ouDepth?: number;
}

export interface LintOptions {
  type: PolicyType;
  /** Defaults to the shared catalogue (loaded by prepareLint). */
  catalogue?: Catalogue;
  /** Actions, condition keys and key types; rules that need it are skipped without it. */
  iam?: IamIndex;
  limits?: Partial<LintLimits>;
  targets?: readonly LintTarget[];
  /**
   * Findings listed per rule, most severe first; the others are counted in `omitted`. Only listed
   * findings get their suggested fix and position worked out. Default: all.
   */
  maxFindingsPerRule?: number;
  /** Asked between units of work (a rule on a statement); true stops the lint there (a time budget). */
  shouldStop?: () => boolean;
}

export interface LintResult {
  type: PolicyType;
  /** Characters of the document as given (JSON text), or of its compact JSON form. */
  size: number;
  sizeLimit: number;
  findings: LintFinding[];
  /** Every finding by severity, those not listed included. */
  bySeverity: Record<Severity, number>;
  /** Findings not listed, by rule (over maxFindingsPerRule). */
  omitted: Partial<Record<LintRuleId, number>>;
  /** The parsed document, when it parses. */
  parsed: ParsedPolicy | null;
  /** Rules skipped because the catalogue data they need was not loaded. */
  skipped: string[];
  /** Set when shouldStop stopped the lint: the rules run on every statement, and the others. */
  stopped: { rulesRun: LintRuleId[]; rulesNotRun: LintRuleId[] } | null;
}

// ---------------------------------------------------------------------------------------------

const PRINCIPAL_KEYS = new Set([
  "aws:principalarn",
  "aws:principalaccount",
  "aws:userid",
  "aws:username",
  "aws:principaltype",
  "aws:principalisawsservice",
  "aws:principalorgpaths",
  "aws:sourceidentity",
]);
const isPrincipalKey = (k: string): boolean => PRINCIPAL_KEYS.has(k) || k.startsWith("aws:principaltag/");

/** Actions nobody should ever be exempt from (AWS's own example has no exemption). */
const NEVER_EXEMPT = new Set(["organizations:leaveorganization"]);

/** Bool keys that every request carries, so a plain Bool on them is fine. */
const ALWAYS_PRESENT_BOOL_KEYS = new Set([
  "aws:securetransport",
  "aws:viaawsservice",
  "aws:principalisawsservice",
]);

/** Keys whose values the catalogue may not list as multivalued although they are. */
const MULTIVALUED_KEYS = new Set([
  "aws:tagkeys",
  "aws:principalorgpaths",
  "aws:calledvia",
  "aws:principalservicenameslist",
  "aws:resourceorgpaths",
  "aws:sourceorgpaths",
  "aws:vpceorgpaths",
]);

/** Operator families that need a key of a matching type; String and Null fit any key. */
const FAMILY_TYPES: Partial<Record<string, readonly string[]>> = {
  Numeric: ["numeric", "long", "integer"],
  Date: ["date"],
  Bool: ["bool", "boolean"],
  IpAddress: ["ipaddress"],
  Arn: ["arn"],
  Binary: ["binary"],
};

const hasWildcard = (v: string): boolean => /[*?]/.test(v.replace(/\$\{[*?$]\}/g, ""));
/** Values named in a message: the first few, then how many more (a message must not grow with a statement). */
const MAX_NAMED = 8;
const names = (values: readonly string[], quote = false): string => {
  const shown = values.slice(0, MAX_NAMED).map((v) => (quote ? `"${v}"` : v));
  return `${shown.join(", ")}${values.length > shown.length ? ` and ${values.length - shown.length} more` : ""}`;
};
const list = (values: readonly string[]): string => names(values, true);

/** Longest message or fix: they quote the document, whose values can be long. */
const MAX_MESSAGE_CHARS = 2_000;
const shorten = (text: string): string =>
  text.length <= MAX_MESSAGE_CHARS
    ? text
    : `${text.slice(0, MAX_MESSAGE_CHARS)}...[${text.length - MAX_MESSAGE_CHARS} more characters]`;

/** A suggested fix, or a function that works it out (a did-you-mean search), run only for listed findings. */
type Fix = string | null | (() => string | null);

/** A finding before the cap per rule: its fix and position are worked out only if it is listed. */
interface Draft {
  ruleId: LintRuleId;
  severity: Severity;
  message: string;
  statementIndex: number | null;
  sid: string | null;
  element: string | null;
  path: string;
  fix: Fix;
  /** Given by the parser for JSON syntax errors. */
  position?: { line: number; column: number };
}

class Collector {
  private readonly drafts: Draft[] = [];
  private positions: JsonPositions | undefined;
  constructor(private readonly text: string | undefined) {}

  add(
    ruleId: LintRuleId,
    where: { statement?: ParsedStatement; element?: string; path: string },
    message: string,
    suggestedFix: Fix,
    severity: Severity = LINT_RULES[ruleId].severity,
  ): void {
    this.drafts.push({
      ruleId,
      severity,
      message,
      statementIndex: where.statement?.index ?? null,
      sid: where.statement?.sid ?? null,
      element: where.element ?? null,
      path: where.path,
      fix: suggestedFix,
    });
  }

  fromIssue(issue: PolicyIssue, ruleId: LintRuleId, severity: Severity, fix: string | null): void {
    this.drafts.push({
      ruleId,
      severity,
      message: issue.message,
      statementIndex: issue.location.statementIndex ?? null,
      sid: issue.location.sid ?? null,
      element: issue.location.element ?? null,
      path: issue.location.path,
      fix,
      ...(issue.location.line !== undefined
        ? { position: { line: issue.location.line, column: issue.location.column ?? 1 } }
        : {}),
    });
  }

  /**
   * The findings, most severe first, at most `perRule` of each rule (the others counted), each
   * with its fix and its line and column (when the document was given as text).
   */
  finish(perRule: number): Pick<LintResult, "findings" | "bySeverity" | "omitted"> {
    const sorted = this.drafts.sort(
      (a, b) =>
        severityRank(a.severity) - severityRank(b.severity) ||
        (a.statementIndex ?? -1) - (b.statementIndex ?? -1) ||
        a.ruleId.localeCompare(b.ruleId),
    );
    const listed = new Map<LintRuleId, number>();
    const omitted: Partial<Record<LintRuleId, number>> = {};
    const findings: LintFinding[] = [];
    for (const d of sorted) {
      const n = listed.get(d.ruleId) ?? 0;
      if (n >= perRule) {
        omitted[d.ruleId] = (omitted[d.ruleId] ?? 0) + 1;
        continue;
      }
      listed.set(d.ruleId, n + 1);
      findings.push(this.materialise(d));
    }
    return { findings, bySeverity: countBySeverity(sorted), omitted };
  }

  private materialise(d: Draft): LintFinding {
    const pos = d.position ?? this.locate(d.path);
    const fix = typeof d.fix === "function" ? d.fix() : d.fix;
    return {
      ruleId: d.ruleId,
      severity: d.severity,
      message: shorten(d.message),
      location: {
        statementIndex: d.statementIndex,
        sid: d.sid,
        element: d.element,
        path: d.path,
        line: pos?.line ?? null,
        column: pos?.column ?? null,
      },
      suggestedFix: fix === null ? null : shorten(fix),
    };
  }

  private locate(path: string): { line: number; column: number } | undefined {
    if (this.text === undefined) return undefined;
    this.positions ??= new JsonPositions(this.text);
    return this.positions.locate(parsePathString(path));
  }
}

function issueRule(issue: PolicyIssue): { ruleId: LintRuleId; severity: Severity; fix: string | null } {
  switch (issue.code) {
    case "invalid_json":
      return {
        ruleId: "invalid_json",
        severity: "critical",
        fix: "Fix the JSON syntax at the position shown.",
      };
    case "principal_not_allowed":
    case "notprincipal_not_allowed":
      return {
        ruleId: "principal_in_scp",
        severity: "high",
        fix: 'Remove Principal/NotPrincipal and add e.g. "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlassAdmin"}}.',
      };
    case "rcp_allow_not_supported":
      return { ruleId: "rcp_allow", severity: "high", fix: 'Rewrite the statement as "Effect": "Deny".' };
    case "notaction_not_allowed":
      return { ruleId: "rcp_not_action", severity: "high", fix: "List the actions to deny in Action." };
    case "invalid_condition_value":
      return {
        ruleId: "grammar_warning",
        severity: issue.severity === "error" ? "high" : "medium",
        fix: null,
      };
    default:
      return issue.severity === "error"
        ? { ruleId: "invalid_grammar", severity: "high", fix: null }
        : { ruleId: "grammar_warning", severity: "low", fix: null };
  }
}

/** What every rule family gets for one statement. */
interface RuleScope {
  out: Collector;
  s: ParsedStatement;
  kind: "SCP" | "RCP";
  catalogue: Catalogue;
  iam: IamIndex | undefined;
  variablesEnabled: boolean;
}

/**
 * The rules that read statements, by family, in the order they run: each family runs over every
 * statement before the next starts, so a lint stopped by its budget can say which rules ran.
 */
const RULE_FAMILIES: readonly {
  rules: readonly LintRuleId[];
  scpOnly?: true;
  run: (r: RuleScope) => void;
}[] = [
  {
    rules: [
      "unknown_action",
      "unknown_service",
      "wildcard_matches_nothing",
      "rcp_action_wildcard",
      "rcp_unsupported_service",
    ],
    run: (r) => checkActions(r.out, r.s, r.kind, r.catalogue, r.iam),
  },
  { rules: ["deny_of_action_needing_no_permission"], run: (r) => checkDenyOfNoPermissionAction(r.out, r.s) },
  {
    rules: ["variable_before_resource_part", "resource_arn_case"],
    run: (r) => checkResourceArns(r.out, r.s, r.variablesEnabled),
  },
  {
    rules: [
      "unknown_condition_key",
      "condition_key_not_sent",
      "arn_key_string_operator",
      "operator_type_mismatch",
      "wildcard_in_exact_operator",
      "set_operator_on_single_valued_key",
      "multivalued_key_without_set_operator",
      "for_all_values_without_null_check",
      "for_any_value_negated",
      "bool_without_if_exists",
    ],
    run: (r) => checkConditions(r.out, r.s, r.iam),
  },
  {
    rules: ["session_arn_in_principal_arn", "sso_role_without_path"],
    run: (r) => checkPrincipalValues(r.out, r.s),
  },
  { rules: ["region_deny_missing_global_services"], scpOnly: true, run: (r) => checkRegionDeny(r.out, r.s) },
  { rules: ["deny_without_exemption"], scpOnly: true, run: (r) => checkExemption(r.out, r.s) },
];

/** Rules that run before the statement rules: the parser's grammar, the size, the targets' quotas. */
const FIRST_RULES = LINT_RULE_IDS.filter((id) => !RULE_FAMILIES.some((f) => f.rules.includes(id)));

/** Lints one SCP or RCP document (JSON text or an already-parsed object). */
export function lintPolicy(input: string | object, options: LintOptions): LintResult {
  const text = typeof input === "string" ? input : undefined;
  const size = typeof input === "string" ? input.length : JSON.stringify(input).length;
  const limits = { ...defaultLintLimits(options.type), ...options.limits };
  const kind = policyKindOf(options.type);
  const sizeLimit = kind === "RCP" ? limits.rcpSize : limits.scpSize;
  const out = new Collector(text);
  const skipped = new Set<string>();

  const parsed = parsePolicy(input, { kind });
  for (const issue of parsed.issues) {
    const r = issueRule(issue);
    out.fromIssue(issue, r.ruleId, r.severity, r.fix);
  }

  checkSize(out, size, sizeLimit, options.type, parsed.ok ? text : undefined);
  for (const t of options.targets ?? []) checkTarget(out, t, limits, options.type);

  const policy = parsed.ok ? parsed.policy : null;
  let stopped: LintResult["stopped"] = null;
  if (policy) {
    const catalogue = options.catalogue ?? getCatalogue();
    if (!catalogue.loaded) skipped.add("unknown_action/unknown_service (IAM catalogue not loaded)");
    if (!options.iam) skipped.add("wildcard and condition-key rules (IAM index not loaded)");
    stopped = runFamilies(policy, { out, kind, catalogue, iam: options.iam }, options.shouldStop);
  }
  const { findings, bySeverity, omitted } = out.finish(
    options.maxFindingsPerRule ?? Number.POSITIVE_INFINITY,
  );
  return {
    type: options.type,
    size,
    sizeLimit,
    findings,
    bySeverity,
    omitted,
    parsed: policy,
    skipped: [...skipped],
    stopped,
  };
}

/** Runs each rule family over every statement; stops when asked to, saying which rules ran. */
function runFamilies(
  policy: ParsedPolicy,
  base: Omit<RuleScope, "s" | "variablesEnabled">,
  shouldStop: (() => boolean) | undefined,
): LintResult["stopped"] {
  const rulesRun: LintRuleId[] = [...FIRST_RULES];
  for (const [i, family] of RULE_FAMILIES.entries()) {
    if (family.scpOnly && base.kind !== "SCP") {
      rulesRun.push(...family.rules);
      continue;
    }
    for (const s of policy.statements) {
      if (shouldStop?.()) {
        const rulesNotRun = RULE_FAMILIES.slice(i).flatMap((f) => f.rules);
        return { rulesRun, rulesNotRun };
      }
      family.run({ ...base, s, variablesEnabled: policy.variablesEnabled });
    }
    rulesRun.push(...family.rules);
  }
  return null;
}

function checkSize(
  out: Collector,
  size: number,
  limit: number,
  type: PolicyType,
  text: string | undefined,
): void {
  const label = type === "RESOURCE_CONTROL_POLICY" ? "RCP" : "SCP";
  if (size < limit * 0.9) return;
  // AWS counts whitespace too (only the console strips it): say how much minifying would free.
  const minified = minifiedLength(text);
  const whitespace =
    minified !== undefined && size - minified >= size * 0.1
      ? ` (${size - minified} of them whitespace outside strings, which AWS counts: minified it is ${minified})`
      : "";
  if (size > limit) {
    out.add(
      "policy_size",
      { path: "$" },
      `the document is ${size} characters, over the ${label} quota of ${limit}: AWS rejects it${whitespace}`,
      "Remove whitespace (AWS counts every character), merge statements, use wildcards, or split the policy in two.",
      "high",
    );
  } else {
    out.add(
      "policy_size",
      { path: "$" },
      `the document is ${size} characters, ${Math.round((size / limit) * 100)}% of the ${label} quota of ${limit}${whitespace}`,
      whitespace
        ? "Leave room for the next change: deploy it minified (jsonencode in Terraform, or strip the whitespace) or split the policy."
        : "Leave room for the next change: minify the JSON or split the policy.",
      "low",
    );
  }
}

/** Characters of the document as compact JSON; undefined when it was given as an object or does not parse. */
function minifiedLength(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.stringify(JSON.parse(text)).length;
  } catch {
    return undefined;
  }
}

function checkTarget(out: Collector, t: LintTarget, limits: LintLimits, type: PolicyType): void {
  const label = type === "RESOURCE_CONTROL_POLICY" ? "RCPs" : "SCPs";
  const where = `${t.path} (${t.id})`;
  if (t.attachedPolicies > limits.policiesPerTarget) {
    out.add(
      "policies_per_target",
      { path: "$" },
      `${where} has ${t.attachedPolicies} ${label} attached, over the quota of ${limits.policiesPerTarget}`,
      "Merge policies attached to the same target.",
      "high",
    );
  } else if (t.attachedPolicies === limits.policiesPerTarget) {
    out.add(
      "policies_per_target",
      { path: "$" },
      `${where} is at the quota of ${limits.policiesPerTarget} ${label}: no further ${label.slice(0, -1)} can be attached there`,
      "Merge two of the policies attached there, or attach new guardrails one level up or down.",
      "low",
    );
  }
  if (t.ouDepth !== undefined) {
    if (t.ouDepth > limits.ouDepth) {
      out.add(
        "ou_depth",
        { path: "$" },
        `${where} is nested ${t.ouDepth} levels under the root, deeper than the quota of ${limits.ouDepth}`,
        "Flatten the OU tree.",
        "high",
      );
    } else if (t.ouDepth === limits.ouDepth) {
      out.add(
        "ou_depth",
        { path: "$" },
        `${where} is at the maximum OU depth (${limits.ouDepth}): no OU can be created below it`,
        null,
        "info",
      );
    }
  }
}

/** Severity of an action that matches nothing, by what the statement was meant to do with it. */
function deadActionSeverity(s: ParsedStatement): Severity {
  if (s.effect === "Deny") return s.action.element === "Action" ? "high" : "medium";
  return "medium";
}

function actionPath(s: ParsedStatement, i: number): string {
  return `${s.path}.${s.action.element}${s.action.wasArray ? `[${i}]` : ""}`;
}

function checkActions(
  out: Collector,
  s: ParsedStatement,
  kind: "SCP" | "RCP",
  catalogue: Catalogue,
  iam: IamIndex | undefined,
): void {
  const element = s.action.element;
  s.action.values.forEach((value, i) => {
    const where = { statement: s, element, path: actionPath(s, i) };
    if (value === "*") {
      // RCPFullAWSAccess's Allow "*" is the one place AWS accepts it (the parser checks that statement).
      if (kind === "RCP" && element === "Action" && s.effect === "Deny") {
        out.add(
          "rcp_action_wildcard",
          where,
          'customer-managed RCPs cannot use "Action": "*"',
          'Name the services the RCP protects, e.g. ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"].',
        );
      }
      return;
    }
    const [service = "", name = ""] = value.split(":");
    if (/[*?]/.test(service)) return;
    const serviceKnown = catalogue.loaded ? catalogue.serviceExists(service) : iam?.serviceExists(service);
    if (serviceKnown === false) {
      out.add(
        "unknown_service",
        where,
        `"${value}": there is no service "${service}" in the IAM catalogue, so this entry matches nothing` +
          (s.effect === "Deny" && element === "Action" ? " and the guardrail does nothing for it" : ""),
        () => {
          const suggestion = iam?.suggestService(service);
          return suggestion
            ? `Did you mean "${suggestion}:${name}"?`
            : "Check the service prefix in the Service Authorization Reference.";
        },
        deadActionSeverity(s),
      );
      return;
    }
    if (kind === "RCP" && catalogue.loaded && catalogue.rcpSupportsService(service) === false) {
      out.add(
        "rcp_unsupported_service",
        where,
        `"${value}": ${service} does not support RCPs, so this entry has no effect`,
        `Remove it; services with RCP support: ${(catalogue.rcpServices() ?? []).slice(0, 12).join(", ")}...`,
      );
    }
    if (!hasWildcard(name)) {
      const check = catalogue.checkAction(value);
      if (check.status === "unknown_action") {
        out.add(
          "unknown_action",
          where,
          `"${value}" is not an action of ${service}: ${
            s.effect === "Deny" && element === "Action"
              ? "SCPs accept it silently and the guardrail does nothing for it"
              : "the entry matches nothing"
          }`,
          () => {
            const suggestion = iam?.suggestAction(service, name);
            return suggestion
              ? `Replace it with "${service}:${suggestion}".`
              : "Check the spelling in the Service Authorization Reference.";
          },
          deadActionSeverity(s),
        );
      }
      return;
    }
    const expanded = iam?.expand(value);
    if (expanded && expanded.length === 0) {
      out.add(
        "wildcard_matches_nothing",
        where,
        `"${value}" matches no action of ${service}: the entry does nothing`,
        "Check the pattern against the service's action names.",
        deadActionSeverity(s),
      );
    }
  });
}

/** Actions AWS authorizes without any permission: no SCP or RCP can deny them. */
const NEEDS_NO_PERMISSION = ["sts:GetCallerIdentity"];

/**
 * A Deny whose Action names such an action, exactly or by a wildcard of its service (sts:*, sts:Get*):
 * the author meant to restrict it. A bare "*" or a service wildcard is not reported (every quarantine
 * Deny would be), nor NotAction.
 */
function checkDenyOfNoPermissionAction(out: Collector, s: ParsedStatement): void {
  if (s.effect !== "Deny" || s.action.element !== "Action") return;
  s.action.values.forEach((value, i) => {
    const [service = ""] = value.split(":");
    if (value === "*" || hasWildcard(service)) return;
    const hit = NEEDS_NO_PERMISSION.find((a) => matchAction(value, a));
    if (!hit) return;
    const exact = value.toLowerCase() === hit.toLowerCase();
    out.add(
      "deny_of_action_needing_no_permission",
      { statement: s, element: "Action", path: actionPath(s, i) },
      `${exact ? `"${value}"` : `"${value}" matches ${hit}, but it`} needs no permission, so this Deny never stops it: ` +
        '"No permissions are required to perform this operation. If an administrator attaches a policy to your identity that ' +
        `explicitly denies access to the sts:GetCallerIdentity action, you can still perform this operation." (STS API reference). ` +
        'Reported when a Deny\'s Action names it or a wildcard of its service; a bare "*" is not reported.',
      exact
        ? `Remove "${value}": it does nothing.`
        : "Nothing to change for the other actions; do not rely on this Deny to hide the caller's identity.",
      exact ? "medium" : "info",
    );
  });
}

/** The text of an ARN pattern before its resource part, without its `${...}` variables. */
function arnPrefixOf(value: string): { prefix: string; cut: number } {
  const cut = resourcePartStart(value);
  return { prefix: cut === -1 ? value : value.slice(0, cut), cut };
}

/** Resource ARN mistakes AWS accepts: variables and upper case before the resource part. */
function checkResourceArns(out: Collector, s: ParsedStatement, variablesEnabled: boolean): void {
  const el = s.resource;
  if (el.implicit) return;
  const deny = s.effect === "Deny";
  const consequence =
    el.element === "Resource"
      ? deny
        ? "the Deny never applies to it"
        : "the Allow never applies to it"
      : deny
        ? "NotResource excludes nothing and the Deny applies to every resource"
        : "NotResource excludes nothing";
  el.values.forEach((value, i) => {
    if (value === "*" || !value.startsWith("arn:")) return;
    const where = {
      statement: s,
      element: el.element,
      path: `${s.path}.${el.element}${el.wasArray ? `[${i}]` : ""}`,
    };
    const { prefix } = arnPrefixOf(value);
    if (variablesEnabled && prefix.includes("${")) {
      const account = /^arn:[^:]*:[^:]*:[^:]*:\$\{/.test(value);
      out.add(
        "variable_before_resource_part",
        where,
        `"${value}" has a policy variable before the fifth colon: AWS substitutes variables only in the resource part ` +
          `("You can't use a variable to replace parts of the ARN before the fifth colon, such as the service or account", IAM User Guide), ` +
          `so it is literal text there, the pattern never matches a real ARN and ${consequence}`,
        account
          ? 'Write * in the account segment and add a condition, e.g. "StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"} (variables work anywhere in condition values).'
          : "Write * (or the literal value) in that segment and test the value with a Condition instead.",
        deny ? "high" : "medium",
      );
    }
    if (/[A-Z]/.test(prefix.replace(/\$\{[^}]*\}/g, ""))) {
      out.add(
        "resource_arn_case",
        where,
        `"${value}" has upper-case letters in its partition, service, region or account: ARNs are compared case-sensitively ` +
          `and those segments are lower case in every real ARN, so the pattern never matches and ${consequence}`,
        `Write "${prefix.toLowerCase()}${value.slice(prefix.length)}".`,
        deny ? "high" : "medium",
      );
    }
  });
}

/** Lower-cased actions the statement's Action element can match, or undefined when unknown. */
function statementActions(s: ParsedStatement, iam: IamIndex | undefined): string[] | undefined {
  if (!iam || s.action.element !== "Action") return undefined;
  const all = new Set<string>();
  for (const v of s.action.values) {
    if (v === "*") return undefined;
    const e = iam.expand(v);
    if (!e) return undefined;
    for (const a of e) all.add(a);
  }
  return [...all];
}

function keyIsMultivalued(key: string, type: string | undefined): boolean {
  return MULTIVALUED_KEYS.has(key) || (type?.startsWith("ArrayOf") ?? false);
}

/** One condition of one statement, with what the catalogue knows of its key: the input of each rule. */
interface ConditionCheck {
  out: Collector;
  s: ParsedStatement;
  c: ParsedCondition;
  where: { statement: ParsedStatement; element: string; path: string };
  op: ParsedCondition["operator"];
  /** The normalised key. */
  key: string;
  /** "operator key", as findings name the condition. */
  label: string;
  /** The key's type in the IAM catalogue; undefined when unknown or not loaded. */
  type: string | undefined;
  iam: IamIndex | undefined;
  /** The key belongs to a known service (or aws:) but the catalogue has no such key. */
  unknownKey: boolean;
  /** Lower-cased actions the statement's Action element can match, when known. */
  actions: string[] | undefined;
  /** Keys the statement tests with Null. */
  nullChecked: ReadonlySet<string>;
}

/** The condition rules, one per kind of mistake, in the order their findings are reported. */
const CONDITION_RULES: readonly ((check: ConditionCheck) => void)[] = [
  checkUnknownKey,
  checkKeyNotSent,
  checkOperatorType,
  checkWildcardInExact,
  checkSetOperator,
  checkBoolWithoutIfExists,
];

function checkConditions(out: Collector, s: ParsedStatement, iam: IamIndex | undefined): void {
  const actions = statementActions(s, iam);
  const nullChecked = new Set(
    s.conditions.filter((c) => c.operator.base.family === "Null").map((c) => c.normalizedKey),
  );
  for (const c of s.conditions) {
    const key = c.normalizedKey;
    const type = iam?.keyType(c.key);
    const check: ConditionCheck = {
      out,
      s,
      c,
      where: { statement: s, element: "Condition", path: c.path },
      op: c.operator,
      key,
      label: `${c.operator.written} ${c.key}`,
      type,
      iam,
      unknownKey: iam !== undefined && type === undefined && keyServiceKnown(key, iam),
      actions,
      nullChecked,
    };
    for (const rule of CONDITION_RULES) rule(check);
  }
}

function keyService(key: string): string {
  return key.slice(0, Math.max(0, key.indexOf(":")));
}

function keyServiceKnown(key: string, iam: IamIndex): boolean {
  const service = keyService(key);
  return service === "aws" || iam.actionsOf(service) !== undefined;
}

function checkUnknownKey({ out, c, where, key, label, unknownKey }: ConditionCheck): void {
  if (!unknownKey) return;
  out.add(
    "unknown_condition_key",
    where,
    `${c.key} is not a condition key in the IAM catalogue: it is never in a request, so ${label} never sees a value`,
    "Check the key's spelling in the Service Authorization Reference.",
    keyService(key) === "aws" ? "low" : "medium",
  );
}

/** A key none of the listed actions sends. */
function checkKeyNotSent(check: ConditionCheck): void {
  const { out, s, c, where, op, key, label, type, iam, actions } = check;
  const actionSpecific =
    !key.startsWith("aws:") || key.startsWith("aws:requesttag/") || key === "aws:tagkeys";
  if (
    check.unknownKey ||
    !actions ||
    actions.length === 0 ||
    !actionSpecific ||
    (type === undefined && key.startsWith("aws:"))
  )
    return;
  if (iam && anyActionSends(actions, c.key, iam)) return;
  const positive = !op.base.negated && !op.ifExists && op.base.family !== "Null";
  out.add(
    "condition_key_not_sent",
    where,
    `none of the statement's actions (${names(s.action.values)}) sends ${c.key}, so ${label} ${
      s.effect === "Deny" && positive
        ? "is never true and the Deny never applies"
        : "always takes its absent-key branch"
    }`,
    "Use a condition key the actions support (see the Service Authorization Reference), or move the condition to a statement with the actions that send it.",
    s.effect === "Deny" && positive ? "high" : "medium",
  );
}

/** Whether one of the (lower-cased "service:action") actions can send `key`: a set lookup per action. */
function anyActionSends(actions: readonly string[], key: string, iam: IamIndex): boolean {
  for (const a of actions) {
    const colon = a.indexOf(":");
    if (iam.actionsSendingKey(a.slice(0, colon), key)?.has(a.slice(colon + 1))) return true;
  }
  return false;
}

/** Operator versus key type. */
function checkOperatorType({ out, c, where, op, type }: ConditionCheck): void {
  if (type === undefined) return;
  const base = type.replace(/^ArrayOf/, "").toLowerCase();
  if (op.base.family === "String" && base === "arn") {
    const fixOp = op.base.negated ? "ArnNotLike" : "ArnLike";
    out.add(
      "arn_key_string_operator",
      where,
      `${c.key} is an ARN key compared with ${op.written}; ARN keys are meant for ARN operators`,
      `Use ${op.qualifier ? `${op.qualifier}:` : ""}${fixOp}${op.ifExists ? "IfExists" : ""}.`,
    );
    return;
  }
  const wanted = FAMILY_TYPES[op.base.family];
  if (wanted && !wanted.includes(base)) {
    out.add(
      "operator_type_mismatch",
      where,
      `${op.written} compares ${op.base.family} values but ${c.key} is of type ${type}: the condition never matches as intended`,
      `Use a ${type.replace(/^ArrayOf/, "")} operator for ${c.key}.`,
    );
  }
}

/** Wildcards read literally by an exact String operator. */
function checkWildcardInExact({ out, s, c, where, op }: ConditionCheck): void {
  if (op.base.family !== "String" || op.base.wildcards) return;
  const wild = c.values.filter(hasWildcard);
  if (wild.length === 0) return;
  const weakens = (s.effect === "Deny") !== op.base.negated;
  const like = op.base.negated ? "StringNotLike" : "StringLike";
  const consequence = !weakens
    ? "the exemption never matches and the Deny applies to everyone"
    : s.effect === "Deny"
      ? "the Deny does not apply as intended"
      : "the exemption never matches";
  out.add(
    "wildcard_in_exact_operator",
    where,
    `${op.written} reads * and ? literally, so ${list(wild)} only matches that exact text: ${consequence}`,
    `Use ${op.qualifier ? `${op.qualifier}:` : ""}${like}${op.ifExists ? "IfExists" : ""}.`,
    weakens ? "high" : "medium",
  );
}

/** Set operators on single-valued keys, plain operators on multivalued ones, and the set traps. */
function checkSetOperator({ out, s, c, where, op, key, type, nullChecked }: ConditionCheck): void {
  const multi = keyIsMultivalued(key, type);
  if (op.qualifier && type !== undefined && !multi) {
    out.add(
      "set_operator_on_single_valued_key",
      where,
      `${c.key} is single-valued; ${op.qualifier} is for multivalued keys${
        op.qualifier === "ForAllValues" ? " and is also true when the key is absent" : ""
      }`,
      `Drop the ${op.qualifier}: prefix (${op.base.name}${op.ifExists ? "IfExists" : ""}).`,
    );
  } else if (!op.qualifier && multi && op.base.family !== "Null") {
    out.add(
      "multivalued_key_without_set_operator",
      where,
      `${c.key} is multivalued; without ForAllValues/ForAnyValue the comparison is not what it looks like`,
      `Use ForAnyValue:${op.base.name} (any value matches) or ForAllValues:${op.base.name} (every value matches, with a Null check).`,
    );
  }
  if (op.qualifier === "ForAllValues" && !nullChecked.has(key)) {
    out.add(
      "for_all_values_without_null_check",
      where,
      `ForAllValues is true when ${c.key} is absent or empty, so ${
        s.effect === "Allow" ? "requests without the key are allowed" : "requests without the key are denied"
      }`,
      `Add "Null": {"${c.key}": "false"} to the same statement.`,
      s.effect === "Allow" ? "medium" : "low",
    );
  }
  if (op.qualifier === "ForAnyValue" && op.base.negated) {
    out.add(
      "for_any_value_negated",
      where,
      `${op.written} is true as soon as one value of ${c.key} is outside the list`,
      `Use ForAllValues:${op.base.name} if every value must be outside the list.`,
    );
  }
}

/** Bool "false" in a Deny on a key that may be absent. */
function checkBoolWithoutIfExists({ out, s, c, where, op, key }: ConditionCheck): void {
  if (
    op.base.family !== "Bool" ||
    op.ifExists ||
    s.effect !== "Deny" ||
    ALWAYS_PRESENT_BOOL_KEYS.has(key) ||
    !c.values.some((v) => v.toLowerCase() === "false")
  )
    return;
  out.add(
    "bool_without_if_exists",
    where,
    `${c.key} is absent from some requests (for aws:MultiFactorAuthPresent: every request signed with long-term access keys); then Bool is false and the Deny does not apply`,
    `Use "BoolIfExists": {"${c.key}": "false"}, or add "Null": {"${c.key}": "true"} in a second statement.`,
  );
}

function checkPrincipalValues(out: Collector, s: ParsedStatement): void {
  for (const c of s.conditions) {
    if (c.normalizedKey !== "aws:principalarn") continue;
    const where = { statement: s, element: "Condition", path: c.path };
    for (const v of c.values) {
      const session = /^arn:([^:]+):sts::([^:]*):assumed-role\/([^/]+)/.exec(v);
      if (session) {
        const role = `arn:${session[1]}:iam::${session[2] ?? "*"}:role/${session[3] ?? "*"}`;
        out.add(
          "session_arn_in_principal_arn",
          where,
          `"${v}" is an assumed-role session ARN, but aws:PrincipalArn carries the role ARN: this value never matches`,
          `Use the role ARN "${role}" (add the role's path if it has one).`,
        );
      }
      const sso = v.indexOf("AWSReservedSSO_");
      const role = v.indexOf(":role/");
      if (sso !== -1 && role !== -1 && role < sso) {
        const between = v.slice(role + 6, sso);
        if (!between.includes("*") && !between.includes("aws-reserved/sso.amazonaws.com/")) {
          out.add(
            "sso_role_without_path",
            where,
            `"${v}" names an IAM Identity Center role without its path; their ARNs are arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/[<region>/]AWSReservedSSO_..., so this value never matches`,
            `Use "${v.slice(0, role + 6)}aws-reserved/sso.amazonaws.com/*${v.slice(sso)}"${
              c.operator.base.wildcards ? "" : " with ArnLike/ArnNotLike"
            }.`,
          );
        }
      }
    }
  }
}

function regionConditions(s: ParsedStatement): ParsedCondition[] {
  return s.conditions.filter((c) => c.normalizedKey === "aws:requestedregion" && c.operator.base.negated);
}

function checkRegionDeny(out: Collector, s: ParsedStatement): void {
  if (s.effect !== "Deny") return;
  const regionConds = regionConditions(s);
  if (regionConds.length === 0) return;
  const allowed = regionConds.flatMap((c) => c.values);
  const regionAllowed = (r: string): boolean =>
    regionConds.some((c) =>
      c.values.some((v) =>
        c.operator.base.wildcards
          ? wildcardMatch(v, r, c.operator.base.ignoreCase)
          : c.operator.base.ignoreCase
            ? v.toLowerCase() === r
            : v === r,
      ),
    );
  const values = s.action.values.map(normalizeAction);
  const missing = GLOBAL_SERVICES.filter((g) => {
    // A deny that leaves the service's home region open does not block it.
    if (regionAllowed(g.region)) return false;
    const all = `${g.prefix}:*`;
    if (s.action.element === "NotAction") return !values.some((v) => patternSubsumes(v, all, true));
    // Action: the deny reaches the service when a pattern can match one of its actions.
    return values.some((v) => {
      const service = v.split(":")[0] ?? "";
      return v === "*" || wildcardMatch(service, g.prefix, true);
    });
  });
  if (missing.length === 0) return;
  const essential = missing.filter((g) => g.essential);
  const regions = [...new Set(missing.map((g) => g.region))].sort();
  const shown = missing.slice(0, 12).map((g) => g.prefix);
  out.add(
    "region_deny_missing_global_services",
    { statement: s, element: s.action.element, path: `${s.path}.${s.action.element}` },
    `this region deny (outside ${names(allowed)}) does not exempt global services, which AWS authorizes in ${regions.join(
      " or ",
    )} whatever the caller's region: ${shown.join(", ")}${
      missing.length > shown.length ? ` and ${missing.length - shown.length} more` : ""
    } are denied everywhere${essential.length ? ` (including ${essential.map((g) => g.name).join(", ")})` : ""}`,
    s.action.element === "NotAction"
      ? `Add ${missing.map((g) => `"${g.prefix}:*"`).join(", ")} to NotAction (the AWS example region-deny SCP has the full list).`
      : `Rewrite the statement with NotAction listing the global services (${missing
          .slice(0, 6)
          .map((g) => `"${g.prefix}:*"`)
          .join(", ")}, ...).`,
    essential.length ? "medium" : "low",
  );
}

function checkExemption(out: Collector, s: ParsedStatement): void {
  if (s.effect !== "Deny") return;
  if (s.conditions.some((c) => isPrincipalKey(c.normalizedKey))) return;
  const actions = s.action.values.map(normalizeAction);
  if (s.action.element === "Action" && actions.every((a) => NEVER_EXEMPT.has(a))) return;
  const broadActions = s.action.element === "NotAction" || actions.includes("*");
  const fix =
    'Add "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlassAdmin"}} (your break-glass or administrator role).';
  const where = {
    statement: s,
    element: "Condition",
    path: `${s.path}${s.conditions.length ? ".Condition" : ""}`,
  };
  if (s.conditions.length === 0) {
    if (broadActions && s.action.element === "Action" && s.resource.values.includes("*")) {
      out.add(
        "deny_without_exemption",
        where,
        "denies every action on every resource with no exemption: only the management account can act (fine for a quarantine OU)",
        null,
        "info",
      );
      return;
    }
    out.add(
      "deny_without_exemption",
      where,
      `denies ${s.action.element === "NotAction" ? "everything except " : ""}${names(s.action.values)} with no condition: nobody, not even a break-glass role, can ever do it in the accounts below`,
      fix,
    );
    return;
  }
  if (broadActions) {
    out.add(
      "deny_without_exemption",
      where,
      `a broad Deny (${s.action.element} ${names(s.action.values)}) with no condition on aws:PrincipalArn: no administrator or break-glass role is exempt`,
      fix,
    );
  }
}

// ---------------------------------------------------------------------------------------------

/** Actions and condition keys a document mentions, read without parsing errors getting in the way. */
export function mentionedInDocument(input: string | object): { actions: string[]; keys: string[] } {
  let doc: unknown = input;
  if (typeof input === "string") {
    try {
      doc = JSON.parse(input);
    } catch {
      return { actions: [], keys: [] };
    }
  }
  const actions: string[] = [];
  const keys: string[] = [];
  const statements = (doc as { Statement?: unknown } | null)?.Statement;
  for (const st of Array.isArray(statements) ? statements : [statements]) {
    if (!st || typeof st !== "object") continue;
    const rec = st as Record<string, unknown>;
    for (const el of [rec.Action, rec.NotAction]) {
      for (const a of Array.isArray(el) ? el : [el]) if (typeof a === "string") actions.push(a);
    }
    if (rec.Condition && typeof rec.Condition === "object") {
      for (const block of Object.values(rec.Condition as Record<string, unknown>)) {
        if (block && typeof block === "object") keys.push(...Object.keys(block));
      }
    }
  }
  return { actions, keys };
}

/** Loads the catalogue data the documents need: call before lintPolicy. */
export async function prepareLint(
  documents: readonly (string | object)[],
): Promise<{ catalogue: Catalogue; iam: IamIndex }> {
  const actions: string[] = [];
  const keys: string[] = [];
  for (const d of documents) {
    const m = mentionedInDocument(d);
    actions.push(...m.actions);
    keys.push(...m.keys);
  }
  const services = servicesMentioned(actions, keys);
  const [catalogue, iam] = await Promise.all([primeCatalogue({ services }), loadIamIndex(services)]);
  return { catalogue, iam };
}
