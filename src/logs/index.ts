export { parseErrorLog, MAX_INPUT_CHARS } from "./parse-error-log.js";
export {
  iamPrefixForService,
  iamPrefixForEventSource,
  actionForOperation,
  isDenialCode,
  knownIamPrefixes,
} from "./aws-names.js";
export type {
  DeniedRequest,
  DenyKind,
  LogSource,
  ParseCounts,
  ParseHints,
  ParseResult,
  PolicyType,
} from "./types.js";
export { LOG_SOURCES, POLICY_TYPES } from "./types.js";
