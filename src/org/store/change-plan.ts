/**
 * From AWS Organizations events (CloudTrail event history) to what must be read again: the pure
 * half of a refresh by change. Each write event the snapshot depends on names what it touched; an
 * event this mapping does not understand, or one without the parameters it needs, asks for a
 * whole read instead, because a snapshot must never look current while missing a change.
 *
 * Event names and parameters are those of the Organizations API (CloudTrail records the request
 * parameters of each call under their API names, camelCased). Events that change nothing the
 * snapshot holds (tags, delegated administrators, trusted services, resource policies, declined or
 * cancelled handshakes) are counted and ignored; read-only events and failed calls (an errorCode)
 * are skipped.
 */
import { POLICY_TYPES, type PolicyType } from "../../model/policy-type.js";

/** One Organizations event as LookupEvents returns it, its CloudTrailEvent document read. */
export interface OrganizationsEvent {
  id: string;
  name: string;
  time: Date;
  readOnly: boolean;
  /** False when the event's JSON document could not be read. */
  readable: boolean;
  errorCode?: string;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  serviceEventDetails?: Record<string, unknown>;
}

/** Handshakes to join an organization expire after 15 days (Organizations API reference, Handshake). */
export const INVITATION_DAYS = 15;

export interface ChangePlan {
  /** Set when the events cannot be applied by change: the reason the whole organization is read. */
  full?: string;
  /** Write events understood and applied. */
  changes: number;
  /** Write events that change nothing a snapshot holds. */
  ignored: number;
  /** Policies whose document, name or type is read again (DescribePolicy). */
  describePolicies: Set<string>;
  removePolicies: Set<string>;
  /** Attachments changed: the target's policies are read again (ListPoliciesForTarget). */
  attachments: { policyId: string; targetId: string }[];
  /** Accounts whose parent is read again (ListParents): moved. */
  locateAccounts: Set<string>;
  /** Accounts described again (DescribeAccount): closed. */
  describeAccounts: Set<string>;
  removeAccounts: Set<string>;
  /** OUs described again (DescribeOrganizationalUnit): renamed. */
  describeOus: Set<string>;
  /** OUs created, with their parent. */
  newOus: Map<string, string>;
  /** Containers whose OUs are listed again (an OU created without its id in the event). */
  relistOusOf: Set<string>;
  removeOus: Set<string>;
  /** The root's accounts are listed again (accounts created or invited join there). */
  relistRootAccounts: boolean;
  /** Until when later refreshes list the root's accounts again (an open invitation). */
  rootAccountsUntil?: Date;
  /** ListRoots again (a policy type this server does not read was enabled or disabled). */
  listRoots: boolean;
}

/** Write events that change nothing a snapshot holds. */
const NO_EFFECT = new Set([
  "TagResource",
  "UntagResource",
  "EnableAWSServiceAccess",
  "DisableAWSServiceAccess",
  "RegisterDelegatedAdministrator",
  "DeregisterDelegatedAdministrator",
  "PutResourcePolicy",
  "DeleteResourcePolicy",
  "DeclineHandshake",
  "CancelHandshake",
]);

