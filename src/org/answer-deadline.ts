/**
 * No tool call runs past a deadline (TOOL_DEADLINE_SECONDS, default 50: AgentCore's proxy ends a
 * call after about 60 s, and most clients give up then too). A call whose data is not ready by
 * then answers what is done, what is left and about how long, and to ask again; the read carries
 * on in the background, so asking again finds it further along (its answers are cached, or in the
 * snapshot store). While it waits, a caller that gave a progress token hears how the read goes.
 */
import type { OrganizationReader } from "./types.js";
import { dataAge, describeFreshness, type DataAge } from "./store/freshness.js";
import { describePending, pacerProgress, type ReadProgress } from "./store/progress.js";

export const DEFAULT_DEADLINE_MS = 50_000;
/** How often a waiting call reports progress (only when it changed). */
const PROGRESS_EVERY_MS = 1000;

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message: string;
}

export interface DeadlineOptions {
  deadlineMs: number;
  /** Whose progress a late answer reports. */
  reader?: OrganizationReader;
  /** Sends a progress notification (the caller gave a progressToken). */
  report?: (update: ProgressUpdate) => void;
}

/** What a reader is reading now: its own account of it, else its pacer's queue. */
export function readProgress(reader: OrganizationReader): ReadProgress | undefined {
  return reader.progress ? reader.progress() : pacerProgress(reader.stats());
}

/** The value of `work`, or, when it is not done by the deadline, the text of a "not ready yet" answer. */
export async function withinDeadline<T>(
  work: Promise<T>,
  options: DeadlineOptions,
): Promise<{ value: T } | { pending: string }> {
  // Past the deadline nobody waits for `work`: its failure must not become an unhandled rejection.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), options.deadlineMs);
  });
  const report = options.report;
  if (report) {
    let last = -1;
    ticker = setInterval(() => {
      const p = options.reader ? readProgress(options.reader) : undefined;
      if (!p || p.done <= last) return; // progress must increase (MCP)
      last = p.done;
      report({
        progress: p.done,
        ...(p.left !== null ? { total: p.done + p.left } : {}),
        message: `${p.activity}: ${p.done} API calls done${p.left !== null ? `, at least ${p.left} left` : ""}`,
      });
    }, PROGRESS_EVERY_MS);
  }
  try {
    const winner = await Promise.race([work.then((value) => ({ value })), late]);
    if (winner !== "late") return winner;
    const progress = options.reader ? readProgress(options.reader) : undefined;
    return { pending: describePending(progress, options.deadlineMs / 1000) };
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
  }
}

/** The line and the structured member every answer carries when the reader knows its data's age. */
export function answerAge(reader: OrganizationReader): { line: string; field: DataAge } | undefined {
  const freshness = reader.freshness?.();
  if (!freshness) return undefined;
  return { line: describeFreshness(freshness), field: dataAge(freshness) };
}
