/**
 * The direct tools/call path (src/mcp/direct-call.ts) must answer exactly as the SDK does. Every
 * request below goes to two apps over the demo organization, one with the direct path and one
 * without, in the same order (so counters agree); status, every header and the body, byte for
 * byte, must match, and the request log must show which requests the direct path took.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./helpers/harness.js";
import { call, CASES, clockless, postCase, type Answer, type Case } from "./helpers/mcp-cases.js";

const post = (h: Harness, c: Case): Promise<Answer> => postCase(h.fetch, "http://localhost/mcp", c);

describe("the direct tools/call path answers as the SDK does", () => {
  let direct: Harness;
  let sdk: Harness;
  beforeAll(async () => {
    direct = await startHarness({}, {}, 16 * 1024 * 1024, true);
    sdk = await startHarness({}, {}, 16 * 1024 * 1024, false);
  });

  it.each(CASES.map((c) => [c.what, c] as const))("%s", async (_what, c) => {
    const before = direct.logger.lines.length;
    const [a, b] = [await post(direct, c), await post(sdk, c)];
    expect(clockless(a)).toEqual(clockless(b));
    const logged = direct.logger.lines
      .slice(before)
      .map((l) => JSON.parse(l) as { msg: string; via?: string })
      .find((l) => l.msg === "request");
    expect(logged?.via).toBe(c.direct ? "direct" : "sdk");
  });

  it("get_server_status matches apart from the clock", async () => {
    const c: Case = { what: "status", body: call("get_server_status", {}), direct: true };
    const [a, b] = [await post(direct, c), await post(sdk, c)];
    expect(clockless(a)).toEqual(clockless(b));
  });
});
