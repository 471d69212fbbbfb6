import type { AnyTool } from "../define-tool.js";
import { analyzeErrorLog } from "./analyze-error-log.js";
import { compareScpConfig } from "./compare-scp-config.js";
import { getEffectiveScps } from "./get-effective-scps.js";
import { getScpDetail } from "./get-scp-detail.js";
import { getScpTargets } from "./get-scp-targets.js";
import { getServerStatus } from "./get-server-status.js";
import { lintScpPolicy } from "./lint-scp-policy.js";
import { listScpPolicies } from "./list-scp-policies.js";
import { previewPolicyChange } from "./preview-policy-change.js";
import { simulateScpRequest } from "./simulate-scp-request.js";

/** Every tool the server registers. All are read-only; none changes AWS. */
export const TOOLS: readonly AnyTool[] = [
  getServerStatus,
  listScpPolicies,
  getScpDetail,
  getScpTargets,
  getEffectiveScps,
  simulateScpRequest,
  analyzeErrorLog,
  compareScpConfig,
  lintScpPolicy,
  previewPolicyChange,
];
