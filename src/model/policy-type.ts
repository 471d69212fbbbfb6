/** The one vocabulary of Organizations authorization policy types. */

export type PolicyType = "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";
export const POLICY_TYPES: readonly PolicyType[] = ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"];

/** The short label of a policy type, as findings and summaries write it. */
export type PolicyKind = "SCP" | "RCP";

export function policyKindOf(type: PolicyType): PolicyKind {
  return type === "RESOURCE_CONTROL_POLICY" ? "RCP" : "SCP";
}
