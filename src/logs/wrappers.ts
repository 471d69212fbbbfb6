import { AWS_REGION_SOURCE } from "../model/ids.js";
import { JSON_CODE_SOURCE, JS_PRINTED_CODE_SOURCE, XML_CODE_SOURCE } from "./code-patterns.js";
import { iamPrefixForEventSource, iamPrefixForService, isDenialCode, isRegion } from "./aws-names.js";
import type { LogSource } from "./types.js";

/**
 * Wrapper formats around an access-denied message: which tool printed it, its error code, SDK
 * operation, request id. Every pattern has bounded quantifiers and runs on a bounded window.
 */

const CLI_RE =
  /An error occurred \(([A-Za-z0-9.]{1,64})\)(?: when calling the ([A-Za-z0-9]{1,64}) operation)?/g;
const GO_V2_RE =
  /operation error ([A-Za-z0-9 .-]{1,40}?): ([A-Za-z0-9]{1,64}),[^\n]{0,200}?https response error StatusCode: (\d{3}), RequestID: ([^,\s]{0,100}),(?:[^\n]{0,600}?api error ([A-Za-z0-9.]{1,64}):)?/g;
const GO_V2_SHORT_RE = /operation error ([A-Za-z0-9 .-]{1,40}?): ([A-Za-z0-9]{1,64}),/g;
const GO_V1_RE = /status code: (\d{3}),[ \t]{0,3}request id: ([A-Za-z0-9-]{0,100})/;
const JAVA_CLASS_RE =
  /(?:software\.amazon\.awssdk\.services\.([a-z0-9]{1,40})\.model\.([A-Za-z0-9]{1,80})|com\.amazonaws\.services\.([a-z0-9]{1,40})\.model\.([A-Za-z0-9]{1,80}))/g;
const JAVA_SERVICE_RE =
  /\(Service: ([^;,)\n]{1,60})[;,][ \t]{0,3}Status Code: (\d{3})[;,][ \t]{0,3}(?:Error Code: ([^;,)\n]{1,64})[;,][ \t]{0,3})?Request ID: ([^;,)\s]{0,100})/;
