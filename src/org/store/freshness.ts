/**
 * How old an answer's data is, said the same way in every tool's answer: one line for the text
 * summary and a small structured member (`dataAge`). Pure; the reader supplies the facts.
 */
import { z } from "zod";

export interface DataFreshness {
  /** "store": the shared snapshot; "api": read from AWS Organizations by this session. */
  source: "store" | "api";
  /** When the data was read (the snapshot's capture; for the API, the oldest cached answer). */
  asOf: string | null;
  ageSeconds: number | null;
  /** Older than the store's maximum age: answered at once, refreshed in the background. */
  stale: boolean;
  /** A refresh (or a first read into the store) is running, here or in another session. */
  refreshing: boolean;
  maxAgeSeconds: number;
  /** How far each refresh looks back, because CloudTrail delivers events late. */
  lookBackMarginSeconds: number;
  /** Why the data is not from the store, when it is not. */
  storeProblem?: string;
}

export const dataAgeSchema = z
  .object({
    source: z.enum(["store", "api"]),
    asOf: z.string().nullable(),
    ageSeconds: z.number().nullable(),
    stale: z.boolean(),
    refreshing: z.boolean(),
    maxAgeSeconds: z.number(),
    lookBackMarginSeconds: z.number(),
    note: z.string(),
  })
  .describe(
    "how old this answer's data is and where it comes from (present when a snapshot store is configured)",
  );

export type DataAge = z.infer<typeof dataAgeSchema>;

export function describeDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

/** The sentence every answer carries. */
export function describeFreshness(f: DataFreshness): string {
  const margin = describeDuration(f.lookBackMarginSeconds);
  if (f.source === "store") {
    const age = f.ageSeconds === null ? "" : `, ${describeDuration(f.ageSeconds)} old`;
    const head = `Data: the shared organization snapshot captured ${f.asOf ?? "at an unknown time"}${age}`;
    if (f.stale) {
      return (
        `${head}: older than the ${describeDuration(f.maxAgeSeconds)} maximum, so it is being refreshed in the ` +
        `background; ask again shortly for newer data. Changes from the last ${margin} before the capture may not show yet.`
      );
    }
    return (
      `${head} (refreshed when older than ${describeDuration(f.maxAgeSeconds)}); changes made in the ${margin} ` +
      "before the capture may not show yet, because CloudTrail reports them minutes late."
    );
  }
  const cached = f.asOf ? ` (the oldest cached answer is from ${f.asOf})` : "";
  const why = f.storeProblem
    ? ` The shared snapshot store is not usable: ${f.storeProblem}`
    : f.refreshing
      ? " The shared snapshot is being built; later answers come from it."
      : "";
  return `Data: read from AWS Organizations by this session${cached}.${why}`;
}

export function dataAge(f: DataFreshness): DataAge {
  return {
    source: f.source,
    asOf: f.asOf,
    ageSeconds: f.ageSeconds,
    stale: f.stale,
    refreshing: f.refreshing,
    maxAgeSeconds: f.maxAgeSeconds,
    lookBackMarginSeconds: f.lookBackMarginSeconds,
    note: describeFreshness(f),
  };
}
