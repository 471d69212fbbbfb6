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
}
