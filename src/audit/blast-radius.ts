/** How far a change reaches: the accounts and OUs inside the scope under the targets it touches. */
import type { OrganizationService } from "../org/service.js";
import { ACCOUNT_ID } from "../model/ids.js";

export interface BlastRadius {
  accounts: number;
  ous: number;
  description: string;
}

export async function reachOf(org: OrganizationService, targetIds: readonly string[]): Promise<BlastRadius> {
  const accounts = new Set<string>();
  const ous = new Set<string>();
  for (const id of targetIds) {
    for (const a of await org.accountsInScopeUnder(id)) accounts.add(a);
    if (!ACCOUNT_ID.test(id) && (await org.isInScope(id))) {
      // Walk the OUs below, all inside the scope since their ancestor is.
      let frontier = [id];
      while (frontier.length) {
        const next: string[] = [];
        for (const parent of frontier) {
          if (!parent.startsWith("r-")) ous.add(parent);
          next.push(...(await org.reader.listChildren(parent, "ORGANIZATIONAL_UNIT")).map((c) => c.id));
        }
        frontier = next;
      }
    }
  }
  return {
    accounts: accounts.size,
    ous: ous.size,
    description: `${accounts.size} account(s) and ${ous.size} OU(s) inside the allowed scope`,
  };
}

/** The reach of a change to a policy's document: every visible place it is attached. */
export async function policyReach(org: OrganizationService, policyId: string): Promise<BlastRadius> {
  const { targets } = await org.policyWithTargets(policyId, false);
  return reachOf(
    org,
    targets.map((t) => t.id),
  );
}
