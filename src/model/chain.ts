/** The effective chain of policies from the root down to one target, as tools and the engine consume it. */
import type { TargetKind } from "./ids.js";
import type { Policy } from "./organization.js";
import type { PolicyType } from "./policy-type.js";

export interface ChainTarget {
  id: string;
  type: TargetKind;
  /** The name, or the id when the name is not known without an extra API call (then nameKnown is false). */
  name: string;
  nameKnown?: boolean;
}

export interface ChainLevel {
  target: ChainTarget;
  /** Policies of the requested type attached directly to this target, with their documents. */
  policies: Policy[];
}

export interface EffectiveChain {
  policyType: PolicyType;
  /** The target asked about (account or OU). */
  target: ChainTarget;
  /** Root first, then each OU, then the target itself. */
  levels: ChainLevel[];
  /** Names from the root down, e.g. "Root/Workloads/Prod". */
  ouPath: string;
  /** True when the target is the management account, which SCPs (and RCPs) never restrict. */
  isManagementAccount: boolean;
  /** Always present for an account's chain; for an OU or root only when known without a call. */
  managementAccountId?: string;
}
