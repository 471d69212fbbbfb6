export { parseErrorLog } from "./parse-error-log.js";
export { MAX_LOG_CHARS, MAX_LOG_EVENTS } from "./limits.js";
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
  LimitExceeded,
  ParseHints,
  ParseLimits,
  ParseResult,
  MessagePolicyType,
} from "./types.js";
export { LOG_SOURCES, MESSAGE_POLICY_TYPES } from "./types.js";
