/**
 * The AWS reader: a thin, cached mapping of the Organizations read API onto `OrganizationReader`.
 * Lists are read with the SDK paginators and returned whole (a failed page fails the call),
 * every call is cached by operation + arguments, and API calls are counted per operation
 * (one per page sent) for get_server_status.
 */
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  OrganizationsClient,
  paginateListChildren,
  paginateListParents,
  paginateListPolicies,
  paginateListPoliciesForTarget,
  paginateListRoots,
  paginateListTargetsForPolicy,
  type OrganizationsClientConfig,
  type PolicySummary as AwsPolicySummary,
} from "@aws-sdk/client-organizations";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { UserError, notFound } from "../errors.js";
import { USER_AGENT_APP_ID } from "../version.js";
import { mapAwsError } from "./aws-errors.js";
import { TtlCache } from "./cache.js";
import type { TargetKind } from "./ids.js";
import type {
  Account,
  OrganizationInfo,
  OrganizationReader,
  OrganizationalUnit,
  Policy,
  PolicySummary,
  PolicyTarget,
  PolicyType,
  ReaderStats,
  Root,
  TargetRef,
} from "./types.js";

/** Organizations is a global service homed in us-east-1 for the aws partition. */
export const DEFAULT_ORGANIZATIONS_REGION = "us-east-1";
/** Shows in CloudTrail as the assumed-role session name. */
export const ROLE_SESSION_NAME = "aws-organizations-mcp-server";
export const DEFAULT_MAX_ATTEMPTS = 6;

export interface OrganizationsClientOptions {
  region?: string;
  roleArn?: string;
  externalId?: string;
  /** Attempts per request including the first (SDK retries with adaptive rate limiting). */
  maxAttempts?: number;
}

export interface AwsReaderOptions extends OrganizationsClientOptions {
  cacheTtlSeconds: number;
  /** A ready client (tests, or a caller that needs a custom endpoint); region/role options are then unused. */
  client?: OrganizationsClient;
  /** Clock in milliseconds since the epoch, for the cache. */
  now?: () => number;
}

/** The client configuration the reader uses; exported so tests can run the same settings against a fake endpoint. */
export function organizationsClientConfig(
  options: OrganizationsClientOptions = {},
): OrganizationsClientConfig {
  const region = options.region ?? DEFAULT_ORGANIZATIONS_REGION;
  return {
    region,
    retryMode: "adaptive",
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    customUserAgent: USER_AGENT_APP_ID,
    ...(options.roleArn
      ? {
          credentials: fromTemporaryCredentials({
            params: {
              RoleArn: options.roleArn,
              RoleSessionName: ROLE_SESSION_NAME,
              ...(options.externalId ? { ExternalId: options.externalId } : {}),
            },
            clientConfig: { region },
          }),
        }
      : {}),
  };
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
  const cache = new TtlCache({ ttlMs: Math.max(0, options.cacheTtlSeconds) * 1000, now });
  const apiCalls: Record<string, number> = {};
  const count = (operation: string): void => {
    apiCalls[operation] = (apiCalls[operation] ?? 0) + 1;
  };
  // Counts each page as the paginator sends it (including a page that then fails).
  const pagination = (operation: string): { client: OrganizationsClient; withCommand: () => undefined } => ({
    client,
    withCommand: () => {
      count(operation);
      return undefined;
    },
  });

  /**
   * Runs one operation through the cache; the loader's AWS errors become UserErrors. Callers get
   * their own copy, so mutating a result never changes what the cache holds.
   */
  async function cached<T>(operation: string, args: readonly unknown[], load: () => Promise<T>): Promise<T> {
    const key = `${operation}:${JSON.stringify(args)}`;
    const subject = args.length > 0 ? String(args[0]) : undefined;
    const value = await cache.getOrLoad(key, async () => {
      try {
        return await load();
      } catch (error) {
        throw mapAwsError(error, operation, subject);
      }
    });
    return structuredClone(value);
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
      cached("ListChildren", [parentId, childType], async (): Promise<TargetRef[]> => {
        const children: TargetRef[] = [];
        const input = { ParentId: parentId, ChildType: childType };
        for await (const page of paginateListChildren(pagination("ListChildren"), input)) {
          for (const c of page.Children ?? []) {
            if (c.Id) children.push({ id: c.Id, type: targetKind(c.Type ?? childType, c.Id) });
          }
        }
        return children;
      }),

    describeAccount: (accountId) =>
      cached("DescribeAccount", [accountId], async (): Promise<Account> => {
        const out = await send("DescribeAccount", () =>
          client.send(new DescribeAccountCommand({ AccountId: accountId })),
        );
        const a = out.Account;
        if (!a) throw notFound(`AWS Organizations DescribeAccount: account ${accountId} was not found.`);
        const status = a.State ?? a.Status;
        return {
          id: a.Id ?? accountId,
          name: a.Name ?? a.Id ?? accountId,
          ...(a.Email ? { email: a.Email } : {}),
          ...(status ? { status } : {}),
          ...(a.Arn ? { arn: a.Arn } : {}),
        };
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
        return {
          id: ou.Id ?? ouId,
          name: ou.Name ?? ou.Id ?? ouId,
          ...(ou.Arn ? { arn: ou.Arn } : {}),
        };
      }),

    listPolicies: (type) =>
      cached("ListPolicies", [type], async (): Promise<PolicySummary[]> => {
        const policies: PolicySummary[] = [];
        for await (const page of paginateListPolicies(pagination("ListPolicies"), { Filter: type })) {
          for (const p of page.Policies ?? []) {
            if (p.Id) policies.push(toPolicySummary(p, type));
          }
        }
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
        return { ...toPolicySummary(summary, summary.Type, policyId), content };
      }),

    listTargetsForPolicy: (policyId) =>
      cached("ListTargetsForPolicy", [policyId], async (): Promise<PolicyTarget[]> => {
        const targets: PolicyTarget[] = [];
        const input = { PolicyId: policyId };
        for await (const page of paginateListTargetsForPolicy(pagination("ListTargetsForPolicy"), input)) {
          for (const t of page.Targets ?? []) {
            if (!t.TargetId) continue;
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
        return policies;
      }),

    stats: (): ReaderStats => {
      const { hits, misses, entries } = cache.stats();
      const oldest = cache.oldestEntryTime();
      return {
        apiCalls: { ...apiCalls },
        cacheHits: hits,
        cacheMisses: misses,
        cacheEntries: entries,
        dataAsOf: oldest === null ? null : new Date(oldest).toISOString(),
      };
    },

    refresh: () => {
      cache.clear();
    },
  };
  return reader;
}
