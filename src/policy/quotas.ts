/**
 * AWS Organizations quotas that matter to policy authors. Document sizes are counted in
 * characters, whitespace included (AWS counts every character of the stored document).
 */
import type { PolicyType } from "../model/policy-type.js";

export const POLICY_SIZE_LIMITS: Record<PolicyType, number> = {
  // Raised from 5,120 in May 2026.
  SERVICE_CONTROL_POLICY: 10_240,
  RESOURCE_CONTROL_POLICY: 5_120,
};

/** Policies of one type that can be attached directly to one root, OU or account. */
export const MAX_POLICIES_PER_TARGET: Record<PolicyType, number> = {
  SERVICE_CONTROL_POLICY: 5,
  RESOURCE_CONTROL_POLICY: 5,
};

/** OUs can nest five levels deep under the root. */
export const MAX_OU_DEPTH = 5;
