/**
 * The real SDK (signing, AWS JSON 1.1 protocol, paging, adaptive retries) against a tiny fake
 * Organizations endpoint on 127.0.0.1.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { createAwsReader, organizationsClientConfig } from "../src/org/aws-reader.js";

interface FakeRequest {
  operation: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

interface FakeResponse {
  status?: number;
  body: unknown;
}

type Handler = (request: FakeRequest) => FakeResponse;

const TARGET_PREFIX = "AWSOrganizationsV20161128.";

let server: Server;
let endpoint: string;
let handler: Handler = () => ({ status: 500, body: { __type: "ServiceException", Message: "no handler" } });
let requests: FakeRequest[] = [];
const clients: OrganizationsClient[] = [];

function awsError(type: string, message: string): FakeResponse {
  return { status: 400, body: { __type: type, Message: message } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const raw = Buffer.concat(chunks).toString("utf8");
      const request: FakeRequest = {
        operation: target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target,
        body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
        headers: req.headers,
      };
      requests.push(request);
      let response: FakeResponse;
      if (req.method !== "POST" || req.url !== "/" || !target.startsWith(TARGET_PREFIX)) {
        response = awsError("InvalidInputException", `unexpected ${req.method} ${req.url} ${target}`);
      } else {
        response = handler(request);
      }
      const status = response.status ?? 200;
      const type = (response.body as { __type?: unknown } | null)?.__type;
      res.writeHead(status, {
        "Content-Type": "application/x-amz-json-1.1",
        "x-amzn-RequestId": `req-${requests.length}`,
        ...(status >= 400 && typeof type === "string" ? { "x-amzn-ErrorType": type } : {}),
      });
      res.end(JSON.stringify(response.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  requests = [];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A client with exactly the reader's production settings, pointed at the fake endpoint. */
function client(overrides: { maxAttempts?: number; retryMode?: "standard" } = {}): OrganizationsClient {
  const c = new OrganizationsClient({
    ...organizationsClientConfig(
      overrides.maxAttempts !== undefined ? { maxAttempts: overrides.maxAttempts } : {},
    ),
    ...(overrides.retryMode ? { retryMode: overrides.retryMode } : {}),
    endpoint,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
  });
  clients.push(c);
  return c;
}

describe("AWS reader over HTTP (real SDK, fake endpoint)", () => {
  it("retries TooManyRequestsException with the SDK's retry strategy, then returns the data", async () => {
    let calls = 0;
    handler = ({ operation }) => {
      expect(operation).toBe("ListRoots");
      calls++;
      if (calls <= 2)
        return awsError("TooManyRequestsException", "AWS Organizations can't complete your request");
      return {
        body: {
          Roots: [
            {
              Id: "r-ab12",
              Name: "Root",
              Arn: "arn:aws:organizations::111111111111:root/o-abcdefghij/r-ab12",
              PolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
            },
          ],
        },
      };
    };
    const reader = createAwsReader({ cacheTtlSeconds: 60, client: client() });
    const started = Date.now();
    const roots = await reader.listRoots();
    expect(roots).toEqual([
      {
        id: "r-ab12",
        name: "Root",
        arn: "arn:aws:organizations::111111111111:root/o-abcdefghij/r-ab12",
        policyTypes: [{ type: "SERVICE_CONTROL_POLICY", status: "ENABLED" }],
      },
    ]);
    expect(calls).toBe(3);
    // SDK retries are inside one logical call.
    expect(reader.stats().apiCalls).toEqual({ ListRoots: 1 });
    expect(Date.now() - started).toBeLessThan(9_000);

    const first = requests[0];
    expect(first?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(String(first?.headers["authorization"])).toContain("Credential=AKIDTEST/");
    expect(String(first?.headers["authorization"])).toContain("/us-east-1/organizations/aws4_request");
    expect(String(first?.headers["user-agent"]) + String(first?.headers["x-amz-user-agent"])).toContain(
      "aws-organizations-mcp-server/",
    );
    // The third attempt says it is a retry.
    expect(String(requests[2]?.headers["amz-sdk-request"])).toContain("attempt=3");
  }, 15_000);

  it("follows NextToken across pages over HTTP", async () => {
    handler = ({ operation, body }) => {
      expect(operation).toBe("ListChildren");
      expect(body["ParentId"]).toBe("r-ab12");
      expect(body["ChildType"]).toBe("ORGANIZATIONAL_UNIT");
      switch (body["NextToken"]) {
        case undefined:
          return {
            body: { Children: [{ Id: "ou-ab12-11111111", Type: "ORGANIZATIONAL_UNIT" }], NextToken: "p2" },
          };
        case "p2":
          return {
            body: { Children: [{ Id: "ou-ab12-22222222", Type: "ORGANIZATIONAL_UNIT" }], NextToken: "p3" },
          };
        case "p3":
          return { body: { Children: [{ Id: "ou-ab12-33333333", Type: "ORGANIZATIONAL_UNIT" }] } };
        default:
          return awsError("InvalidInputException", "bad token");
      }
    };
    const reader = createAwsReader({ cacheTtlSeconds: 60, client: client() });
    const children = await reader.listChildren("r-ab12", "ORGANIZATIONAL_UNIT");
    expect(children.map((c) => c.id)).toEqual(["ou-ab12-11111111", "ou-ab12-22222222", "ou-ab12-33333333"]);
    expect(children.every((c) => c.type === "ORGANIZATIONAL_UNIT")).toBe(true);
    expect(requests.map((r) => r.body["NextToken"])).toEqual([undefined, "p2", "p3"]);
    expect(reader.stats().apiCalls).toEqual({ ListChildren: 3 });

    // Cached now: nothing more goes over the wire.
    await reader.listChildren("r-ab12", "ORGANIZATIONAL_UNIT");
    expect(requests).toHaveLength(3);
  });

  it("maps a persistent AccessDeniedException to the actionable message, without retrying it", async () => {
    handler = () =>
      awsError(
        "AccessDeniedException",
        "You don't have permissions to access this resource. (key AKIAIOSFODNN7EXAMPLE)",
      );
    const reader = createAwsReader({ cacheTtlSeconds: 60, client: client() });
    const error = await reader.describeOrganization().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    const userError = error as UserError;
    expect(userError.code).toBe("access_denied");
    expect(userError.message).toContain("DescribeOrganization");
    expect(userError.message).toContain("management account or a delegated administrator");
    expect(userError.message).toContain("organizations:DescribeOrganization, ListRoots, ListParents");
    expect(userError.message).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(requests).toHaveLength(1);
  });

  it("gives up after maxAttempts on persistent throttling and reports it as retryable", async () => {
    handler = () => awsError("TooManyRequestsException", "slow down");
    // Standard mode skips the adaptive rate limiter's wait after a throttle, keeping this test short.
    const reader = createAwsReader({
      cacheTtlSeconds: 60,
      client: client({ maxAttempts: 2, retryMode: "standard" }),
    });
    const error = await reader.listPolicies("SERVICE_CONTROL_POLICY").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe("throttled");
    expect((error as UserError).retryable).toBe(true);
    expect((error as UserError).message).toContain("ListPolicies");
    expect(requests).toHaveLength(2);
    // Lists ask for the largest page AWS allows: fewer pages, fewer calls against the throttle.
    expect(requests[0]?.body).toEqual({ Filter: "SERVICE_CONTROL_POLICY", MaxResults: 20 });
  }, 15_000);
});
