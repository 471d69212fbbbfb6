/**
 * The work the server runs on its worker thread (pool.ts): pure functions of their arguments, whose
 * cost follows the input, so they never hold the event loop that answers health probes. Arguments
 * and results cross threads by structured clone: each job returns a bounded answer.
 */
import { digestLog } from "../audit/log-digest.js";
import { lintNow } from "../audit/lint-policy.js";
import { parseChecked } from "./json.js";

export const JOBS = { parseJson: parseChecked, digestLog, lint: lintNow };

export type Jobs = typeof JOBS;
export type JobName = keyof Jobs;
