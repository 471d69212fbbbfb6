import type { LoadedBaseline } from "./audit/baseline-source.js";
import type { LoadedConfig } from "./config/load.js";
import type { OrganizationService } from "./org/service.js";
import type { ActivityReaders } from "./preview/sources.js";

/** What the running server knows about itself; /healthz and get_server_status report it. */
export interface RuntimeState {
  version: string;
  startedAt: Date;
  /** Set once start-up has finished: configuration loaded, organization source opened. */
  ready: boolean;
  config?: LoadedConfig;
  org?: OrganizationService;
  /** The expected-policy baseline compare_scp_config uses by default; absent when none is configured. */
  baseline?: LoadedBaseline;
  /** Reads the baseline again from its source (compare_scp_config reloadBaseline); keeps the old one on failure. */
  reloadBaseline?: () => Promise<LoadedBaseline>;
  /** Readers of recorded activity (trail in S3, Athena), when the configuration names them. */
  activity?: ActivityReaders;
}
