import type { CallBudget } from "../audit/budget.js";
import type { Logger } from "../logging/logger.js";
import type { ProgressUpdate } from "../org/answer-deadline.js";
import type { OrganizationService } from "../org/service.js";
import type { RuntimeState } from "../runtime.js";

/** What every tool handler receives: the scoped organization, the running server's state, a logger. */
export interface ToolContext {
  org: OrganizationService;
  runtime: RuntimeState;
  logger: Logger;
  requestId: string;
  /** Sends a progress notification; present when the caller gave a progress token. */
  progress?: (update: ProgressUpdate) => void;
  /**
   * Each call's time budget for its own computation, in ms (CALL_BUDGET_MS; src/audit/budget.ts
   * has the default). The time spent waiting for AWS is not counted.
   */
  callBudgetMs?: number;
}

/** A tool handler's context: the request's, plus the budget defineTool makes for each call. */
export interface CallContext extends ToolContext {
  budget: CallBudget;
}
