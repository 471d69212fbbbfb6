/**
 * A fake of the Amazon Athena query API on 127.0.0.1, speaking the AWS JSON 1.1 protocol the real
 * SDK sends (POST /, X-Amz-Target: AmazonAthena.<Operation>, SigV4-signed): StartQueryExecution,
 * GetQueryExecution (QUEUED, RUNNING, then SUCCEEDED or FAILED after a set number of polls) and
 * GetQueryResults (the header row first, then pages of at most MaxResults rows with a NextToken).
 * The rows of a query come from `resultFor(sql)`: the test aggregates its own records the way the
 * query says, so the server's SQL and its reading of rows are both exercised.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Row = Record<string, string | number | null>;

export interface FakeAthenaOptions {
  resultFor: (sql: string) => Row[];
  /** GetQueryExecution answers before the query succeeds (default 1: RUNNING once). */
  runningPolls?: number;
  /** Fail every query with this reason. */
  failWith?: string;
}

export interface FakeAthena {
  endpoint: string;
  queries: { id: string; sql: string; workGroup: string | undefined }[];
  calls: Record<string, number>;
  close(): Promise<void>;
}

interface Query {
  id: string;
  sql: string;
  workGroup: string | undefined;
  polls: number;
  rows?: Row[];
}

export async function startFakeAthena(options: FakeAthenaOptions): Promise<FakeAthena> {
  const queries = new Map<string, Query>();
  const calls: Record<string, number> = {};
  const send = (res: ServerResponse, status: number, body: unknown, type?: string): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "Content-Type": "application/x-amz-json-1.1",
      "Content-Length": Buffer.byteLength(text),
      ...(type ? { "x-amzn-ErrorType": type } : {}),
    });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const op = target.replace(/^AmazonAthena\./, "");
      calls[op] = (calls[op] ?? 0) + 1;
      if (!String(req.headers["authorization"] ?? "").startsWith("AWS4-HMAC-SHA256 Credential="))
        return send(
          res,
          400,
          { __type: "MissingAuthenticationTokenException", message: "missing signature" },
          "MissingAuthenticationTokenException",
        );
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      const find = (): Query | undefined => queries.get(String(body["QueryExecutionId"]));
      switch (op) {
        case "StartQueryExecution": {
          const sql = String(body["QueryString"] ?? "");
          if (!/^SELECT|^--/m.test(sql))
            return send(
              res,
              400,
              { __type: "InvalidRequestException", Message: "not a query" },
              "InvalidRequestException",
            );
          const id = randomUUID();
          queries.set(id, { id, sql, workGroup: body["WorkGroup"] as string | undefined, polls: 0 });
          return send(res, 200, { QueryExecutionId: id });
        }
        case "GetQueryExecution": {
          const q = find();
          if (!q)
            return send(
              res,
              400,
              {
                __type: "InvalidRequestException",
                Message: `QueryExecution ${String(body["QueryExecutionId"])} was not found`,
              },
              "InvalidRequestException",
            );
          q.polls++;
          const running = q.polls <= (options.runningPolls ?? 1);
          const state = running
            ? q.polls === 1
              ? "QUEUED"
              : "RUNNING"
            : options.failWith
              ? "FAILED"
              : "SUCCEEDED";
          return send(res, 200, {
            QueryExecution: {
              QueryExecutionId: q.id,
              Query: q.sql,
              StatementType: "DML",
              WorkGroup: q.workGroup,
              Status: {
                State: state,
                ...(state === "FAILED" ? { StateChangeReason: options.failWith } : {}),
              },
            },
          });
        }
        case "GetQueryResults": {
          const q = find();
          if (!q)
            return send(
              res,
              400,
              { __type: "InvalidRequestException", Message: "not found" },
              "InvalidRequestException",
            );
          q.rows ??= options.resultFor(q.sql);
          const header = Object.keys(q.rows[0] ?? { events: 0 });
          const all = [
            header,
            ...q.rows.map((r) =>
              header.map((h) => (r[h] === null || r[h] === undefined ? null : String(r[h]))),
            ),
          ];
          const max = Number(body["MaxResults"] ?? 1000);
          const offset = body["NextToken"]
            ? Number(Buffer.from(String(body["NextToken"]), "base64url").toString())
            : 0;
          const page = all.slice(offset, offset + max);
          const next =
            offset + page.length < all.length
              ? Buffer.from(String(offset + page.length)).toString("base64url")
              : undefined;
          return send(res, 200, {
            ResultSet: {
              Rows: page.map((values) => ({
                Data: values.map((v) => (v === null ? {} : { VarCharValue: v })),
              })),
              ResultSetMetadata: { ColumnInfo: header.map((h) => ({ Name: h, Label: h, Type: "varchar" })) },
            },
            ...(next ? { NextToken: next } : {}),
          });
        }
        default:
          return send(
            res,
            400,
            { __type: "UnknownOperationException", Message: `unknown ${target}` },
            "UnknownOperationException",
          );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get queries() {
      return [...queries.values()].map((q) => ({ id: q.id, sql: q.sql, workGroup: q.workGroup }));
    },
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
