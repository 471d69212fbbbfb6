/**
 * The worker thread's entry (dist/worker.cjs in the bundle, this file under tsx): runs the jobs of
 * jobs.ts one message at a time and answers with the result and the time the job took.
 */
import { parentPort } from "node:worker_threads";
import { UserError } from "../errors.js";
import { JOBS, TRANSFERS, type JobName } from "./jobs.js";

export interface JobRequest {
  id: number;
  job: JobName;
  args: unknown[];
}

export type JobReply =
  | { id: number; ok: true; value: unknown; ms: number }
  | {
      id: number;
      ok: false;
      ms: number;
      error: { message: string; user?: { code: UserError["code"]; retryable: boolean } };
    };

const port = parentPort;
if (port) {
  port.on("message", (request: JobRequest) => {
    const started = performance.now();
    const run = JOBS[request.job] as (...args: unknown[]) => unknown;
    Promise.resolve()
      .then(() => run(...request.args))
      .then(
        (value) => {
          const transfer = (TRANSFERS[request.job] as ((v: unknown) => ArrayBuffer[]) | undefined)?.(value);
          port.postMessage(
            { id: request.id, ok: true, value, ms: performance.now() - started },
            transfer ?? [],
          );
        },
        (error: unknown) =>
          port.postMessage({
            id: request.id,
            ok: false,
            ms: performance.now() - started,
            error: {
              message:
                error instanceof UserError
                  ? error.message
                  : error instanceof Error
                    ? `${error.name}: ${error.message}`
                    : String(error),
              ...(error instanceof UserError
                ? { user: { code: error.code, retryable: error.retryable } }
                : {}),
            },
          } satisfies JobReply),
      );
  });
}
