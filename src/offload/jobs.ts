/**
 * The work the server runs on its worker thread (pool.ts): pure functions of their arguments, whose
 * cost follows the input, so they never hold the event loop that answers health probes. Arguments
 * and results cross threads by structured clone: each job returns a bounded answer.
 */
import { digestLog } from "../audit/log-digest.js";
import { lintNow } from "../audit/lint-policy.js";
import type { ParseHints } from "../logs/types.js";
import { bytesToText, type TextBytes } from "./bytes.js";
import { liftedBuffers, parseBytesChecked, type JsonParseOutcome } from "./json.js";

export const JOBS = {
  parseJson: parseBytesChecked,
  /** The paste arrives as bytes (bytes.ts). */
  digestLog: (text: TextBytes, hints: ParseHints, keep: number) => digestLog(bytesToText(text), hints, keep),
  lint: lintNow,
};

/** Buffers a job's result hands back to the event loop rather than copying. */
export const TRANSFERS: {
  [N in keyof typeof JOBS]?: (value: ReturnType<(typeof JOBS)[N]>) => ArrayBuffer[];
} = {
  parseJson: (value: JsonParseOutcome) => liftedBuffers(value),
};

export type Jobs = typeof JOBS;
export type JobName = keyof Jobs;