function emptyPlan(): ChangePlan {
  return {
    changes: 0,
    ignored: 0,
    describePolicies: new Set(),
    removePolicies: new Set(),
    attachments: [],
    locateAccounts: new Set(),
    describeAccounts: new Set(),
    removeAccounts: new Set(),
    describeOus: new Set(),
    newOus: new Map(),
    relistOusOf: new Set(),
    removeOus: new Set(),
    relistRootAccounts: false,
    listRoots: false,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A string at `path` in `from`, or undefined. */
function at(from: Record<string, unknown> | undefined, ...path: string[]): string | undefined {
  let cursor: unknown = from;
  for (const key of path) {
    if (!isRecord(cursor)) return undefined;
    cursor = cursor[key];
  }
  return typeof cursor === "string" && cursor !== "" ? cursor : undefined;
}

const isPolicyType = (v: string | undefined): v is PolicyType =>
  v !== undefined && (POLICY_TYPES as readonly string[]).includes(v);

/** A handler's verdict: applied (undefined), no effect on a snapshot, or why it needs a whole read. */
type Verdict = undefined | typeof NO_CHANGE | string;
type Apply = (event: OrganizationsEvent, plan: ChangePlan) => Verdict;

const NO_CHANGE = "no change" as const;

/** A handler for an event whose request names the id it changes in `field`. */
function withRequestId(field: string, apply: (plan: ChangePlan, id: string) => void): Apply {
  return (e, plan) => {
    const id = at(e.request, field);
    if (!id) return `${e.name} without ${field}`;
    apply(plan, id);
    return undefined;
  };
}

const relistRootAccounts: Apply = (_e, plan) => {
  plan.relistRootAccounts = true;
  return undefined;
};

/** Each handler changes the plan, or says the event changes nothing or cannot be applied by change. */
const HANDLERS: Record<string, Apply> = {
  CreatePolicy: (e, plan) => {
    const type = at(e.request, "type");
    if (type !== undefined && !isPolicyType(type)) return NO_CHANGE; // a tag, backup, ... policy
    const id = at(e.response, "policy", "policySummary", "id");
    if (!id) return "CreatePolicy without the new policy's id";
    plan.describePolicies.add(id); // a new policy is attached nowhere yet
    return undefined;
  },
  UpdatePolicy: withRequestId("policyId", (plan, id) => {
    plan.describePolicies.add(id);
  }),
  DeletePolicy: withRequestId("policyId", (plan, id) => {
    plan.removePolicies.add(id); // only a policy attached nowhere can be deleted
    plan.describePolicies.delete(id);
  }),
  AttachPolicy: attachment,
  DetachPolicy: attachment,
  CreateOrganizationalUnit: (e, plan) => {
    const parentId = at(e.request, "parentId");
    if (!parentId) return "CreateOrganizationalUnit without parentId";
    const id = at(e.response, "organizationalUnit", "id");
    if (id) plan.newOus.set(id, parentId);
    else plan.relistOusOf.add(parentId);
    return undefined;
  },
  UpdateOrganizationalUnit: withRequestId("organizationalUnitId", (plan, id) => {
    plan.describeOus.add(id);
  }),
  DeleteOrganizationalUnit: withRequestId("organizationalUnitId", (plan, id) => {
    plan.removeOus.add(id); // only an empty OU can be deleted
    plan.describeOus.delete(id);
    plan.newOus.delete(id);
  }),
  MoveAccount: withRequestId("accountId", (plan, id) => {
    plan.locateAccounts.add(id); // its parent now, whatever order the moves arrive in
  }),
  // New accounts join at the root; AWS attaches FullAWSAccess (and RCPFullAWSAccess) to them
  // itself, without an AttachPolicy event, so their attachments are read too.
  CreateAccount: relistRootAccounts,
  CreateGovCloudAccount: relistRootAccounts,
  CreateAccountResult: relistRootAccounts,
  // The invited account accepts in its own account: the management account's event history may
  // never show it. Until the invitation expires, every refresh lists the root's accounts again.
  InviteAccountToOrganization: (e, plan) => {
    plan.relistRootAccounts = true;
    const until = new Date(e.time.getTime() + INVITATION_DAYS * 86_400_000);
    if (!plan.rootAccountsUntil || until > plan.rootAccountsUntil) plan.rootAccountsUntil = until;
    return undefined;
  },
  AcceptHandshake: relistRootAccounts,
  RemoveAccountFromOrganization: withRequestId("accountId", (plan, id) => {
    plan.removeAccounts.add(id);
    plan.locateAccounts.delete(id);
    plan.describeAccounts.delete(id);
  }),
  CloseAccount: withRequestId("accountId", (plan, id) => {
    plan.describeAccounts.add(id); // its status changes; it stays in the organization for 90 days
  }),
  EnablePolicyType: policyType,
  DisablePolicyType: policyType,
};

function attachment(e: OrganizationsEvent, plan: ChangePlan): Verdict {
  const policyId = at(e.request, "policyId");
  const targetId = at(e.request, "targetId");
  if (!policyId || !targetId) return `${e.name} without policyId and targetId`;
  plan.attachments.push({ policyId, targetId });
  return undefined;
}

function policyType(e: OrganizationsEvent, plan: ChangePlan): Verdict {
  const type = at(e.request, "policyType");
  if (!type) return `${e.name} without policyType`;
  // Every policy of that type appears or disappears at once: read the whole organization.
  if (isPolicyType(type)) return `${e.name} ${type}`;
  plan.listRoots = true; // another type: only the root's list of enabled types changes
  return undefined;
}

/**
 * What the events ask to read again. Events are applied oldest first; the plan says `full` with
 * the first reason an event cannot be applied by change.
 */
export function planChanges(events: readonly OrganizationsEvent[]): ChangePlan {
  const plan = emptyPlan();
  const ordered = [...events].sort((a, b) => a.time.getTime() - b.time.getTime());
  const seen = new Set<string>();
  for (const event of ordered) {
    if (seen.has(event.id)) continue; // overlapping look-backs return an event twice
    seen.add(event.id);
    if (event.readOnly || event.errorCode !== undefined) continue;
    if (!event.readable) {
      plan.full = `event ${event.name} (${event.id}) could not be read`;
      return plan;
    }
    if (NO_EFFECT.has(event.name)) {
      plan.ignored++;
      continue;
    }
    const handler = HANDLERS[event.name];
    if (!handler) {
      plan.full = `event ${event.name} is not one this server understands`;
      return plan;
    }
    const verdict = handler(event, plan);
    if (verdict === undefined) plan.changes++;
    else if (verdict === NO_CHANGE) plan.ignored++;
    else {
      plan.full = `event ${verdict} (${event.id})`;
      return plan;
    }
  }
  return plan;
}

/** True when the plan asks for no read at all. */
export function isEmptyPlan(plan: ChangePlan): boolean {
  return (
    plan.full === undefined &&
    plan.describePolicies.size === 0 &&
    plan.removePolicies.size === 0 &&
    plan.attachments.length === 0 &&
    plan.locateAccounts.size === 0 &&
    plan.describeAccounts.size === 0 &&
    plan.removeAccounts.size === 0 &&
    plan.describeOus.size === 0 &&
    plan.newOus.size === 0 &&
    plan.relistOusOf.size === 0 &&
    plan.removeOus.size === 0 &&
    !plan.relistRootAccounts &&
    !plan.listRoots
  );
}
