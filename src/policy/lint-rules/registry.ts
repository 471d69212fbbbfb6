/** Every lint rule: a stable id (CI consumers and SARIF use it), its usual severity and what it checks. */
import type { Severity } from "../findings.js";
import { MAX_OU_DEPTH, POLICIES_PER_TARGET_TEXT, POLICY_SIZE_LIMITS } from "../quotas.js";

export const LINT_RULE_IDS = [
  "invalid_json",
  "invalid_grammar",
  "grammar_warning",
  "principal_in_scp",
  "rcp_allow",
  "rcp_not_action",
  "rcp_action_wildcard",
  "rcp_unsupported_service",
  "unknown_action",
  "unknown_service",
  "wildcard_matches_nothing",
  "unknown_condition_key",
  "condition_key_not_sent",
  "arn_key_string_operator",
  "wildcard_in_exact_operator",
  "operator_type_mismatch",
  "set_operator_on_single_valued_key",
  "multivalued_key_without_set_operator",
  "for_all_values_without_null_check",
  "for_any_value_negated",
  "bool_without_if_exists",
  "region_deny_missing_global_services",
  "deny_without_exemption",
  "session_arn_in_principal_arn",
  "sso_role_without_path",
  "deny_of_action_needing_no_permission",
  "variable_before_resource_part",
  "resource_arn_case",
  "policy_size",
  "policies_per_target",
  "ou_depth",
] as const;

export type LintRuleId = (typeof LINT_RULE_IDS)[number];

export interface LintRuleInfo {
  title: string;
  /** The severity most findings of the rule get; some rules adjust it to the statement's effect. */
  severity: Severity;
  description: string;
}

