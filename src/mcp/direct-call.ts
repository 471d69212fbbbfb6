/**
 * The direct path for `tools/call`: the one request a busy client sends over and over, answered
 * without the SDK's per-request transport, protocol dispatch and JSON-RPC re-validation, which cost
 * several times the tool's own work on a warm call (docs/performance.md).
 *
 * It takes only requests whose every part it checks exactly as the SDK does: a single JSON-RPC
 * request, a known tool, arguments that validate. Everything else (initialize, tools/list, unknown
 * tools, invalid arguments, task-augmented calls, unusual `_meta`) goes to the SDK, so its answers,
 * errors included, stay the SDK's own; test/direct-call.test.ts compares both paths request by
 * request.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { errorResult, type AnyTool } from "./define-tool.js";
import type { ToolContext } from "./tool-context.js";
import { stringifyJson } from "./json-fragments.js";
import { TOOLS } from "./tools/index.js";

const BY_NAME: ReadonlyMap<string, AnyTool> = new Map(TOOLS.map((t) => [t.name, t]));

export interface DirectCall {
  id: string | number;
  tool: AnyTool;
  args: Record<string, unknown>;
}

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const onlyKeys = (o: Plain, allowed: ReadonlySet<string>): boolean =>
  Object.keys(o).every((k) => allowed.has(k));

const ENVELOPE = new Set(["jsonrpc", "id", "method", "params"]);
const PARAMS = new Set(["name", "arguments", "_meta"]);
const META = new Set(["progressToken"]);

const isRequestId = (v: unknown): v is string | number =>
  typeof v === "string" || (typeof v === "number" && Number.isSafeInteger(v));

/** The call, when `message` is a tools/call request the direct path may answer; otherwise undefined. */
export function directCallOf(message: unknown): DirectCall | undefined {
  if (!isPlain(message) || !onlyKeys(message, ENVELOPE)) return undefined;
  if (message.jsonrpc !== "2.0" || message.method !== "tools/call" || !isRequestId(message.id))
    return undefined;
  const params = message.params;
  if (!isPlain(params) || !onlyKeys(params, PARAMS) || typeof params.name !== "string") return undefined;
  const tool = BY_NAME.get(params.name);
  if (!tool) return undefined;
  const meta = params._meta;
  // A progress token is accepted and unused, as by the SDK: no tool reports progress.
  if (
    meta !== undefined &&
    !(
      isPlain(meta) &&
      onlyKeys(meta, META) &&
      (meta.progressToken === undefined || isRequestId(meta.progressToken))
    )
  )
    return undefined;
  const args = params.arguments;
  if (args !== undefined && !isPlain(args)) return undefined;
  return { id: message.id, tool, args: args ?? {} };
}

export interface DirectAnswer {
  /** The JSON-RPC response, serialised. */
  body: string;
  isError: boolean;
}

/**
 * Runs the call; undefined when its arguments do not validate (the tool has not run), so the caller
 * hands the request to the SDK for its standard error.
 */
export async function answerDirectCall(
  call: DirectCall,
  ctx: ToolContext,
): Promise<DirectAnswer | undefined> {
  const pending = call.tool.callDirect(call.args, ctx);
  if (!pending) return undefined;
  let result: CallToolResult = await pending;
  let body: string;
  try {
    // The SDK's member order, so both paths answer byte for byte alike.
    body = stringifyJson({ result, jsonrpc: "2.0", id: call.id });
  } catch (error) {
    // A number JSON cannot carry (NaN, Infinity) or nesting too deep: an error result, not a 500.
    ctx.logger.error("tool answer cannot be serialised", {
      requestId: ctx.requestId,
      tool: call.tool.name,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    result = errorResult(
      `Internal error in ${call.tool.name} (request id ${ctx.requestId}): its answer could not be written as JSON. Please report it.`,
    );
    body = JSON.stringify({ result, jsonrpc: "2.0", id: call.id });
  }
  return { body, isError: result.isError === true };
}
