/**
 * Recorded requests folded into distinct ones, each with how often and when it was seen: the
 * dedupe that comes before any evaluation (a trail repeats the same calls all day long).
 */
import type { RecordedRequest } from "./records.js";

export interface DistinctRequest {
  request: RecordedRequest;
  events: number;
  firstSeen?: string;
  lastSeen?: string;
  /** Events of it that failed when recorded (they carried an errorCode). */
  recordedErrors: number;
}

/** A stable key for a request: every field, context keys sorted. */
export function requestKey(r: RecordedRequest): string {
  const ctx = Object.keys(r.context)
    .sort()
    .map((k) => {
      const v = r.context[k];
      return `${k}=${typeof v === "string" ? v : `[${(v ?? []).join(",")}]`}`;
    })
    .join("\u0001");
  return [
    r.accountId,
    r.principalArn ?? "",
    r.servicePrincipal ?? "",
    r.action,
    r.resource ?? "",
    r.resourceAccountId ?? "",
    r.region ?? "",
    ctx,
  ].join("\u0000");
}

export class ActivityTable {
  private readonly rows = new Map<string, DistinctRequest>();
  /** Events folded in (the sum of every row's count). */
  events = 0;

  constructor(private readonly maxDistinct = Number.POSITIVE_INFINITY) {}

  /**
   * Adds `events` occurrences of a request; false when the table is full and the request is new
   * (the caller counts it as over the limit).
   */
  add(request: RecordedRequest, events = 1, first?: string, last?: string, errors = 0): boolean {
    const key = requestKey(request);
    const row = this.rows.get(key);
    if (!row) {
      if (this.rows.size >= this.maxDistinct) return false;
      this.rows.set(key, {
        request,
        events,
        recordedErrors: errors,
        ...(first ? { firstSeen: first } : {}),
        ...((last ?? first) ? { lastSeen: (last ?? first) as string } : {}),
      });
    } else {
      row.events += events;
      row.recordedErrors += errors;
      if (first && (!row.firstSeen || first < row.firstSeen)) row.firstSeen = first;
      const l = last ?? first;
      if (l && (!row.lastSeen || l > row.lastSeen)) row.lastSeen = l;
    }
    this.events += events;
    return true;
  }

  get size(): number {
    return this.rows.size;
  }

  values(): IterableIterator<DistinctRequest> {
    return this.rows.values();
  }
}
