/**
 * The AWS reader: a thin, cached mapping of the Organizations read API onto `OrganizationReader`.
 * Lists are read with the SDK paginators at the largest page size AWS allows and returned whole
 * (a failed page fails the call), every call is cached by operation + arguments with in-flight
 * de-duplication, and API calls are counted per operation (one per page sent) for get_server_status.
 * Every HTTP request (SDK retries included) passes a pacer: a token bucket just under the
 * Organizations throttle and a concurrency bound.
 *
 * Answers also teach the reader things other calls would otherwise be needed for: names (from
 * listings and policy targets), parents (from child listings), the management account (from
 * customer-managed policy ARNs). docs/performance.md describes the call plans built on this.
 */
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  OrganizationsClient,
  paginateListAccountsForParent,
  paginateListChildren,
  paginateListOrganizationalUnitsForParent,
  paginateListParents,
  paginateListPolicies,
  paginateListPoliciesForTarget,
  paginateListRoots,
  paginateListTargetsForPolicy,
  type Account as AwsAccount,
  type OrganizationsClientConfig,
  type PolicySummary as AwsPolicySummary,
} from "@aws-sdk/client-organizations";
import { UserError, notFound } from "../errors.js";
import { DEFAULT_MAX_ATTEMPTS, awsClientSettings } from "./aws-client-settings.js";
import { isThrottlingError, mapAwsError } from "./aws-errors.js";
import { TtlCache } from "./cache.js";
import { deepFreeze } from "./freeze.js";
import type { TargetKind } from "../model/ids.js";
import { Pacer } from "./pacer.js";
import type { PolicyType } from "../model/policy-type.js";
import { ORGANIZATIONS_PAGE_SIZE } from "./types.js";
import type {
  Account,
  CachedOperation,
  KnownOrganization,
  LearnedFact,
  OrganizationInfo,
  OrganizationReader,
  OrganizationalUnit,
  Policy,
  PolicySummary,
  PolicyTarget,
  ReaderStats,
  Root,
  TargetRef,
} from "./types.js";

/** Organizations is a global service homed in us-east-1 for the aws partition. */
export const DEFAULT_ORGANIZATIONS_REGION = "us-east-1";
/**
 * Pacing defaults, deliberately conservative: a burst large enough for one account's whole
 * effective chain (at most 6 ListParents + 7 ListPoliciesForTarget + 64 distinct SCPs + 1, with the
 * quota of 10 SCPs per target: FullAWSAccess plus 9 more at each of 7 levels), so an interactive
 * question is never slowed, then a sustained rate for whole-organization work. Tune with the
 * ORG_API_* variables.
 */
export const DEFAULT_RATE_PER_SECOND = 8;
export const DEFAULT_BURST = 80;
export const DEFAULT_MAX_CONCURRENCY = 8;

export interface OrganizationsClientOptions {
  region?: string;
  roleArn?: string;
  externalId?: string;
  /** Attempts per request including the first (SDK retries with adaptive rate limiting). */
  maxAttempts?: number;
}

export interface PacingOptions {
  /** Sustained HTTP requests per second to Organizations (retries included). Default 8. */
  ratePerSecond?: number;
  /** Requests that may go at once after a quiet period. Default 40. */
  burst?: number;
  /** Requests in flight at once. Default 8. */
  maxConcurrency?: number;
}

export interface AwsReaderOptions extends OrganizationsClientOptions {
  cacheTtlSeconds: number;
  /** A ready client (tests, or a caller that needs a custom endpoint); region/role options are then unused. */
  client?: OrganizationsClient;
  /** Clock in milliseconds since the epoch, for the cache. */
  now?: () => number;
  pacing?: PacingOptions;
  /** A pacer shared with other readers of the same account (the snapshot store's refresher); `pacing` is then unused. */
  pacer?: Pacer;
}

