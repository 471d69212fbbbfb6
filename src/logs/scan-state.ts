import type { Lines, Ranges } from "./text-index.js";
import type { Sighting } from "./sighting.js";
import type { Warnings } from "./warnings.js";

/** What the parser's phases share while they read one paste. */
export interface ScanState {
  readonly input: string;
  readonly lines: Lines;
  /** Text already read as part of a recognised denial; later phases skip it. */
  readonly claimed: Ranges;
  readonly sightings: Sighting[];
  readonly warnings: Warnings;
  /** CloudTrail events examined (denied or not). */
  cloudTrailEvents: number;
  /** Events read so far (CloudTrail events, messages); past `maxEvents` every phase stops. */
  events: number;
  readonly maxEvents: number;
}

/** Count one event; false once the paste has more than the limit (the caller stops reading). */
export function takeEvent(state: ScanState): boolean {
  state.events++;
  return state.events <= state.maxEvents;
}

export function overLimit(state: ScanState): boolean {
  return state.events > state.maxEvents;
}
