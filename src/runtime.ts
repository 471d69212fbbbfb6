import type { LoadedBaseline } from "./audit/baseline-source.js";
import type { LoadedConfig } from "./config/load.js";
import type { OrganizationService } from "./org/service.js";
import type { ActivityReaders } from "./preview/sources.js";

/** What the running server knows about itself; get_server_status reports it, /healthz and /ping whether it is ready. */
export interface RuntimeState {
  version: string;
  startedAt: Date;
  /** Set once start-up has finished: configuration loaded, organization source opened. */
  ready: boolean;
  /** When `ready` was set (GET /ping reports it as the time its status last changed). */
  readyAt?: Date;
  config?: LoadedConfig;
  org?: OrganizationService;
  /** The expected-policy baseline compare_scp_config uses by default; absent when none is configured. */
  baseline?: LoadedBaseline;
  /** No tool call runs longer (TOOL_DEADLINE_SECONDS): a late answer says what is done and what is left. */
  toolDeadlineMs?: number;
  /** Reads the baseline again from its source (compare_scp_config reloadBaseline); keeps the old one on failure. */
  reloadBaseline?: () => Promise<LoadedBaseline>;
  /** Readers of recorded activity (trail in S3, Athena), when the configuration names them. */
  activity?: ActivityReaders;
}
