/**
 * The unauthenticated health answers. They say whether the server serves, nothing more: where the
 * configuration came from, whether authentication is on and the data's age are in
 * get_server_status, behind authentication.
 */
import type { RuntimeState } from "../runtime.js";

/** GET /healthz: 200 once start-up has finished, 503 before. */
export function healthResponse(runtime: RuntimeState): { status: 200 | 503; body: { status: string } } {
  return runtime.ready
    ? { status: 200, body: { status: "ok" } }
    : { status: 503, body: { status: "starting" } };
}

/**
 * GET /ping, the shape of AgentCore Runtime's HTTP contract: `Healthy` once start-up has finished,
 * and `time_of_last_update`, the Unix second the status last changed. The platform's idle reaper
 * reads that time (aws/bedrock-agentcore-sdk-python#471), so it must not be the time of the ping.
 */
export function pingResponse(runtime: RuntimeState): {
  status: 200 | 503;
  body: { status: "Healthy" | "Unhealthy"; time_of_last_update: number };
} {
  const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
  return runtime.ready
    ? {
        status: 200,
        body: { status: "Healthy", time_of_last_update: seconds(runtime.readyAt ?? runtime.startedAt) },
      }
    : { status: 503, body: { status: "Unhealthy", time_of_last_update: seconds(runtime.startedAt) } };
}
