/**
 * A call's time budget (issue 15): the server's own work on one tool call (the engine, the linter,
 * the log parser, the comparison), not the time spent waiting for AWS, which has its own deadline.
 * Work over the budget stops at the next unit (an action, a rule, a denial, a baseline policy) and
 * the answer says what was finished and what was not.
 *
 * Work on the event loop runs in slices: a loop asks its Meter between units, and the meter yields
 * to the event loop once the slice has run SLICE_MS, so health probes and other requests get a turn.
 * Time spent waiting between slices is not charged to the call.
 *
 * A call also has a deadline in wall-clock time (TOOL_DEADLINE_SECONDS, src/org/answer-deadline.ts),
 * waiting for AWS included, past which it answers "not ready yet". The budget ends its work a little
 * before that deadline too, so a call that waited long for AWS still answers what it finished rather
 * than nothing, and no computation carries on in the background after a late answer.
 */

/** Longest stretch of work a meter lets run before yielding to the event loop. */
export const SLICE_MS = 20;

/** The budget when none is configured (CALL_BUDGET_MS). */
export const DEFAULT_CALL_BUDGET_MS = 10_000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How long before the call's deadline the budget stops work: room to build and send the answer. */
export function deadlineMargin(deadlineMs: number): number {
  return Math.min(1000, deadlineMs / 10);
}

export class CallBudget {
  private spent = 0;
  /** performance.now() at which work stops whatever was spent: a little before the call's deadline. */
  private readonly stopAt: number;
  private readonly deadlineMs: number | undefined;

  /**
   * `limitMs`: the computation the call may spend (CALL_BUDGET_MS). `deadlineMs`: the call's wall-clock
   * deadline from now (TOOL_DEADLINE_SECONDS), when it has one.
   */
  constructor(
    readonly limitMs: number = DEFAULT_CALL_BUDGET_MS,
    deadlineMs?: number,
  ) {
    this.deadlineMs = deadlineMs;
    this.stopAt =
      deadlineMs === undefined
        ? Number.POSITIVE_INFINITY
        : performance.now() + deadlineMs - deadlineMargin(deadlineMs);
  }

  spentMs(): number {
    return this.spent;
  }

  /** The computation left: the smaller of the budget left and the time to the deadline's stop. */
  remainingMs(): number {
    return Math.max(0, Math.min(this.limitMs - this.spent, this.stopAt - performance.now()));
  }

  exhausted(): boolean {
    return this.spent >= this.limitMs || performance.now() >= this.stopAt;
  }

  /** Whether the budget is spent once `ms` more (the current slice) is counted. */
  exhaustedWith(ms: number): boolean {
    return this.spent + ms >= this.limitMs || performance.now() >= this.stopAt;
  }

  /** Adds work done elsewhere (a worker thread's job) to the call's account. */
  charge(ms: number): void {
    this.spent += Math.max(0, ms);
  }

  /** Starts metering work on the event loop; stop() the meter when the work is done. */
  meter(): Meter {
    return new Meter(this);
  }

  /** Why work stopped, for answers: the budget and the setting that changes it. */
  describe(): string {
    if (this.spent < this.limitMs && this.deadlineMs !== undefined && performance.now() >= this.stopAt) {
      return `the call reached its deadline of ${formatSeconds(this.deadlineMs)}, waiting for AWS included (TOOL_DEADLINE_SECONDS)`;
    }
    return `the time budget of ${formatSeconds(this.limitMs)} for one call's computation ran out (CALL_BUDGET_MS)`;
  }
}

/**
 * Yields to the event loop between units of work once SLICE_MS have passed since the last yield, for
 * loops whose work is charged elsewhere (each unit meters its own computation).
 */
export class Slicer {
  private since = performance.now();

  async next(): Promise<void> {
    if (performance.now() - this.since < SLICE_MS) return;
    await yieldToLoop();
    this.since = performance.now();
  }
}

export class Meter {
  private started = performance.now();
  private stopped = false;

  constructor(private readonly budget: CallBudget) {}

  /**
   * Call between units of work. Yields to the event loop when the current slice has run long enough;
   * true when the budget is spent and the work should stop.
   */
  async next(): Promise<boolean> {
    const ran = performance.now() - this.started;
    if (ran >= SLICE_MS) {
      this.budget.charge(ran);
      await yieldToLoop();
      this.started = performance.now();
      return this.budget.exhausted();
    }
    return this.budget.exhaustedWith(ran);
  }

  /** Charges the current slice; the meter can be started again with resume(). */
  stop(): void {
    if (this.stopped) return;
    this.budget.charge(performance.now() - this.started);
    this.stopped = true;
  }

  /** Starts a new slice after stop(), e.g. once a read from AWS has come back. */
  resume(): void {
    this.started = performance.now();
    this.stopped = false;
  }
}

function formatSeconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * What an answer says when the budget stopped the work: why, and what was and was not finished
 * (names; the counts say how many when the lists are shortened).
 */
export interface Incomplete {
  reason: string;
  finished: string[];
  notFinished: string[];
  finishedCount: number;
  notFinishedCount: number;
}

/** Longest list of finished or unfinished items an answer names. */
export const MAX_LISTED_ITEMS = 50;

export function incomplete(
  reason: string,
  finished: readonly string[],
  notFinished: readonly string[],
): Incomplete {
  return {
    reason,
    finished: finished.slice(0, MAX_LISTED_ITEMS),
    notFinished: notFinished.slice(0, MAX_LISTED_ITEMS),
    finishedCount: finished.length,
    notFinishedCount: notFinished.length,
  };
}
