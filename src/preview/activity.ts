/**
 * Recorded activity in, distinct requests out: records (from pasted text, log files or an Athena
 * aggregation) folded into one ActivityTable, with every record that could not be used counted by
 * reason.
 */
import { countSkip, readActivityText, type SkipTally } from "./activity-text.js";
import { requestFromRecord, type SkipReason } from "./records.js";
import { ActivityTable } from "./table.js";

export interface Activity {
  table: ActivityTable;
  /** Records read (every CloudTrail record, used or skipped). */
  records: number;
  skipped: Partial<Record<SkipReason, SkipTally>>;
  /** Where the activity came from, in words. */
  source: string;
  notes: string[];
}

export function emptyActivity(source: string, maxDistinct?: number): Activity {
  return { table: new ActivityTable(maxDistinct), records: 0, skipped: {}, source, notes: [] };
}

/** Folds parsed CloudTrail records into the activity. */
export function addRecords(activity: Activity, records: Iterable<Record<string, unknown>>): void {
  for (const record of records) {
    activity.records++;
    const r = requestFromRecord(record);
    if (!r.ok) {
      countSkip(activity.skipped, r.reason);
      continue;
    }
    const { request, time, errorCode } = r.value;
    if (!activity.table.add(request, 1, time, time, errorCode ? 1 : 0))
      countSkip(activity.skipped, "over_limit");
  }
}

/** Pasted text: every record it holds, at most `maxRecords`. */
export function activityFromText(text: string, source: string, maxRecords: number): Activity {
  const activity = emptyActivity(source);
  const read = readActivityText(text, maxRecords);
  addRecords(activity, read.records);
  for (const [reason, t] of Object.entries(read.skipped) as [SkipReason, SkipTally][]) {
    countSkip(activity.skipped, reason, t.count, t.firstLine);
    // Items that are not records still count as read: the answer says what became of each.
    activity.records += t.count;
  }
  return activity;
}
