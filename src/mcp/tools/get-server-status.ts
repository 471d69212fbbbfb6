import { z } from "zod";
import { describeOrigin } from "../../config/load.js";
import { UserError } from "../../errors.js";
import type { StoreStatus } from "../../org/store/stored-reader.js";
import { dataAgeSchema, describeDuration } from "../../org/store/freshness.js";
import { defineTool } from "../define-tool.js";
import { requireOrg } from "../require-org.js";

const storeSchema = z.object({
  uri: z.string(),
  object: z.string().nullable().describe("the object this organization's snapshot is stored in"),
  state: z.enum(["not read yet", "fresh", "stale", "missing", "refused", "unavailable"]),
  capturedAt: z.string().nullable(),
  ageSeconds: z.number().nullable(),
  maxAgeSeconds: z.number(),
  lookBackMarginSeconds: z.number(),
  refreshing: z.string().nullable().describe("who is refreshing the snapshot now"),
  lastRefresh: z
    .object({
      mode: z.enum(["full", "by-change"]),
      reason: z.string(),
      changes: z.number(),
      organizationsCalls: z.number(),
      lookupPages: z.number(),
      startedAt: z.string(),
      durationMs: z.number(),
      capturedAt: z.string(),
    })
    .nullable()
    .describe("the last refresh this session made"),
  problem: z
    .object({ code: z.string(), message: z.string(), fix: z.string(), at: z.string() })
    .nullable()
    .describe("what went wrong with the store, and what to fix; answers come from the AWS API meanwhile"),
  storeRequests: z.number().describe("S3 requests this session made to the store"),
});

/** The snapshot store's status, when the reader has one. */
function storeStatusOf(reader: unknown): StoreStatus | undefined {
  const status = (reader as { storeStatus?: () => StoreStatus }).storeStatus;
  return status ? status.call(reader) : undefined;
}

function describeStore(store: StoreStatus): string[] {
  const age = store.ageSeconds === null ? "" : `, ${describeDuration(store.ageSeconds)} old`;
  const lines = [
    `Snapshot store: ${store.object ?? store.uri}: ${store.state}` +
      (store.capturedAt
        ? ` (captured ${store.capturedAt}${age}; maximum age ${describeDuration(store.maxAgeSeconds)})`
        : ""),
  ];
  if (store.refreshing) lines.push(`Refreshing: ${store.refreshing}`);
  if (store.lastRefresh) {
    const r = store.lastRefresh;
    lines.push(
      `Last refresh here: ${r.mode} (${r.reason}), ${r.organizationsCalls} Organizations calls, ` +
        `${r.lookupPages} LookupEvents pages, ${describeDuration(r.durationMs / 1000)}`,
    );
  }
  if (store.problem) lines.push(`Store problem: ${store.problem.message} To fix: ${store.problem.fix}`);
  return lines;
}

