import type { Logger } from "../logging/logger.js";
import type { OrganizationService } from "../org/service.js";
import type { RuntimeState } from "../runtime.js";

/** What every tool handler receives: the scoped organization, the running server's state, a logger. */
export interface ToolContext {
  org: OrganizationService;
  runtime: RuntimeState;
  logger: Logger;
  requestId: string;
}
