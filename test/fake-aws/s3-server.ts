/**
 * An S3-compatible server for the snapshot store tests: s3rver (npm, MIT) on 127.0.0.1, behind a
 * small proxy that adds what s3rver 3.7 lacks, S3's conditional writes:
 *
 * - PutObject with If-None-Match: * fails with 412 PreconditionFailed when the key exists;
 * - PutObject and DeleteObject with If-Match: <ETag> fail with 412 when the ETag differs, and with
 *   404 NoSuchKey when there is no object (as S3 answers; S3 User Guide, "Conditional requests").
 *
 * Writes to one key pass the proxy one at a time, so a condition is checked and the write made
 * without another write in between, as S3 guarantees. Everything else is s3rver's own (GET,
 * If-None-Match on GET, NoSuchBucket, NoSuchKey). The proxy also counts requests per operation and
 * can refuse them (AccessDenied) or hold writes, for the fault tests. Point the SDK at `endpoint`
 * with path-style addressing (AWS_ENDPOINT_URL_S3; the server then sets forcePathStyle).
 */
import {
  request as httpRequest,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import AWSAccount from "s3rver/lib/models/account.js";
import { FAKE_CREDENTIALS } from "./credentials.js";

export interface FakeS3Options {
  /** Buckets that exist from the start. */
  buckets: string[];
  /** Extra latency of every answer, in milliseconds. */
  latencyMs?: number;
}

export type S3Operation = "GetObject" | "HeadObject" | "PutObject" | "DeleteObject" | "Other";

export interface DenyRule {
  operation?: S3Operation;
  /** Keys the rule applies to (all when absent). */
  key?: RegExp;
  /** The S3 error answered. */
  code: "AccessDenied" | "InternalError" | "NoSuchBucket";
}

export interface FakeS3 {
  endpoint: string;
  /** Requests received per operation (every attempt). */
  requests(): Record<S3Operation, number>;
  /** Conditional writes refused (412) and refused for a missing object (404). */
  preconditionFailures(): number;
  resetCounts(): void;
  deny(rule: DenyRule): void;
  clearDenials(): void;
  /** Holds PUTs to keys matching `key` until the returned function is called. */
  holdWrites(key: RegExp): () => void;
  /** The object's bytes and ETag, read straight from s3rver (no counting, no rules). */
  object(bucket: string, key: string): Promise<{ body: Buffer; etag: string } | undefined>;
  /** Writes an object straight to s3rver (corrupt objects, leases of dead sessions). */
  putObject(bucket: string, key: string, body: Uint8Array | string): Promise<void>;
  deleteObject(bucket: string, key: string): Promise<void>;
  close(): Promise<void>;
}

// s3rver accepts any SigV4 signature from a key it knows (it does not verify V4 signatures): the
// tests' fake keys are registered with it.
let keysRegistered = false;
function registerKeys(): void {
  if (keysRegistered) return;
  keysRegistered = true;
  new AWSAccount(111111111111, "fake").createKeyPair(
    FAKE_CREDENTIALS.accessKeyId,
    FAKE_CREDENTIALS.secretAccessKey,
  );
}

function s3Error(res: ServerResponse, status: number, code: string, message: string, extra = ""): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}` +
    `<RequestId>fake-s3</RequestId></Error>`;
  res.writeHead(status, { "Content-Type": "application/xml", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

const unquote = (etag: string | undefined): string => (etag ?? "").replace(/^W\//, "").replace(/"/g, "");

export async function startFakeS3(options: FakeS3Options): Promise<FakeS3> {
  registerKeys();
  const directory = mkdtempSync(join(tmpdir(), "fake-s3-"));
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const upstream = await s3rver.run();

  const counts = (): Record<S3Operation, number> => ({
    GetObject: 0,
    HeadObject: 0,
    PutObject: 0,
    DeleteObject: 0,
    Other: 0,
  });
  let requests = counts();
  let refused = 0;
  const denials: DenyRule[] = [];
  const holds: { key: RegExp; released: Promise<void> }[] = [];
  const locks = new Map<string, Promise<void>>();

  /** A request straight to s3rver; resolves with status, headers and body. */
  const direct = (
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined> = {},
    body?: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port: upstream.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });

  const operationOf = (method: string, key: string): S3Operation => {
    if (!key) return "Other";
    if (method === "GET") return "GetObject";
    if (method === "HEAD") return "HeadObject";
    if (method === "PUT") return "PutObject";
    if (method === "DELETE") return "DeleteObject";
    return "Other";
  };

  /** Serialises the writes to one key. */
  async function exclusive<T>(lockKey: string, task: () => Promise<T>): Promise<T> {
    const before = locks.get(lockKey) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = before.then(() => mine);
    locks.set(lockKey, chained);
    await before;
    try {
      return await task();
    } finally {
      release();
      if (locks.get(lockKey) === chained) locks.delete(lockKey);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const operation = operationOf(req.method ?? "GET", key);
    requests[operation]++;
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));

    const denial = denials.find(
      (d) => (!d.operation || d.operation === operation) && (!d.key || d.key.test(key)),
    );
    if (denial) {
      if (denial.code === "AccessDenied") return s3Error(res, 403, "AccessDenied", "Access Denied");
      if (denial.code === "NoSuchBucket")
        return s3Error(
          res,
          404,
          "NoSuchBucket",
          "The specified bucket does not exist",
          `<BucketName>${bucket}</BucketName>`,
        );
      return s3Error(res, 500, "InternalError", "We encountered an internal error. Please try again.");
    }

    const forward = async (): Promise<void> => {
      const answer = await direct(req.method ?? "GET", req.url ?? "/", req.headers, body);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    };

    const ifMatch = req.headers["if-match"];
    const ifNoneMatch = req.headers["if-none-match"];
    const conditionalWrite =
      (operation === "PutObject" || operation === "DeleteObject") &&
      (ifMatch !== undefined || ifNoneMatch !== undefined);
    if (operation !== "PutObject" && operation !== "DeleteObject") return forward();

    const hold = operation === "PutObject" ? holds.find((h) => h.key.test(key)) : undefined;
    if (hold) await hold.released;

    await exclusive(`${bucket}/${key}`, async () => {
      if (conditionalWrite) {
        const head = await direct("HEAD", `/${bucket}/${rest.join("/")}`);
        const exists = head.status === 200;
        if (ifNoneMatch === "*" && exists) {
          refused++;
          return s3Error(
            res,
            412,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
            "<Condition>If-None-Match</Condition>",
          );
        }
        if (ifMatch !== undefined) {
          if (!exists) {
            refused++;
            return s3Error(res, 404, "NoSuchKey", "The specified key does not exist.", `<Key>${key}</Key>`);
          }
          if (ifMatch !== "*" && unquote(String(ifMatch)) !== unquote(String(head.headers.etag))) {
            refused++;
            return s3Error(
              res,
              412,
              "PreconditionFailed",
              "At least one of the pre-conditions you specified did not hold",
              "<Condition>If-Match</Condition>",
            );
          }
        }
      }
      await forward();
    });
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent) s3Error(res, 500, "InternalError", String(error));
        else res.destroy();
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const path = (bucket: string, key: string): string =>
    `/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => ({ ...requests }),
    preconditionFailures: () => refused,
    resetCounts: () => {
      requests = counts();
      refused = 0;
    },
    deny: (rule) => denials.push(rule),
    clearDenials: () => {
      denials.length = 0;
    },
    holdWrites: (key) => {
      let release!: () => void;
      const entry = { key, released: new Promise<void>((r) => (release = r)) };
      holds.push(entry);
      return () => {
        holds.splice(holds.indexOf(entry), 1);
        release();
      };
    },
    object: async (bucket, key) => {
      const got = await direct("GET", path(bucket, key));
      return got.status === 200 ? { body: got.body, etag: String(got.headers.etag ?? "") } : undefined;
    },
    putObject: async (bucket, key, body) => {
      const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
      const put = await direct("PUT", path(bucket, key), { "content-length": String(bytes.length) }, bytes);
      if (put.status !== 200) throw new Error(`s3rver PUT ${key}: ${put.status} ${put.body.toString()}`);
    },
    deleteObject: async (bucket, key) => {
      await direct("DELETE", path(bucket, key));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s3rver.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