export const getServerStatus = defineTool({
  name: "get_server_status",
  title: "Server and data source status",
  description:
    "Shows which organization this server reads (id, management account), the data's source (live AWS, a snapshot file or the bundled demo) and age, the OUs it may inspect, the enabled policy types, API/cache figures and the snapshot store's state. Call it first. refresh: true drops cached AWS answers and refreshes the shared snapshot (after a change), at most once a minute.",
  input: {
    refresh: z.boolean().default(false).describe("drop cached AWS answers first (at most once a minute)"),
  },
  output: {
    server: z.object({
      name: z.string(),
      version: z.string(),
      startedAt: z.string(),
      uptimeSeconds: z.number(),
    }),
    config: z.object({
      origin: z.string(),
      loadedAt: z.string(),
      authEnabled: z.boolean(),
      cacheTtlSeconds: z.number(),
      baseline: z.string().nullable(),
    }),
    organization: z.object({
      id: z.string(),
      managementAccountId: z.string(),
      source: z.enum(["aws", "snapshot", "demo"]),
      dataAsOf: z
        .string()
        .nullable()
        .describe(
          "when the snapshot was captured, or when the oldest cached AWS answer was read; null when nothing is held, or (live AWS, part of the organization in scope) withheld",
        ),
      dataAgeSeconds: z.number().nullable(),
    }),
    scope: z.object({ allowedOuIds: z.array(z.string()), wholeOrganization: z.boolean() }),
    roots: z.array(z.object({ id: z.string(), name: z.string(), enabledPolicyTypes: z.array(z.string()) })),
    cache: z
      .object({
        countsWithheld: z
          .boolean()
          .describe(
            "true when only part of the organization is in scope: call and cache counts depend on what lies outside it, so they are left out here (the server log has them)",
          ),
        apiCalls: z
          .record(z.string(), z.number())
          .optional()
          .describe("AWS API calls per operation, one per page"),
        totalApiCalls: z.number().optional(),
        cacheHits: z
          .number()
          .optional()
          .describe("answers served from the cache or shared with an identical call in flight"),
        cacheMisses: z.number().optional(),
        cacheEntries: z.number().optional(),
        httpRequests: z.number().optional().describe("HTTP requests sent to AWS, SDK retries included"),
        throttledResponses: z.number().optional().describe("requests AWS answered with a throttling error"),
        derivedEntries: z
          .number()
          .optional()
          .describe("answers stored without a call because other answers implied them"),
        refreshes: z.number().optional(),
        refreshed: z.boolean().describe("true when this call dropped the cache first"),
        pacing: z
          .object({
            ratePerSecond: z.number(),
            burst: z.number(),
            maxConcurrency: z.number(),
            delayedRequests: z.number().optional(),
            waitedMs: z.number().optional(),
          })
          .optional()
          .describe("the request pacer that keeps AWS calls under the Organizations throttle"),
      })
      .meta({
        summary:
          "API and cache counters (apiCalls by operation, cacheHits, throttledResponses, pacing...); countsWithheld when only part of the organization is in scope",
      }),
    dataAge: dataAgeSchema
      .optional()
      .describe("the data's age and source (snapshot store); every answer carries it"),
    store: storeSchema.optional().describe("the shared snapshot store on S3, when configured"),
  },
  handler: async ({ refresh }, ctx) => {
    const { org, loaded } = requireOrg(ctx);
    if (refresh) {
      const outcome = org.requestRefresh();
      if (!outcome.refreshed) {
        const seconds = Math.max(1, Math.ceil((outcome.nextRefreshAt.getTime() - Date.now()) / 1000));
        ctx.logger.info("organization cache refresh refused", {
          requestId: ctx.requestId,
          nextRefreshAt: outcome.nextRefreshAt.toISOString(),
        });
        throw new UserError(
          "throttled",
          `The organization was last refreshed at ${outcome.lastRefreshAt.toISOString()}; a refresh runs at most once a ` +
            `minute, so the next one can run at ${outcome.nextRefreshAt.toISOString()} (in ${seconds} s). ` +
            `Until then answers come from what was read since that refresh (cached for at most ${loaded.config.cacheTtlSeconds} s).`,
        );
      }
      ctx.logger.info("organization cache refreshed", { requestId: ctx.requestId });
    }
    const [info, roots, allowed, wholeOrganization] = await Promise.all([
      org.describeOrganization(),
      org.listRoots(),
      org.allowedIds(),
      org.wholeOrganizationAllowed(),
    ]);
    const stats = org.reader.stats();
    // With part of the organization in scope, every count below grows with what lies outside it
    // (all policies are listed and read, an out-of-scope id costs a walk to the root, a missing one
    // a single failed call): told to the operator's log only. A snapshot's capture time is fixed;
    // live AWS data's age follows the same reads.
    const withheld = !wholeOrganization;
    if (withheld) ctx.logger.info("organization reader stats", { requestId: ctx.requestId, ...stats });
    // Snapshot and demo readers count their reads from memory under the operations' names: none of
    // them is an AWS call, so they are not reported as AWS API calls.
    const awsApiCalls = org.reader.kind === "aws" ? stats.apiCalls : {};
    const totalAwsApiCalls = Object.values(awsApiCalls).reduce((a, b) => a + b, 0);
    const store = storeStatusOf(org.reader);
    const now = Date.now();
    const dataAsOf = withheld && org.reader.kind === "aws" ? null : stats.dataAsOf;
    const dataAgeSeconds = dataAsOf ? Math.max(0, Math.round((now - Date.parse(dataAsOf)) / 1000)) : null;
    const baseline = loaded.config.baseline;
    const data = {
      server: {
        name: "aws-organizations-mcp-server",
        version: ctx.runtime.version,
        startedAt: ctx.runtime.startedAt.toISOString(),
        uptimeSeconds: Math.round((now - ctx.runtime.startedAt.getTime()) / 1000),
      },
      config: {
        origin: describeOrigin(loaded.origin),
        loadedAt: loaded.loadedAt.toISOString(),
        authEnabled: loaded.config.auth.enabled,
        cacheTtlSeconds: loaded.config.cacheTtlSeconds,
        baseline: baseline
          ? baseline.source === "inline"
            ? "inline (runtime configuration)"
            : baseline.source === "file"
              ? `file ${baseline.path}`
              : `secret ${baseline.secretId}`
          : null,
      },
      organization: {
        id: info.id,
        managementAccountId: info.managementAccountId,
        source: org.reader.kind,
        dataAsOf,
        dataAgeSeconds,
      },
      scope: { allowedOuIds: allowed, wholeOrganization },
      roots: roots.map((r) => ({
        id: r.id,
        name: r.name,
        enabledPolicyTypes: r.policyTypes.filter((t) => t.status === "ENABLED").map((t) => t.type),
      })),
      cache: {
        countsWithheld: withheld,
        ...(withheld
          ? {}
          : {
              apiCalls: awsApiCalls,
              totalApiCalls: totalAwsApiCalls,
              cacheHits: stats.cacheHits,
              cacheMisses: stats.cacheMisses,
              cacheEntries: stats.cacheEntries,
              ...(stats.httpRequests !== undefined ? { httpRequests: stats.httpRequests } : {}),
              ...(stats.throttledResponses !== undefined
                ? { throttledResponses: stats.throttledResponses }
                : {}),
              ...(stats.derivedEntries !== undefined ? { derivedEntries: stats.derivedEntries } : {}),
            }),
        ...(stats.refreshes !== undefined ? { refreshes: stats.refreshes } : {}),
        refreshed: refresh,
        ...(stats.pacing
          ? {
              pacing: {
                ratePerSecond: stats.pacing.ratePerSecond,
                burst: stats.pacing.burst,
                maxConcurrency: stats.pacing.maxConcurrency,
                ...(withheld
                  ? {}
                  : { delayedRequests: stats.pacing.delayed, waitedMs: stats.pacing.waitedMs }),
              },
            }
          : {}),
      },
      ...(store ? { store } : {}),
    };
    const summary = [
      `Organization ${info.id} (management account ${info.managementAccountId}), source: ${org.reader.kind}` +
        (stats.dataAsOf ? `, data as of ${stats.dataAsOf}` : ""),
      `Scope: ${data.scope.wholeOrganization ? "the whole organization" : allowed.join(", ")}`,
      `Enabled policy types: ${data.roots.flatMap((r) => r.enabledPolicyTypes).join(", ") || "none"}`,
      (withheld
        ? "API call and cache counts are not shown: with part of the organization in scope they depend on what lies outside it"
        : org.reader.kind === "aws"
          ? `AWS API calls: ${totalAwsApiCalls}, cache hits: ${stats.cacheHits}`
          : `AWS API calls: none (the ${org.reader.kind} data is read from memory)`) +
        (refresh ? " (cache dropped first: refreshed)" : ""),
      ...(store ? describeStore(store) : []),
    ].join("\n");
    return { summary, data };
  },
});
