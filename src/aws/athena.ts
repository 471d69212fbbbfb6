/**
 * The Athena aggregation of the trail (src/preview/athena-query.ts): started in the configured
 * workgroup, polled until the call's deadline, its rows read page by page. A query still running
 * at the deadline is returned by id, to be read by a later call; only a query this server started
 * (its first line is the marker) is ever read back.
 */
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { ActivitySourceConfig } from "../config/schema.js";
import { UserError } from "../errors.js";
import { activityFromRows, aggregationSql, QUERY_MARKER } from "../preview/athena-query.js";
import type { AthenaOutcome, AthenaRequest } from "../preview/sources.js";
import { USER_AGENT_APP_ID } from "../version.js";
import { mapActivityError } from "./activity-errors.js";
import type * as ActivitySdk from "./activity-backends.js";

type AthenaConfig = NonNullable<ActivitySourceConfig["athena"]>;

export const MAX_AGGREGATED_ROWS = 200_000;
const POLL_MS = 1000;

export function createAthenaReader(
  config: AthenaConfig,
  client?: AthenaClient,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): (r: AthenaRequest) => Promise<AthenaOutcome> {
  let sdk: Promise<typeof ActivitySdk> | undefined;
  let made: AthenaClient | undefined = client;
  const load = () => (sdk ??= import("./activity-backends.js"));
  return async (request) => {
    const {
      AthenaClient: Client,
      StartQueryExecutionCommand,
      GetQueryExecutionCommand,
      GetQueryResultsCommand,
    } = await load();
    made ??= new Client({
      ...(config.region ? { region: config.region } : {}),
      customUserAgent: USER_AGENT_APP_ID,
      maxAttempts: 5,
    });
    const c = made;
    const wg = `workgroup ${config.workgroup}`;
    let id = request.queryExecutionId;
    if (!id) {
      const sql = aggregationSql({
        database: config.database,
        table: config.table,
        catalog: config.catalog,
        accounts: request.accounts,
        from: new Date(request.now.getTime() - (request.days ?? 1) * 86_400_000),
        to: request.now,
        keys: request.keys,
        resources: request.resources,
        ...(config.dateColumn ? { dateColumn: config.dateColumn } : {}),
        maxRows: MAX_AGGREGATED_ROWS,
      });
      try {
        const out = await c.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: config.workgroup,
            QueryExecutionContext: { Catalog: config.catalog, Database: config.database },
          }),
        );
        id = out.QueryExecutionId;
      } catch (error) {
        throw mapActivityError(error, "Athena", "StartQueryExecution", wg);
      }
      if (!id)
        throw new UserError(
          "unavailable",
          "Athena StartQueryExecution returned no query execution id; try again.",
          true,
        );
    }
    let state = "QUEUED";
    for (;;) {
      let q;
      try {
        q = (await c.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution;
      } catch (error) {
        throw mapActivityError(error, "Athena", "GetQueryExecution", wg);
      }
      // Only this server's own aggregation, in this workgroup, is read back.
      if (!q?.Query?.startsWith(QUERY_MARKER) || (q.WorkGroup && q.WorkGroup !== config.workgroup)) {
        throw new UserError(
          "invalid_input",
          `Query execution ${id} is not an aggregation this server started in ${wg}: start one with activity.athena.days.`,
        );
      }
      state = q.Status?.State ?? "UNKNOWN";
      if (state === "SUCCEEDED") break;
      if (state === "FAILED" || state === "CANCELLED") {
        throw new UserError(
          "unavailable",
          `The Athena aggregation ${id} ${state.toLowerCase()}: ${q.Status?.StateChangeReason ?? "no reason given"}. Check the table (docs/preview.md) and the workgroup's results location.`,
        );
      }
      if (Date.now() + POLL_MS > request.deadline) return { done: false, queryExecutionId: id, state };
      await sleep(POLL_MS);
    }
    const rows: Record<string, string | null>[] = [];
    let header: string[] | undefined;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await c.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            MaxResults: 1000,
            ...(token ? { NextToken: token } : {}),
          }),
        );
      } catch (error) {
        throw mapActivityError(error, "Athena", "GetQueryResults", wg);
      }
      for (const r of page.ResultSet?.Rows ?? []) {
        const values = (r.Data ?? []).map((d) => d.VarCharValue ?? null);
        if (!header) {
          header = values.map((v) => v ?? "");
          continue;
        }
        rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] ?? null])));
      }
      token = page.NextToken;
    } while (token && rows.length < MAX_AGGREGATED_ROWS);
    const activity = activityFromRows(
      rows,
      `an Athena aggregation of the trail (${config.database}.${config.table}${request.days ? `, ${request.days} day(s)` : ""}, query ${id})`,
    );
    activity.notes.push(`${rows.length} distinct row(s) aggregated by Athena.`);
    if (rows.length >= MAX_AGGREGATED_ROWS)
      activity.notes.push(
        `The aggregation was cut at ${MAX_AGGREGATED_ROWS} rows (the most frequent first).`,
      );
    return { done: true, activity, queryExecutionId: id };
  };
}