const CFN_RE = /Resource handler returned message|HandlerErrorCode: ([A-Za-z0-9]{1,64})/g;
const XML_CODE_RE = new RegExp(XML_CODE_SOURCE, "g");
const XML_REQUEST_ID_RE = /<Request[Ii][Dd]>([^<\s]{1,100})<\/Request[Ii][Dd]>/;
const JSON_CODE_RE = new RegExp(JSON_CODE_SOURCE, "g");
const JS_PRINTED_CODE_RE = new RegExp(JS_PRINTED_CODE_SOURCE, "g");
const HEADER_CODE_RE = /x-amzn-ErrorType:[ \t]{0,3}([A-Za-z0-9.:#]{1,100})/g;
const JSON_MESSAGE_KEY_RE =
  /\\?["'](?:[Mm]essage|errorMessage|Message_)\\?["']?[ \t]{0,3}:[ \t]{0,3}\\?["']?[ \t]{0,3}$/;
const REQUEST_ID_RE =
  /(?<![Ee]xtended )(?:\\?["']?(?:[Rr]equest[Ii][Dd]|x-amzn-RequestId|x-amz-request-id)\\?["']?)[ \t]{0,3}[:=][ \t]{0,3}\\?["']?([A-Za-z0-9-]{8,100})/;
const JS_V3_RE = /\$metadata|\$fault|httpStatusCode/;
const JS_V3_OP_RE =
  /(?:\bde_|deserializeAws_(?:restXml|restJson1|restJson|json1_0|json1_1|awsJson1_0|awsJson1_1|query|awsQuery|ec2))([A-Z][A-Za-z0-9]{1,63}?)CommandError/;
const JS_V3_CLIENT_RE = /@aws-sdk[/\\]client-([a-z0-9-]{1,40})/;
const JS_V2_RE = /aws-sdk[/\\]lib[/\\]services[/\\]([a-z0-9]{1,40})\.js|\bretryDelay\b|\bretryable\b/;
const PHP_RE =
  /Error executing "([A-Za-z0-9]{1,64})" on "https?:\/\/([a-z0-9-]{1,63})\.(?:([a-z0-9-]{1,30})\.)?amazonaws\.com/g;
const ENDPOINT_REGION_RE = new RegExp(
  String.raw`https?://[a-z0-9-]{1,63}\.(${AWS_REGION_SOURCE})\.amazonaws\.com`,
);
const ENCODED_RE = /Encoded authorization failure message:?[ \t\r\n]{0,20}([A-Za-z0-9_-]{16,20000})/;
const ENCODED_PHRASE_RE = /Encoded authorization failure message/;
const ENCODED_LINE_RE = /^[ \t]{0,40}([A-Za-z0-9_-]{100,20000})[ \t]*$/m;
const CODE_ANYWHERE_RE =
  /\b((?:Client\.)?UnauthorizedOperation|AccessDenied(?:Exception)?|AuthorizationError(?:Exception)?|ForbiddenException)(?::| -|\))/g;
const CODE_PREFIX_RE =
  /([A-Z][A-Za-z0-9]{2,63}(?:\.[A-Za-z0-9]{1,63})?)(?::| -| \((?:client|server)\):?)[ \t]{0,3}$/;
const BOTO_RE = /botocore|boto3|ClientError|Traceback \(most recent/;
const TERRAFORM_RE =
  /\u2502|\u2577|\bterraform\b|\bTerraform\b|\bwith (?:module\.[A-Za-z0-9_.[\]"-]{1,200}\.)?aws_[a-z0-9_]{1,60}\.|provider\.terraform-provider|\bError: Error |tf_rpc=|\btf_resource_type=/;
const GO_V1_HINT_RE = /RespMetadata|aws-sdk-go\b/;

export const SOURCE_PRIORITY: readonly LogSource[] = [
  "cloudformation",
  "terraform",
  "boto3",
  "aws-cli",
  "go-sdk",
  "java-sdk",
  "sdk-js-v3",
  "sdk-js-v2",
  "php-sdk",
  "xml-error",
  "json-error",
];

export interface WrapperContext {
  sources: LogSource[];
  errorCode: string | null;
  sdkOperation: string | null;
  servicePrefix: string | null;
  requestId: string | null;
  region: string | null;
  statusCode: number | null;
  encodedMessage: string | null;
  /** The encoded-message phrase is present (even if the message itself was cut off). */
  encodedPhrase: boolean;
  notes: string[];
}

const GLOBAL = new WeakMap<RegExp, RegExp>();
const STICKY_FREE = new WeakMap<RegExp, RegExp>();

function globalOf(re: RegExp): RegExp {
  let g = GLOBAL.get(re);
  if (g === undefined) {
    g = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
    GLOBAL.set(re, g);
  }
  g.lastIndex = 0;
  return g;
}

function lastMatch(re: RegExp, text: string): RegExpExecArray | null {
  const g = globalOf(re);
  let last: RegExpExecArray | null = null;
  for (let m = g.exec(text); m !== null; m = g.exec(text)) {
    last = m;
    if (m[0].length === 0) g.lastIndex++;
  }
  return last;
}

function firstMatch(re: RegExp, text: string): RegExpExecArray | null {
  let plain = STICKY_FREE.get(re);
  if (plain === undefined) {
    plain = new RegExp(re.source, re.flags.replace("g", ""));
    STICKY_FREE.set(re, plain);
  }
  return plain.exec(text);
}

function cleanRequestId(id: string | undefined): string | null {
  if (id === undefined) return null;
  const v = id.trim();
  // Real request ids have digits; "-uuid-", "*redacted*", "xxxx", "<request-id>" are placeholders.
  if (v.length < 4 || !/\d/.test(v) || !/^[A-Za-z0-9][A-Za-z0-9+/=_-]*[A-Za-z0-9=]$/.test(v)) return null;
  return v;
}

/** Java's "(Service: Amazon S3" / "AWSLambda" / CloudFormation's "(Service: Lambda". */
function prefixFromServiceName(name: string): string | null {
  return iamPrefixForService(name.trim());
}

/**
 * Read wrapper facts. `before` is the text before the message (same record), `after` the text from
 * the message to the end of its record.
 */
export function readContext(before: string, rawAfter: string): WrapperContext {
  const after = rawAfter.replace(/\s+/g, " ");
  const found = new Set<LogSource>();
  const notes: string[] = [];
  let errorCode: string | null = null;
  let sdkOperation: string | null = null;
  let servicePrefix: string | null = null;
  let requestId: string | null = null;
  let region: string | null = null;
  let statusCode: number | null = null;
  const both = `${before}\n${after}`;

  const setCode = (code: string | undefined): void => {
    if (errorCode === null && code !== undefined && code.length > 0) errorCode = code;
  };

  // AWS CLI / boto3 / botocore.
  const cli = lastMatch(CLI_RE, before) ?? (before.length === 0 ? firstMatch(CLI_RE, after) : null);
  if (cli) {
    found.add(BOTO_RE.test(both) ? "boto3" : "aws-cli");
    setCode(cli[1]);
    if (cli[2] !== undefined) sdkOperation = cli[2];
  }

  // Go SDK v2 (and Terraform, which uses it).
  const goV2 = lastMatch(GO_V2_RE, before) ?? firstMatch(GO_V2_RE, after);
  const goV2Short = goV2 ?? lastMatch(GO_V2_SHORT_RE, before);
  if (goV2Short) {
    found.add("go-sdk");
    const service = goV2Short[1] ?? "";
    servicePrefix ??= prefixFromServiceName(service);
    if (servicePrefix === null) notes.push(`Unknown SDK service id "${service}".`);
    sdkOperation ??= goV2Short[2] ?? null;
    if (goV2) {
      statusCode = Number(goV2[3]);
      requestId ??= cleanRequestId(goV2[4]);
      setCode(goV2[5]);
    }
  }

  // Go SDK v1 ("CODE: message\n\tstatus code: 403, request id: …").
  const goV1 = firstMatch(GO_V1_RE, after) ?? lastMatch(GO_V1_RE, before);
  if (goV1) {
    found.add("go-sdk");
    statusCode ??= Number(goV1[1]);
    requestId ??= cleanRequestId(goV1[2]);
  } else if (GO_V1_HINT_RE.test(both)) {
    found.add("go-sdk");
  }

  // Java SDK v1/v2 and CloudFormation handlers (same "(Service: …" suffix).
  const javaClass = lastMatch(JAVA_CLASS_RE, before) ?? firstMatch(JAVA_CLASS_RE, after);
  if (javaClass) {
    found.add("java-sdk");
    const pkg = javaClass[1] ?? javaClass[3];
    if (pkg !== undefined) servicePrefix ??= prefixFromServiceName(pkg);
  }
  const javaService = firstMatch(JAVA_SERVICE_RE, after) ?? lastMatch(JAVA_SERVICE_RE, before);
  if (javaService) {
    servicePrefix ??= prefixFromServiceName(javaService[1] ?? "");
    statusCode ??= Number(javaService[2]);
    if (javaService[3] !== undefined) setCode(javaService[3].trim());
    requestId ??= cleanRequestId(javaService[4]);
  }
  let cfn = false;
  const cfnRe = globalOf(CFN_RE);
  for (let m = cfnRe.exec(both); m !== null; m = cfnRe.exec(both)) {
    cfn = true;
    if (m[1] !== undefined && isDenialCode(m[1])) setCode(m[1]);
  }
  if (cfn) found.add("cloudformation");
  else if (javaService) found.add("java-sdk");

  // XML error bodies.
  const xmlCode = lastMatch(XML_CODE_RE, before) ?? firstMatch(XML_CODE_RE, after);
  if (xmlCode) {
    found.add("xml-error");
    setCode(xmlCode[1]);
    const rid = firstMatch(XML_REQUEST_ID_RE, after) ?? lastMatch(XML_REQUEST_ID_RE, before);
    requestId ??= cleanRequestId(rid?.[1]);
  }

  // PHP SDK.
  const php = lastMatch(PHP_RE, before);
  if (php) {
    found.add("php-sdk");
    sdkOperation ??= php[1] ?? null;
    servicePrefix ??= php[2] !== undefined ? iamPrefixForEventSource(php[2]) : null;
    if (php[3] !== undefined && isRegion(php[3])) region = php[3];
  }

  // JavaScript SDKs.
  const jsV3Op = firstMatch(JS_V3_OP_RE, after) ?? lastMatch(JS_V3_OP_RE, before);
  const jsV3Client = firstMatch(JS_V3_CLIENT_RE, both);
  if (JS_V3_RE.test(both) || jsV3Op || jsV3Client) {
    found.add("sdk-js-v3");
    if (jsV3Op) sdkOperation ??= jsV3Op[1] ?? null;
    if (jsV3Client?.[1] !== undefined) servicePrefix ??= prefixFromServiceName(jsV3Client[1]);
  }
  const jsV2 = firstMatch(JS_V2_RE, both);
  if (jsV2) {
    found.add("sdk-js-v2");
    if (jsV2[1] !== undefined) servicePrefix ??= prefixFromServiceName(jsV2[1]);
  }

  // JSON error bodies ("__type", "code", "Message").
  const jsonCode = lastMatch(JSON_CODE_RE, before) ?? firstMatch(JSON_CODE_RE, after);
  const jsCode = lastMatch(JS_PRINTED_CODE_RE, before) ?? firstMatch(JS_PRINTED_CODE_RE, after);
  const headerCode = lastMatch(HEADER_CODE_RE, before) ?? firstMatch(HEADER_CODE_RE, after);
  const codeCandidates = [jsonCode?.[1], jsCode?.[1], headerCode?.[1]?.split(/[:#]/)[0]];
  for (const c of codeCandidates) if (c !== undefined && isDenialCode(c)) setCode(c);
  if (jsonCode || JSON_MESSAGE_KEY_RE.test(before.slice(-80))) found.add("json-error");

  // A code printed just before the message: "AccessDeniedException: User: …", "AccessDenied - User: …".
  const prefix = CODE_PREFIX_RE.exec(before.slice(-120).replace(/(?:User:[ \t]{0,3})?["'\\]{0,3}$/, ""));
  if (prefix?.[1] !== undefined && isDenialCode(prefix[1])) setCode(prefix[1]);
  if (errorCode === null) setCode(lastMatch(CODE_ANYWHERE_RE, before)?.[1]);

  // Request ids in JSON / printed objects.
  if (requestId === null) {
    const rid = firstMatch(REQUEST_ID_RE, after) ?? lastMatch(REQUEST_ID_RE, before);
    requestId = cleanRequestId(rid?.[1]);
  }

  // Endpoint region.
  if (region === null) {
    const ep = firstMatch(ENDPOINT_REGION_RE, both);
    if (ep?.[1] !== undefined && isRegion(ep[1])) region = ep[1];
  }

  // Terraform wraps the Go SDK; decide last so it outranks it.
  if (TERRAFORM_RE.test(before) || (found.has("go-sdk") && TERRAFORM_RE.test(rawAfter.slice(0, 400)))) {
    found.add("terraform");
  }

  // EC2's encoded authorization failure message.
  let encodedMessage: string | null = null;
  const encodedPhrase = ENCODED_PHRASE_RE.test(after);
  if (encodedPhrase) {
    const enc = firstMatch(ENCODED_RE, after);
    if (enc?.[1] !== undefined && !/^[*xX.]+$/.test(enc[1])) {
      encodedMessage = enc[1];
      const next = after.charAt(enc.index + enc[0].length);
      if (next === "." || next === "…")
        notes.push("The encoded authorization failure message looks cut off in the log.");
    } else {
      const phraseAt = rawAfter.search(ENCODED_PHRASE_RE);
      const line = firstMatch(ENCODED_LINE_RE, rawAfter.slice(phraseAt, phraseAt + 8000));
      if (line?.[1] !== undefined) encodedMessage = line[1];
      else notes.push("The encoded authorization failure message was cut off or redacted in the log.");
    }
  }

  const sources = SOURCE_PRIORITY.filter((s) => found.has(s));
  return {
    sources,
    errorCode,
    sdkOperation,
    servicePrefix,
    requestId,
    region,
    statusCode,
    encodedMessage,
    encodedPhrase,
    notes,
  };
}
