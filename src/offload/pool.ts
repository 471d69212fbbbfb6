/**
 * One worker thread for the work that would hold the event loop too long (issue 15): reading a
 * large pasted log, linting a large document, checking a large request body. The event loop stays
 * free to answer /healthz, AgentCore's ping and other calls meanwhile.
 *
 * Jobs run one at a time, in order; a job that cannot start within its wait limit is refused as
 * retryable, and at most MAX_QUEUED wait. A job that runs past its time limit (the call's budget
 * plus a grace: the jobs stop themselves at the budget where they can) has its worker terminated,
 * which interrupts it; the next job starts a new worker. The worker's heap is capped, so a job that
 * would exhaust memory ends that worker, not the server.
 */
import { Worker } from "node:worker_threads";
import { UserError } from "../errors.js";
import type { JobName, Jobs } from "./jobs.js";
import type { JobReply, JobRequest } from "./worker.js";

/** Jobs waiting for the worker, beyond the one running. */
const MAX_QUEUED = 8;
/** Heap of the worker thread (old generation). */
export const WORKER_HEAP_MB = 256;

export interface JobOptions {
  /** Longest the job may run before its worker is terminated. */
  timeoutMs: number;
  /** Longest the job may wait for the worker before it is refused (retryable). */
  maxWaitMs: number;
  /** Buffers handed to the worker rather than copied (the caller must not use them after). */
  transfer?: ArrayBuffer[];
}

export interface JobOutcome<T> {
  value: T;
  /** The job's own time on the worker. */
  ms: number;
}

/** A job stopped by force: it ran past its time limit. */
export class JobStopped extends UserError {
  constructor(readonly afterMs: number) {
    super(
      "invalid_input",
      `The work on this call was stopped after ${Math.round(afterMs / 100) / 10} s, over its time budget (CALL_BUDGET_MS): send a smaller input.`,
    );
  }
}

interface Pending {
  request: JobRequest;
  options: JobOptions;
  resolve: (outcome: JobOutcome<unknown>) => void;
  reject: (error: Error) => void;
  waitTimer?: NodeJS.Timeout;
}

let workerFile: string | URL | undefined;

/** Where the worker's entry is: set by the bundle's launcher (dist/worker.cjs beside it). */
export function setWorkerFile(file: string): void {
  workerFile = file;
}

/**
 * The bundle's worker file, or under tsx (development, tests) the TypeScript entry beside this
 * module, loaded by tsx-worker.mjs once tsx's loader is registered in the new thread.
 */
function spawnWorker(options: { resourceLimits: { maxOldGenerationSizeMb: number } }): Worker {
  if (workerFile !== undefined) return new Worker(workerFile, { ...options, execArgv: [] });
  const here = import.meta.url;
  return new Worker(new URL("./tsx-worker.mjs", here), {
    ...options,
    workerData: { entry: new URL("./worker.ts", here).href },
  });
}

class Pool {
  private worker: Worker | undefined;
  private running: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private readonly queue: Pending[] = [];
  private nextId = 1;

  run<N extends JobName>(
    job: N,
    args: Parameters<Jobs[N]>,
    options: JobOptions,
  ): Promise<JobOutcome<Awaited<ReturnType<Jobs[N]>>>> {
    return new Promise((resolve, reject) => {
      if (this.queue.length >= MAX_QUEUED) {
        reject(busy());
        return;
      }
      const pending: Pending = {
        request: { id: this.nextId++, job, args },
        options,
        resolve: resolve as Pending["resolve"],
        reject,
      };
      if (this.running) {
        pending.waitTimer = setTimeout(() => {
          const at = this.queue.indexOf(pending);
          if (at !== -1) this.queue.splice(at, 1);
          reject(busy());
        }, options.maxWaitMs);
        this.queue.push(pending);
      } else this.start(pending);
    });
  }

  private start(pending: Pending): void {
    clearTimeout(pending.waitTimer);
    const worker = this.ensureWorker();
    worker.ref();
    const timer = setTimeout(
      () => this.fail(new JobStopped(pending.options.timeoutMs)),
      pending.options.timeoutMs,
    );
    this.running = { ...pending, timer };
    worker.postMessage(pending.request, pending.options.transfer ?? []);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorker({ resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.on("message", (reply: JobReply) => this.settle(reply));
    worker.on("error", (error) => {
      const memory = (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
      this.fail(
        memory
          ? new UserError(
              "invalid_input",
              `The work on this call needed more memory than the server allows for one call (${WORKER_HEAP_MB} MB): send a smaller input.`,
            )
          : new Error(`the worker thread failed: ${error.message}`),
      );
    });
    worker.on("exit", () => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.fail(new Error("the worker thread stopped"));
      }
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settle(reply: JobReply): void {
    const running = this.running;
    if (!running || running.request.id !== reply.id) return;
    clearTimeout(running.timer);
    this.running = undefined;
    this.worker?.unref();
    if (reply.ok) running.resolve({ value: reply.value, ms: reply.ms });
    else {
      const { message, user } = reply.error;
      running.reject(user ? new UserError(user.code, message, user.retryable) : new Error(message));
    }
    this.next();
  }

  /** Ends the running job with `error`, and its worker (the next job gets a new one). */
  private fail(error: Error): void {
    const running = this.running;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate();
    if (!running) return;
    clearTimeout(running.timer);
    this.running = undefined;
    running.reject(error);
    this.next();
  }

  private next(): void {
    const pending = this.queue.shift();
    if (pending) this.start(pending);
  }
}

function busy(): UserError {
  return new UserError(
    "unavailable",
    "The server is busy with other long calls (large logs or documents) and could not start this one.",
    true,
  );
}

const pool = new Pool();

/** Runs a job of jobs.ts on the worker thread. */
export function offload<N extends JobName>(
  job: N,
  args: Parameters<Jobs[N]>,
  options: JobOptions,
): Promise<JobOutcome<Awaited<ReturnType<Jobs[N]>>>> {
  return pool.run(job, args, options);
}
