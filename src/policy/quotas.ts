/**
 * AWS Organizations quotas that matter to policy authors: the defaults of lint_scp_policy, every one
 * of them overridable (`limits` of the tool, --scp-size-limit and friends of the CLI) for the day AWS
 * changes one again. Document sizes are counted in characters, whitespace included: AWS stores and
 * counts every character of a document sent through the API, CLI, SDK or Terraform (only the
 * console strips whitespace on save).
 *
 * Source: AWS What's New of 2026-05-15,
 * https://aws.amazon.com/about-aws/whats-new/2026/05/aws-organizations-increased-scp-quotas/:
 * from that day an SCP may be 10,240 characters (was 5,120) and 10 SCPs may be attached directly
 * to one root, OU or account (was 5), in the commercial, GovCloud (US) and China Regions, with no
 * quota request. Tools that enforce the figures followed (awslabs/landing-zone-accelerator-on-aws
 * issue 1119, pull request 1147). The announcement covers SCPs only: RCPs keep 5,120 characters
 * and 5 per target, as in the quota table
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
 */
import type { PolicyType } from "../model/policy-type.js";

export const POLICY_SIZE_LIMITS: Record<PolicyType, number> = {
  SERVICE_CONTROL_POLICY: 10_240,
  RESOURCE_CONTROL_POLICY: 5_120,
};

/** Policies of one type that can be attached directly to one root, OU or account. */
export const MAX_POLICIES_PER_TARGET: Record<PolicyType, number> = {
  SERVICE_CONTROL_POLICY: 10,
  RESOURCE_CONTROL_POLICY: 5,
};

/** OUs can nest five levels deep under the root. */
export const MAX_OU_DEPTH = 5;

/** "10 for SCPs, 5 for RCPs": the per-target defaults as the help texts state them. */
export const POLICIES_PER_TARGET_TEXT = `${MAX_POLICIES_PER_TARGET.SERVICE_CONTROL_POLICY} for SCPs, ${MAX_POLICIES_PER_TARGET.RESOURCE_CONTROL_POLICY} for RCPs`;
