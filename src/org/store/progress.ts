/**
 * What a long read has done and has left, for answers that cannot wait for it (the tool deadline)
 * and for progress notifications. Pure.
 */
import type { ReaderStats } from "../types.js";
import { describeDuration } from "./freshness.js";

export interface ReadProgress {
  /** What is being read, e.g. "reading the whole organization into the shared snapshot store". */
  activity: string;
  /** API calls done so far. */
  done: number;
  /** API calls known to be left (a lower bound while the tree is still being discovered), or null. */
  left: number | null;
  /** About how long the rest takes, or null when unknown. */
  etaSeconds: number | null;
}

/** The answer of a call whose data was not ready by the deadline. */
export function describePending(progress: ReadProgress | undefined, waitedSeconds: number): string {
  const waited = describeDuration(waitedSeconds);
  if (!progress) {
    return (
      `Not ready yet: the data this needs is still being read after ${waited}. The read continues in the ` +
      "background; ask again in a minute."
    );
  }
  const left = progress.left === null ? "" : `, at least ${progress.left.toLocaleString("en-US")} left`;
  const eta = progress.etaSeconds === null ? "" : ` (about ${describeDuration(progress.etaSeconds)} more)`;
  const again =
    progress.etaSeconds === null
      ? "in a minute"
      : `in about ${describeDuration(Math.min(progress.etaSeconds, 60) + 5)}`;
  return (
    `Not ready yet after ${waited}: ${progress.activity}. Done: ${progress.done.toLocaleString("en-US")} ` +
    `API calls${left}${eta}. The read continues in the background; ` +
    `ask again ${again} and the answer will come from what has been read.`
  );
}

/** What the pacer has queued and in flight, when it has anything. */
export function pacerProgress(stats: ReaderStats): ReadProgress | undefined {
  const pacing = stats.pacing;
  if (!pacing || pacing.queued + pacing.inFlight === 0) return undefined;
  const left = pacing.queued + pacing.inFlight;
  return {
    activity: "reading from AWS Organizations",
    done: Object.values(stats.apiCalls).reduce((a, b) => a + b, 0),
    left,
    etaSeconds: Math.ceil(left / pacing.ratePerSecond),
  };
}
