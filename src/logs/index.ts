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
  MessagePolicyType,
} from "./types.js";
export { LOG_SOURCES, MESSAGE_POLICY_TYPES } from "./types.js";
