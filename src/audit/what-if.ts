/**
 * Hypothetical chains: what the engine would say once a denying statement is gone or an Allow is
 * attached. Used to tell whether other policies would still deny after the first fix.
 */
import type { EffectiveChain } from "../model/chain.js";
import { evaluate, type EvaluationRequest, type EvaluationResult } from "../policy/evaluate.js";

export interface StatementKey {
  levelIndex: number;
  policyId: string;
  statementIndex: number;
}

/** The chain with the given statements taken out of their policies' documents. */
export function withoutStatements(chain: EffectiveChain, remove: readonly StatementKey[]): EffectiveChain {
  return {
    ...chain,
    levels: chain.levels.map((level, levelIndex) => ({
      ...level,
      policies: level.policies.map((policy) => {
        const drop = new Set(
          remove
            .filter((r) => r.levelIndex === levelIndex && r.policyId === policy.id)
            .map((r) => r.statementIndex),
        );
        if (drop.size === 0) return policy;
        const doc = JSON.parse(policy.content) as { Statement: unknown };
        const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
        return {
          ...policy,
          content: JSON.stringify({ ...doc, Statement: statements.filter((_, i) => !drop.has(i)) }),
        };
      }),
    })),
  };
}

const ALLOW_ALL = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

/** The chain with an Allow-everything policy attached at the given levels (as FullAWSAccess would be). */
export function withAllowAt(chain: EffectiveChain, levelIndices: readonly number[]): EffectiveChain {
  const at = new Set(levelIndices);
  return {
    ...chain,
    levels: chain.levels.map((level, i) =>
      at.has(i)
        ? {
            ...level,
            policies: [
              ...level.policies,
              {
                id: "p-FullAWSAccess",
                name: "FullAWSAccess (hypothetical attachment)",
                description: "",
                type: chain.policyType,
                awsManaged: true,
                content: ALLOW_ALL,
              },
            ],
          }
        : level,
    ),
  };
}

export interface FixRound {
  /** 1 for the current policies, 2 once the first blockers are fixed, ... */
  round: number;
  result: EvaluationResult;
}

/**
 * Evaluates, removes what blocked, and evaluates again, until nothing blocks (at most `maxRounds`):
 * each round after the first shows what would still deny once the earlier blockers are fixed.
 */
export function blockersInTurn(request: EvaluationRequest, chain: EffectiveChain, maxRounds = 5): FixRound[] {
  const rounds: FixRound[] = [];
  let current = chain;
  const now = new Date();
  for (let round = 1; round <= maxRounds; round++) {
    const result = evaluate(request, current, { outcomes: false, caveats: false, now });
    rounds.push({ round, result });
    if (result.decision === "explicitly_denied") {
      current = withoutStatements(
        current,
        result.decidingStatements.map((s) => ({
          levelIndex: s.level.index,
          policyId: s.policyId,
          statementIndex: s.statementIndex,
        })),
      );
    } else if (result.decision === "implicitly_denied") {
      current = withAllowAt(
        current,
        result.missingAllowAt.map((m) => m.index),
      );
    } else {
      break;
    }
  }
  return rounds;
}
