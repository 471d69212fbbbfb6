/** How an answer says that the call's time budget stopped its work (src/audit/budget.ts). */
import { z } from "zod";
import type { Incomplete } from "../audit/budget.js";

export const incompleteSchema = z
  .object({
    reason: z.string(),
    finished: z.array(z.string()).describe("what was done (at most 50 named; finishedCount says how many)"),
    notFinished: z
      .array(z.string())
      .describe(
        "what was not done (at most 50 named; notFinishedCount says how many): ask for it separately",
      ),
    finishedCount: z.number().int(),
    notFinishedCount: z.number().int(),
  })
  .nullable()
  .describe("null unless the time budget stopped the call");

/** The text line for an incomplete answer. */
export function describeIncomplete(i: Incomplete, done: string, notDone: string): string {
  const more = (shown: number, total: number): string => (total > shown ? ` and ${total - shown} more` : "");
  return (
    `Stopped early: ${i.reason}. ${done}: ${i.finishedCount}${i.finishedCount ? ` (${i.finished.join(", ")}${more(i.finished.length, i.finishedCount)})` : ""}. ` +
    `${notDone}: ${i.notFinishedCount} (${i.notFinished.join(", ")}${more(i.notFinished.length, i.notFinishedCount)}).`
  );
}
