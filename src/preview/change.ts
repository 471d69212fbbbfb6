/**
 * A proposed change to the organization's policies, resolved (documents read, ids checked), and
 * what it does to one effective chain. Pure: the chain after the change is computed from the chain
 * before it; a chain the change does not touch is returned as the same object, so callers can tell
 * "not reached" without evaluating anything.
 */
import type { ChainLevel, EffectiveChain } from "../model/chain.js";
import type { Policy } from "../model/organization.js";
import type { PolicyType } from "../model/policy-type.js";

export type PrimitiveChange =
  /** New content for an existing policy, wherever it is attached. */
  | { kind: "update"; policyId: string; policyType: PolicyType; content: string }
  /** A policy attached to a target (an existing policy, or a new one with a placeholder id). */
  | { kind: "attach"; policy: Policy; targetId: string }
  /** A policy detached from a target. */
  | { kind: "detach"; policyId: string; policyType: PolicyType; targetId: string }
  /**
   * An account moved under another OU: its chain becomes the destination's levels (root first, the
   * destination last) followed by the account's own level. One entry per policy type.
   */
  | { kind: "move"; accountId: string; destination: Partial<Record<PolicyType, ChainLevel[]>> };

/** The policy types a list of changes can alter. */
export function changedTypes(changes: readonly PrimitiveChange[]): PolicyType[] {
  const types = new Set<PolicyType>();
  for (const c of changes) {
    if (c.kind === "update" || c.kind === "detach") types.add(c.policyType);
    else if (c.kind === "attach") types.add(c.policy.type);
    else for (const t of Object.keys(c.destination) as PolicyType[]) types.add(t);
  }
  return [...types];
}

function applyOne(chain: EffectiveChain, change: PrimitiveChange): EffectiveChain {
  switch (change.kind) {
    case "update": {
      if (chain.policyType !== change.policyType) return chain;
      let touched = false;
      const levels = chain.levels.map((level) => {
        if (!level.policies.some((p) => p.id === change.policyId)) return level;
        touched = true;
        return {
          ...level,
          policies: level.policies.map((p) =>
            p.id === change.policyId ? { ...p, content: change.content } : p,
          ),
        };
      });
      return touched ? { ...chain, levels } : chain;
    }
    case "attach": {
      if (chain.policyType !== change.policy.type) return chain;
      const at = chain.levels.findIndex((l) => l.target.id === change.targetId);
      const level = chain.levels[at];
      if (!level || level.policies.some((p) => p.id === change.policy.id)) return chain;
      const levels = [...chain.levels];
      levels[at] = { ...level, policies: [...level.policies, change.policy] };
      return { ...chain, levels };
    }
    case "detach": {
      if (chain.policyType !== change.policyType) return chain;
      const at = chain.levels.findIndex((l) => l.target.id === change.targetId);
      const level = chain.levels[at];
      if (!level || !level.policies.some((p) => p.id === change.policyId)) return chain;
      const levels = [...chain.levels];
      levels[at] = { ...level, policies: level.policies.filter((p) => p.id !== change.policyId) };
      return { ...chain, levels };
    }
    case "move": {
      const destination = change.destination[chain.policyType];
      const own = chain.levels[chain.levels.length - 1];
      if (!destination || chain.target.id !== change.accountId || !own) return chain;
      const levels = [...destination, own];
      const ouPath = levels.map((l) => l.target.name).join("/");
      return { ...chain, levels, ouPath };
    }
  }
}

/** The chain once every change is made, or `chain` itself when none reaches it. */
export function applyChanges(chain: EffectiveChain, changes: readonly PrimitiveChange[]): EffectiveChain {
  let out = chain;
  for (const c of changes) out = applyOne(out, c);
  return out;
}
