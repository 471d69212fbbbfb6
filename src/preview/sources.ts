/**
 * Where recorded activity comes from besides pasted text: the organization trail's log files in S3
 * and an Athena aggregation over its table. The readers live in src/aws and are built at start-up
 * only when the runtime configuration names them; this is what the tool asks of them.
 */
import type { Activity } from "./activity.js";

export interface TrailRequest {
  hours: number;
  /** The organization's id, in the keys of an organization trail. */
  organizationId: string;
  /** The accounts whose log files are read (the accounts the change reaches). */
  accounts: readonly string[];
  /** Epoch milliseconds by which reading must stop (what was read by then is used). */
  deadline: number;
  now: Date;
}

export interface AthenaRequest {
  /** The organization's id and its accounts in scope: rows of other accounts are skipped. */
  organizationId: string;
  /** Days of trail to aggregate, ending now; or */
  days?: number;
  /** the id of an aggregation this server started earlier, to read its results. */
  queryExecutionId?: string;
  accounts: readonly string[];
  /** Condition keys the policies use: the GROUP BY keeps only the columns they need. */
  keys: readonly string[];
  /** Whether a statement names a resource (else the resource column is left out of the GROUP BY). */
  resources: boolean;
  deadline: number;
  now: Date;
}

export type AthenaOutcome =
  | { done: true; activity: Activity; queryExecutionId: string }
  | { done: false; queryExecutionId: string; state: string };

export interface ActivityReaders {
  trail?: (request: TrailRequest) => Promise<Activity>;
  athena?: (request: AthenaRequest) => Promise<AthenaOutcome>;
  /** What the configuration names, for get_server_status and messages. */
  describe: string;
}