/** The client configuration the reader uses; exported so tests can run the same settings against a fake endpoint. */
export function organizationsClientConfig(
  options: OrganizationsClientOptions = {},
): OrganizationsClientConfig {
  return awsClientSettings(
    options.region ?? DEFAULT_ORGANIZATIONS_REGION,
    options,
    options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  );
}

const KNOWN_POLICY_TYPES: ReadonlySet<string> = new Set<PolicyType>([
  "SERVICE_CONTROL_POLICY",
  "RESOURCE_CONTROL_POLICY",
]);

function isPolicyType(value: string | undefined): value is PolicyType {
  return value !== undefined && KNOWN_POLICY_TYPES.has(value);
}

function targetKind(type: string | undefined, id: string): TargetKind {
  if (type === "ROOT" || type === "ORGANIZATIONAL_UNIT" || type === "ACCOUNT") return type;
  if (id.startsWith("r-")) return "ROOT";
  if (id.startsWith("ou-")) return "ORGANIZATIONAL_UNIT";
  return "ACCOUNT";
}

/** Customer-managed policy ARNs carry the management account and the organization id. */
const CUSTOMER_POLICY_ARN = /^arn:aws[a-z-]*:organizations::(\d{12}):policy\/(o-[a-z0-9]{10,32})\//;

function parentRef(id: string): TargetRef {
  return { id, type: targetKind(undefined, id) };
}

function toAccount(a: AwsAccount, fallbackId: string): Account {
  const status = a.State ?? a.Status;
  return {
    id: a.Id ?? fallbackId,
    name: a.Name ?? a.Id ?? fallbackId,
    ...(a.Email ? { email: a.Email } : {}),
    ...(status ? { status } : {}),
    ...(a.Arn ? { arn: a.Arn } : {}),
  };
}

function toPolicySummary(p: AwsPolicySummary, fallbackType: PolicyType, fallbackId = ""): PolicySummary {
  const id = p.Id ?? fallbackId;
  return {
    id,
    name: p.Name ?? id,
    description: p.Description ?? "",
    type: isPolicyType(p.Type) ? p.Type : fallbackType,
    awsManaged: p.AwsManaged ?? false,
    ...(p.Arn ? { arn: p.Arn } : {}),
  };
}

