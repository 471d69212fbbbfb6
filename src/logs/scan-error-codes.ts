/**
 * Phase 5 of the parser: denials with no IAM message, recognised by a wrapped error code, an
 * "Access Denied" prefix, a 403 status or an EC2 encoded authorization failure message.
 */
import { isDenialCode } from "./aws-names.js";
import { JSON_CODE_SOURCE, JS_PRINTED_CODE_SOURCE, XML_CODE_SOURCE } from "./code-patterns.js";
import { MAX_ERROR_CODE_MATCHES, thousands } from "./limits.js";
import { overLimit, takeEvent, type ScanState } from "./scan-state.js";
import { applyContext, collapse, emptySighting } from "./sighting.js";
import { afterEnd, beforeStart } from "./text-index.js";
import type { LogSource } from "./types.js";
import { readContext } from "./wrappers.js";

/** Candidates collected per format; several can share a line, and only one per line is read. */
const MAX_CANDIDATES_PER_PATTERN = 4 * MAX_ERROR_CODE_MATCHES;
const GENERIC_NOTE =
  "The log gives no IAM access-denied message for this request; only the error code and the SDK operation (if named) identify it.";

interface GenericAnchor {
  pos: number;
  kind: "cli" | "go-v2" | "go-v1" | "xml" | "json" | "java" | "prefix" | "cfn" | "encoded";
  code: string | null;
  status: number | null;
}

const GENERIC_PATTERNS: readonly {
  re: RegExp;
  kind: GenericAnchor["kind"];
  code?: number;
  status?: number;
}[] = [
  { re: /An error occurred \(([A-Za-z0-9.]{1,64})\)/g, kind: "cli", code: 1 },
  { re: /api error ([A-Za-z0-9.]{1,64}):/g, kind: "go-v2", code: 1 },
  { re: /status code: (\d{3}),[ \t]{0,3}request id:/g, kind: "go-v1", status: 1 },
  { re: new RegExp(XML_CODE_SOURCE, "g"), kind: "xml", code: 1 },
  { re: new RegExp(JSON_CODE_SOURCE, "g"), kind: "json", code: 1 },
  { re: new RegExp(JS_PRINTED_CODE_SOURCE, "g"), kind: "json", code: 1 },
  { re: /x-amzn-ErrorType:[ \t]{0,3}([A-Za-z0-9.]{1,64})/g, kind: "json", code: 1 },
  {
    re: /\(Service: [^;,)\n]{1,60}[;,][ \t]{0,3}Status Code: (\d{3})[;,][ \t]{0,3}(?:Error Code: ([^;,)\n]{1,64})[;,])?/g,
    kind: "java",
    status: 1,
    code: 2,
  },
  {
    re: /\b(AccessDenied|AccessDeniedException|UnauthorizedOperation|Client\.UnauthorizedOperation|ForbiddenException|Forbidden): (?:Access Denied|Access denied|Forbidden)/g,
    kind: "prefix",
    code: 1,
  },
  { re: /HandlerErrorCode: ([A-Za-z0-9]{1,64})/g, kind: "cfn", code: 1 },
  { re: /Encoded authorization failure message/g, kind: "encoded" },
];

const KIND_SOURCE: Readonly<Record<GenericAnchor["kind"], LogSource>> = {
  cli: "aws-cli",
  "go-v2": "go-sdk",
  "go-v1": "go-sdk",
  xml: "xml-error",
  json: "json-error",
  java: "java-sdk",
  prefix: "iam-message",
  cfn: "cloudformation",
  encoded: "encoded-authorization-message",
};

/** A candidate worth a window: a denial code, or a format whose code is read from its window. */
function plausible(kind: GenericAnchor["kind"], code: string | null): boolean {
  return kind === "encoded" || kind === "go-v1" || kind === "java" || (code !== null && isDenialCode(code));
}

function findGenericAnchors(state: ScanState): GenericAnchor[] {
  const generic: GenericAnchor[] = [];
  for (const pattern of GENERIC_PATTERNS) {
    const re = pattern.re;
    re.lastIndex = 0;
    // A bounded list per pattern keeps a paste of repeated fragments from filling memory first.
    let found = 0;
    for (let m = re.exec(state.input); m !== null; m = re.exec(state.input)) {
      if (state.claimed.has(m.index)) continue;
      const code = pattern.code === undefined ? null : (m[pattern.code]?.trim() ?? null);
      if (!plausible(pattern.kind, code)) continue;
      if (++found > MAX_CANDIDATES_PER_PATTERN) {
        state.warnings.addOnce(
          "error-code-cap",
          () =>
            `More than ${thousands(MAX_CANDIDATES_PER_PATTERN)} error codes of one format; only the first ${thousands(MAX_CANDIDATES_PER_PATTERN)} were read (the rest start at line ${state.lines.index(m.index) + 1}).`,
        );
        break;
      }
      const status = pattern.status === undefined ? null : Number(m[pattern.status]);
      generic.push({ pos: m.index, kind: pattern.kind, code, status });
    }
  }
  return generic.sort((x, y) => x.pos - y.pos);
}

export function scanErrorCodes(state: ScanState): void {
  const { input, lines } = state;
  let genericUntil = -1;
  // Each anchor reads a window of lines around it: one anchor per line, and a cap, keep a paste of
  // repeated error-like fragments linear instead of re-reading the same text per fragment.
  let lastGenericLine = -1;
  let genericRead = 0;
  for (const g of findGenericAnchors(state)) {
    if (overLimit(state)) return;
    if (g.pos < genericUntil) continue;
    const codeIsDenial = g.code !== null && isDenialCode(g.code);
    const anchorLine = lines.index(g.pos);
    if (anchorLine === lastGenericLine) continue;
    lastGenericLine = anchorLine;
    if (++genericRead > MAX_ERROR_CODE_MATCHES) {
      state.warnings.addOnce(
        "error-code-cap",
        () =>
          `More than ${thousands(MAX_ERROR_CODE_MATCHES)} error-like lines without an IAM message; only the first ${thousands(MAX_ERROR_CODE_MATCHES)} were read (the rest start at line ${anchorLine + 1}).`,
      );
      break;
    }
    const start = beforeStart(lines, g.pos, Math.max(0, genericUntil, state.claimed.floor(g.pos)));
    const stop = afterEnd(lines, g.pos, input.length);
    const window = input.slice(start, stop);
    const ctx = readContext(window, input.slice(g.pos, stop));
    const code = codeIsDenial ? g.code : ctx.errorCode;
    const denied =
      g.kind === "encoded" ||
      (code !== null && isDenialCode(code)) ||
      ((g.status === 403 || ctx.statusCode === 403) &&
        /access denied|forbidden|not authori[sz]ed/i.test(window));
    if (!denied) continue;
    const sighting = emptySighting(g.pos, anchorLine + 1);
    sighting.errorCode = code;
    sighting.sources.push(
      g.kind === "encoded" ? "encoded-authorization-message" : (ctx.sources[0] ?? KIND_SOURCE[g.kind]),
    );
    applyContext(sighting, ctx);
    if (g.kind === "encoded" && sighting.encodedMessage === null) {
      sighting.notes.push("The encoded authorization failure message itself is missing from the log.");
    }
    sighting.notes.push(GENERIC_NOTE);
    sighting.rawMessage = collapse(input.slice(Math.max(lines.start(anchorLine), g.pos - 300), stop), 500);
    if (!takeEvent(state)) return;
    state.sightings.push(sighting);
    genericUntil = stop;
  }
}