export const LINT_RULES: Record<LintRuleId, LintRuleInfo> = {
  invalid_json: {
    title: "Invalid JSON",
    severity: "critical",
    description: "The document is not JSON: AWS rejects it.",
  },
  invalid_grammar: {
    title: "Invalid policy grammar",
    severity: "high",
    description:
      "The document breaks the policy grammar (missing Effect, unknown element, Action and NotAction together...).",
  },
  grammar_warning: {
    title: "Questionable policy grammar",
    severity: "low",
    description:
      "Accepted by AWS but easy to misread: no Version, implicit Resource, duplicate Sid, odd operator spelling.",
  },
  principal_in_scp: {
    title: "Principal or NotPrincipal in an SCP",
    severity: "high",
    description: "SCPs do not support Principal or NotPrincipal; use a Condition on aws:PrincipalArn.",
  },
  rcp_allow: {
    title: "Allow statement in an RCP",
    severity: "high",
    description: "RCPs support Allow only in the AWS-managed RCPFullAWSAccess policy; write Deny statements.",
  },
  rcp_not_action: {
    title: "NotAction in an RCP",
    severity: "high",
    description: "RCPs do not support NotAction; list the actions in Action.",
  },
  rcp_action_wildcard: {
    title: 'Action "*" in an RCP',
    severity: "high",
    description: 'Customer-managed RCPs cannot use "Action": "*"; name the services (s3:*, sqs:*...).',
  },
  rcp_unsupported_service: {
    title: "Service without RCP support",
    severity: "medium",
    description: "An RCP names a service that does not support RCPs: the statement has no effect on it.",
  },
  unknown_action: {
    title: "Action does not exist",
    severity: "high",
    description:
      "The action is not in the IAM catalogue. SCPs accept it silently and the guardrail does nothing for it.",
  },
  unknown_service: {
    title: "Service prefix does not exist",
    severity: "high",
    description: "The service prefix is not in the IAM catalogue: the entry matches no action.",
  },
  wildcard_matches_nothing: {
    title: "Wildcard matches no action",
    severity: "high",
    description: "The action wildcard matches no action of the service: the entry does nothing.",
  },
  unknown_condition_key: {
    title: "Condition key does not exist",
    severity: "medium",
    description: "The condition key is not in the IAM catalogue: it is never in a request.",
  },
  condition_key_not_sent: {
    title: "Condition key never sent by the listed actions",
    severity: "high",
    description:
      "None of the statement's actions sends the key, so the condition never sees it: a Deny that depends on it never applies (or, with a negated operator, always applies).",
  },
  arn_key_string_operator: {
    title: "String operator on an ARN key",
    severity: "low",
    description: "ARN keys such as aws:PrincipalArn should be compared with ArnLike/ArnNotLike.",
  },
  wildcard_in_exact_operator: {
    title: "Wildcard in an exact-match operator",
    severity: "high",
    description:
      "StringEquals and StringNotEquals read * and ? literally; use StringLike/StringNotLike (or ArnLike).",
  },
  operator_type_mismatch: {
    title: "Operator does not fit the key type",
    severity: "medium",
    description:
      "A Numeric, Date, Bool, IpAddress, Arn or Binary operator on a key of another type never matches.",
  },
  set_operator_on_single_valued_key: {
    title: "Set operator on a single-valued key",
    severity: "medium",
    description:
      "ForAllValues/ForAnyValue are for multivalued keys; on a single-valued key ForAllValues is also true when the key is absent.",
  },
  multivalued_key_without_set_operator: {
    title: "Multivalued key without a set operator",
    severity: "medium",
    description:
      "A multivalued key (aws:TagKeys, aws:PrincipalOrgPaths...) needs ForAllValues or ForAnyValue.",
  },
  for_all_values_without_null_check: {
    title: "ForAllValues without a Null check",
    severity: "medium",
    description:
      "ForAllValues is true when the key is absent or empty; add a Null condition on the same key.",
  },
  for_any_value_negated: {
    title: "ForAnyValue with a negated operator",
    severity: "low",
    description:
      "ForAnyValue:StringNotEquals is true as soon as one value is outside the list; ForAllValues:StringNotEquals is usually meant.",
  },
  bool_without_if_exists: {
    title: "Bool where BoolIfExists or Null is needed",
    severity: "medium",
    description:
      "A Bool condition on a key that can be absent (aws:MultiFactorAuthPresent for access keys) is false when it is absent, so the Deny does not apply.",
  },
  region_deny_missing_global_services: {
    title: "Region deny without global-service exemptions",
    severity: "medium",
    description:
      "Global services are authorized in us-east-1; a region deny that does not exempt them in NotAction blocks them everywhere.",
  },
  deny_without_exemption: {
    title: "Broad Deny without a break-glass exemption",
    severity: "medium",
    description:
      "A broad Deny with no condition on aws:PrincipalArn (or another principal key) leaves no way out in an emergency.",
  },
  session_arn_in_principal_arn: {
    title: "Session ARN in aws:PrincipalArn",
    severity: "high",
    description:
      "aws:PrincipalArn holds the role ARN (arn:aws:iam::…:role/Name), never the assumed-role session ARN: the value never matches.",
  },
  sso_role_without_path: {
    title: "IAM Identity Center role without its path",
    severity: "high",
    description:
      "AWSReservedSSO_* roles live under the path aws-reserved/sso.amazonaws.com/; an ARN without it never matches.",
  },
  deny_of_action_needing_no_permission: {
    title: "Deny of an action that needs no permission",
    severity: "medium",
    description:
      'sts:GetCallerIdentity needs no permission, so no SCP or RCP denies it (STS API reference). Reported when a Deny\'s Action names it or an sts: wildcard that matches it; a bare "*" is not reported.',
  },
  variable_before_resource_part: {
    title: "Policy variable before the resource part of an ARN",
    severity: "high",
    description:
      "AWS substitutes a policy variable in a Resource ARN only after its fifth colon; in the partition, service, region or account it is literal text, so the pattern never matches.",
  },
  resource_arn_case: {
    title: "Upper case in the partition, service, region or account of a Resource ARN",
    severity: "high",
    description:
      "ARNs are compared case-sensitively and those segments are lower case in every real ARN, so the pattern never matches.",
  },
  policy_size: {
    title: "Document size",
    severity: "high",
    description: `The document is over (or close to) the size quota: ${POLICY_SIZE_LIMITS.SERVICE_CONTROL_POLICY.toLocaleString("en-US")} characters for SCPs, ${POLICY_SIZE_LIMITS.RESOURCE_CONTROL_POLICY.toLocaleString("en-US")} for RCPs.`,
  },
  policies_per_target: {
    title: "Policies attached per target",
    severity: "low",
    description: `Policies of one type attached directly to a root, OU or account: at most ${POLICIES_PER_TARGET_TEXT}.`,
  },
  ou_depth: {
    title: "OU depth",
    severity: "info",
    description: `OUs nest at most ${MAX_OU_DEPTH} levels under the root.`,
  },
};
