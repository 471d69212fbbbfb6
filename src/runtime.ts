import type { LoadedConfig } from "./config/load.js";
import type { OrganizationService } from "./org/service.js";

/** What the running server knows about itself; /healthz and get_server_status report it. */
export interface RuntimeState {
  version: string;
  startedAt: Date;
  /** Set once start-up has finished: configuration loaded, organization source opened. */
  ready: boolean;
  config?: LoadedConfig;
  org?: OrganizationService;
}