export function createAwsReader(options: AwsReaderOptions): OrganizationReader {
  const client = options.client ?? new OrganizationsClient(organizationsClientConfig(options));
  const now = options.now ?? Date.now;
  const ttlMs = Math.max(0, options.cacheTtlSeconds) * 1000;
  const cache = new TtlCache({ ttlMs, now });
  const pacer =
    options.pacer ??
    new Pacer({
      ratePerSecond: options.pacing?.ratePerSecond ?? DEFAULT_RATE_PER_SECOND,
      burst: options.pacing?.burst ?? DEFAULT_BURST,
      maxConcurrency: options.pacing?.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    });
  const apiCalls: Record<string, number> = {};
  let httpRequests = 0;
  let throttledResponses = 0;
  let derivedEntries = 0;
  let refreshes = 0;
  const count = (operation: string): void => {
    apiCalls[operation] = (apiCalls[operation] ?? 0) + 1;
  };

  // Every attempt (after the SDK's retry middleware) waits for the pacer, so retries are paced too.
  const paced =
    <A, R>(next: (args: A) => Promise<R>) =>
    (args: A): Promise<R> =>
      pacer.run(async () => {
        httpRequests++;
        try {
          return await next(args);
        } catch (error) {
          if (isThrottlingError(error)) throttledResponses++;
          throw error;
        }
      });
  client.middlewareStack.addRelativeTo(
    paced as Parameters<OrganizationsClient["middlewareStack"]["addRelativeTo"]>[0],
    { relation: "after", toMiddleware: "retryMiddleware", name: "organizationsPacer", override: true },
  );

  // Counts each page as the paginator sends it (including a page that then fails).
  const pagination = (
    operation: string,
  ): { client: OrganizationsClient; pageSize: number; withCommand: () => undefined } => ({
    client,
    pageSize: ORGANIZATIONS_PAGE_SIZE,
    withCommand: () => {
      count(operation);
      return undefined;
    },
  });

  // --- What answers teach: names, the organization, parents. ---
  const names = new Map<string, { name: string; at: number }>();
  const learnName = (id: string, name: string | undefined): void => {
    if (ttlMs > 0 && name !== undefined && name !== "") names.set(id, { name, at: now() });
  };
  let known: { info: KnownOrganization; at: number } | undefined;
  const learnFromPolicy = (p: PolicySummary): void => {
    if (p.awsManaged || !p.arn || ttlMs <= 0) return;
    if (known?.info.managementAccountSource === "DescribeOrganization" && now() - known.at < ttlMs) return;
    const match = CUSTOMER_POLICY_ARN.exec(p.arn);
    if (match?.[1] && match[2]) {
      known = {
        info: { id: match[2], managementAccountId: match[1], managementAccountSource: "policy ARN" },
        at: now(),
      };
    }
  };
  const key = (operation: string, args: readonly unknown[]): string => `${operation}:${JSON.stringify(args)}`;
  const seed = (operation: string, args: readonly unknown[], value: unknown, epoch: number): void => {
    if (cache.seed(key(operation, args), deepFreeze(value), epoch)) derivedEntries++;
  };
  const learnParent = (childId: string, parentId: string, epoch: number): void => {
    seed("ListParents", [childId], parentRef(parentId), epoch);
  };

  /**
   * Runs one operation through the cache; the loader's AWS errors become UserErrors. Answers are
   * frozen (src/org/freeze.ts) and shared with every caller. The loader gets the cache epoch its
   * answer belongs to, for the facts it derives.
   */
  async function cached<T>(
    operation: string,
    args: readonly unknown[],
    load: (epoch: number) => Promise<T>,
  ): Promise<T> {
    const subject = args.length > 0 ? String(args[0]) : undefined;
    const epoch = cache.epoch();
    const value = await cache.getOrLoad(key(operation, args), async () => {
      try {
        return deepFreeze(await load(epoch));
      } catch (error) {
        throw mapAwsError(error, operation, subject);
      }
    });
    return value;
  }

  async function send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    count(operation);
    return call();
  }

  const reader: OrganizationReader = {
    kind: "aws",

    describeOrganization: () =>
      cached("DescribeOrganization", [], async (): Promise<OrganizationInfo> => {
        const out = await send("DescribeOrganization", () =>
          client.send(new DescribeOrganizationCommand({})),
        );
        const org = out.Organization;
        if (!org?.Id || !org.MasterAccountId) {
          throw new UserError(
            "unavailable",
            "AWS Organizations DescribeOrganization returned no organization details.",
          );
        }
        if (ttlMs > 0) {
          known = {
            info: {
              id: org.Id,
              managementAccountId: org.MasterAccountId,
              managementAccountSource: "DescribeOrganization",
            },
            at: now(),
          };
        }
        return {
          id: org.Id,
          managementAccountId: org.MasterAccountId,
          ...(org.Arn ? { arn: org.Arn } : {}),
          ...(org.FeatureSet ? { featureSet: org.FeatureSet } : {}),
        };
      }),

    listRoots: () =>
      cached("ListRoots", [], async (): Promise<Root[]> => {
        const roots: Root[] = [];
        for await (const page of paginateListRoots(pagination("ListRoots"), {})) {
          for (const r of page.Roots ?? []) {
            if (!r.Id) continue;
            learnName(r.Id, r.Name);
            roots.push({
              id: r.Id,
              name: r.Name ?? "Root",
              ...(r.Arn ? { arn: r.Arn } : {}),
              policyTypes: (r.PolicyTypes ?? []).map((t) => ({ type: t.Type ?? "", status: t.Status ?? "" })),
            });
          }
        }
        return roots;
      }),

    getParent: (childId) =>
      cached("ListParents", [childId], async (): Promise<TargetRef> => {
        const parents: TargetRef[] = [];
        for await (const page of paginateListParents(pagination("ListParents"), { ChildId: childId })) {
          for (const p of page.Parents ?? []) {
            if (p.Id) parents.push({ id: p.Id, type: targetKind(p.Type, p.Id) });
          }
        }
        const parent = parents[0];
        if (!parent)
          throw notFound(`AWS Organizations ListParents: ${childId} has no parent in this organization.`);
        return parent;
      }),

    listChildren: (parentId, childType) =>
      cached("ListChildren", [parentId, childType], async (epoch): Promise<TargetRef[]> => {
        const children: TargetRef[] = [];
        const input = { ParentId: parentId, ChildType: childType };
        for await (const page of paginateListChildren(pagination("ListChildren"), input)) {
          for (const c of page.Children ?? []) {
            if (c.Id) children.push({ id: c.Id, type: targetKind(c.Type ?? childType, c.Id) });
          }
        }
        for (const c of children) learnParent(c.id, parentId, epoch);
        return children;
      }),

    listAccountsForParent: (parentId) =>
      cached("ListAccountsForParent", [parentId], async (epoch): Promise<Account[]> => {
        const accounts: Account[] = [];
        const input = { ParentId: parentId };
        for await (const page of paginateListAccountsForParent(pagination("ListAccountsForParent"), input)) {
          for (const a of page.Accounts ?? []) if (a.Id) accounts.push(toAccount(a, a.Id));
        }
        for (const a of accounts) {
          learnName(a.id, a.name);
          learnParent(a.id, parentId, epoch);
        }
        return accounts;
      }),

    listOrganizationalUnitsForParent: (parentId) =>
      cached("ListOrganizationalUnitsForParent", [parentId], async (epoch): Promise<OrganizationalUnit[]> => {
        const ous: OrganizationalUnit[] = [];
        const input = { ParentId: parentId };
        const pages = paginateListOrganizationalUnitsForParent(
          pagination("ListOrganizationalUnitsForParent"),
          input,
        );
        for await (const page of pages) {
          for (const o of page.OrganizationalUnits ?? []) {
            if (!o.Id) continue;
            ous.push({ id: o.Id, name: o.Name ?? o.Id, ...(o.Arn ? { arn: o.Arn } : {}) });
          }
        }
        for (const o of ous) {
          learnName(o.id, o.name);
          learnParent(o.id, parentId, epoch);
        }
        return ous;
      }),

    describeAccount: (accountId) =>
      cached("DescribeAccount", [accountId], async (): Promise<Account> => {
        const out = await send("DescribeAccount", () =>
          client.send(new DescribeAccountCommand({ AccountId: accountId })),
        );
        const a = out.Account;
        if (!a) throw notFound(`AWS Organizations DescribeAccount: account ${accountId} was not found.`);
        const account = toAccount(a, accountId);
        learnName(account.id, account.name);
        return account;
      }),

    describeOrganizationalUnit: (ouId) =>
      cached("DescribeOrganizationalUnit", [ouId], async (): Promise<OrganizationalUnit> => {
        const out = await send("DescribeOrganizationalUnit", () =>
          client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: ouId })),
        );
        const ou = out.OrganizationalUnit;
        if (!ou) {
          throw notFound(
            `AWS Organizations DescribeOrganizationalUnit: organizational unit ${ouId} was not found.`,
          );
        }
        const name = ou.Name ?? ou.Id ?? ouId;
        learnName(ou.Id ?? ouId, ou.Name);
        return { id: ou.Id ?? ouId, name, ...(ou.Arn ? { arn: ou.Arn } : {}) };
      }),

    listPolicies: (type) =>
      cached("ListPolicies", [type], async (): Promise<PolicySummary[]> => {
        const policies: PolicySummary[] = [];
        for await (const page of paginateListPolicies(pagination("ListPolicies"), { Filter: type })) {
          for (const p of page.Policies ?? []) {
            if (p.Id) policies.push(toPolicySummary(p, type));
          }
        }
        policies.forEach(learnFromPolicy);
        return policies;
      }),

    describePolicy: (policyId) =>
      cached("DescribePolicy", [policyId], async (): Promise<Policy> => {
        const out = await send("DescribePolicy", () =>
          client.send(new DescribePolicyCommand({ PolicyId: policyId })),
        );
        const summary = out.Policy?.PolicySummary;
        const content = out.Policy?.Content;
        if (!summary || content === undefined) {
          throw notFound(
            `AWS Organizations DescribePolicy: policy ${policyId} was not found or has no content.`,
          );
        }
        if (!isPolicyType(summary.Type)) {
          throw new UserError(
            "invalid_input",
            `Policy ${policyId} is a ${summary.Type ?? "policy of unknown type"}; this server reads service control ` +
              "policies and resource control policies only.",
          );
        }
        const policy = { ...toPolicySummary(summary, summary.Type, policyId), content };
        learnFromPolicy(policy);
        return policy;
      }),

    listTargetsForPolicy: (policyId) =>
      cached("ListTargetsForPolicy", [policyId], async (): Promise<PolicyTarget[]> => {
        const targets: PolicyTarget[] = [];
        const input = { PolicyId: policyId };
        for await (const page of paginateListTargetsForPolicy(pagination("ListTargetsForPolicy"), input)) {
          for (const t of page.Targets ?? []) {
            if (!t.TargetId) continue;
            learnName(t.TargetId, t.Name);
            targets.push({
              id: t.TargetId,
              type: targetKind(t.Type, t.TargetId),
              name: t.Name ?? t.TargetId,
            });
          }
        }
        return targets;
      }),

    listPoliciesForTarget: (targetId, type) =>
      cached("ListPoliciesForTarget", [targetId, type], async (): Promise<PolicySummary[]> => {
        const policies: PolicySummary[] = [];
        const input = { TargetId: targetId, Filter: type };
        for await (const page of paginateListPoliciesForTarget(pagination("ListPoliciesForTarget"), input)) {
          for (const p of page.Policies ?? []) {
            if (p.Id) policies.push(toPolicySummary(p, type));
          }
        }
        policies.forEach(learnFromPolicy);
        return policies;
      }),

    peekName: (id) => {
      const entry = names.get(id);
      if (!entry) return undefined;
      if (now() - entry.at < ttlMs) return entry.name;
      names.delete(id);
      return undefined;
    },

    peekOrganization: (): KnownOrganization => {
      if (!known || now() - known.at >= ttlMs) return {};
      return { ...known.info };
    },

    isCached: (operation: CachedOperation, args) => cache.has(key(operation, args)),

    epoch: () => cache.epoch(),

    learn: (facts: readonly LearnedFact[], epoch) => {
      for (const fact of facts) {
        if (fact.kind === "policiesForTarget") {
          seed("ListPoliciesForTarget", [fact.targetId, fact.policyType], fact.policies, epoch);
        } else {
          seed("ListTargetsForPolicy", [fact.policyId], fact.targets, epoch);
        }
      }
    },

    stats: (): ReaderStats => {
      const { hits, misses, entries } = cache.stats();
      const oldest = cache.oldestEntryTime();
      return {
        apiCalls: { ...apiCalls },
        cacheHits: hits,
        cacheMisses: misses,
        cacheEntries: entries,
        dataAsOf: oldest === null ? null : new Date(oldest).toISOString(),
        httpRequests,
        throttledResponses,
        derivedEntries,
        refreshes,
        pacing: pacer.stats(),
      };
    },

    refresh: () => {
      cache.clear();
      names.clear();
      known = undefined;
      refreshes++;
    },
  };
  return reader;
}
