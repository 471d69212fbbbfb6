/**
 * Where a refresh by change learns what changed: the management account's CloudTrail event history
 * (LookupEvents, EventSource organizations.amazonaws.com). Implemented by src/aws/cloudtrail-events.ts.
 */
import type { OrganizationsEvent } from "./change-plan.js";

/** CloudTrail's event history keeps 90 days (CloudTrail User Guide, "Working with CloudTrail event history"). */
export const EVENT_HISTORY_DAYS = 90;

/**
 * How far before the snapshot's capture a refresh looks. CloudTrail delivers an event about five
 * minutes after the call on average, with no guarantee (same guide): an event made just before a
 * refresh may not be listed yet, so the next refresh looks back this far and applies it then.
 */
export const LOOK_BACK_MARGIN_SECONDS = 900;

export interface EventWindow {
  start: Date;
  end: Date;
  /** Pages (of up to 50 events) after which the lookup gives up. */
  maxPages: number;
}

export interface EventPage {
  events: OrganizationsEvent[];
  pages: number;
}

export type EventLookup = (window: EventWindow) => Promise<EventPage>;

export type LookupRefusal = "access_denied" | "page_budget" | "unavailable";

/** The event history cannot be used for this refresh: `message` says why, `fix` what to do. */
export class LookupRefused extends Error {
  constructor(
    readonly reason: LookupRefusal,
    message: string,
    readonly fix: string,
    /** Pages read before giving up. */
    readonly pages = 0,
  ) {
    super(message);
    this.name = "LookupRefused";
  }
}
