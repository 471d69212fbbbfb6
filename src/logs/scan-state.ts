import type { Lines, Ranges } from "./text-index.js";
import type { Sighting } from "./sighting.js";

/** What the parser's phases share while they read one paste. */
export interface ScanState {
  readonly input: string;
  readonly lines: Lines;
  /** Text already read as part of a recognised denial; later phases skip it. */
  readonly claimed: Ranges;
  readonly sightings: Sighting[];
  readonly warnings: string[];
  /** CloudTrail events examined (denied or not). */
  cloudTrailEvents: number;
}
