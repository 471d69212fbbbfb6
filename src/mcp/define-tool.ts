/**
 * Every tool is declared through defineTool: zod input and output schemas, read-only annotations,
 * `structuredContent` plus a short text summary, and errors turned into `isError` results.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { toJsonSchemaCompat } from "@modelcontextprotocol/sdk/server/zod-json-schema-compat.js";
import { UserError } from "../errors.js";
import {
  DEFAULT_DEADLINE_MS,
  answerAge,
  withinDeadline,
  type ProgressUpdate,
} from "../org/answer-deadline.js";
import { dataAgeSchema } from "../org/store/freshness.js";
import type { ToolContext } from "./tool-context.js";
import { jsonSchemaValidator } from "./json-schema-validator.js";

export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  /** Tells a model when to use the tool, not only what it does. */
  description: string;
  input: I;
  output: O;
  /** Checks across fields that a JSON schema cannot say (e.g. exactly one of two). */
  refine?: (args: z.infer<z.ZodObject<I>>) => string | undefined;
  handler: (args: z.infer<z.ZodObject<I>>, ctx: ToolContext) => Promise<ToolOutput<z.infer<z.ZodObject<O>>>>;
}

export interface ToolOutput<T> {
  /** A few lines a person can read; the data is in structuredContent. */
  summary: string;
  data: T;
}

// Erased form, so tools of different shapes can share one list.
export interface AnyTool {
  name: string;
  /** The zod shape of structuredContent (tools/list advertises it as JSON Schema). */
  output: z.ZodRawShape;
  register(server: McpServer, ctx: ToolContext): void;
  /**
   * The direct tools/call path (src/mcp/direct-call.ts): validates `args` as the SDK would and runs
   * the tool. Undefined when the arguments do not validate, so the SDK can answer with its own
   * standard error (the tool has not run).
   */
  callDirect(args: Record<string, unknown>, ctx: ToolContext): Promise<CallToolResult> | undefined;
}

export const READ_ONLY_ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const;

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  def: ToolDefinition<I, O>,
): AnyTool {
  type Args = z.infer<z.ZodObject<I>>;
  // Every answer may say how old its data is (src/org/answer-deadline.ts), whatever the tool.
  const output: z.ZodRawShape = { ...def.output, dataAge: dataAgeSchema.optional() };
  // What the SDK's McpServer validates input with; built once (the SDK rebuilds it per call).
  const inputSchema = z.object(def.input);
  // The output is checked against the JSON Schema tools/list advertises, as MCP clients check it:
  // compiled once with Ajv, it validates without copying the answer as a zod parse does.
  let outputCheck: ((value: unknown) => { valid: boolean; errorMessage?: string | undefined }) | undefined;
  const checkOutput = (value: unknown): { valid: boolean; errorMessage?: string | undefined } => {
    outputCheck ??= jsonSchemaValidator().getValidator(checkedOutputSchema(output) as never);
    return outputCheck(value);
  };

  const run = async (args: Args, ctx: ToolContext): Promise<CallToolResult> => {
    // A pooled server's context is rebound to each request it serves: keep this call's own.
    const call: ToolContext = { ...ctx };
    try {
      const problem = def.refine?.(args);
      if (problem) return errorResult(`Invalid arguments for tool ${def.name}: ${problem}`);
      // No call runs past the deadline: a late one says what is done and what is left.
      const reader = call.org?.reader;
      const outcome = await withinDeadline(def.handler(args, call), {
        deadlineMs: call.runtime?.toolDeadlineMs ?? DEFAULT_DEADLINE_MS,
        ...(reader ? { reader } : {}),
        ...(call.progress ? { report: call.progress } : {}),
      });
      if ("pending" in outcome) return errorResult(outcome.pending);
      const out = outcome.value;
      const age = reader ? answerAge(reader) : undefined;
      return {
        content: [{ type: "text", text: age ? `${out.summary}\n${age.line}` : out.summary }],
        structuredContent: (age ? { ...out.data, dataAge: age.field } : out.data) as Record<string, unknown>,
      };
    } catch (error) {
      if (error instanceof UserError) {
        const retry = error.retryable ? " This is temporary: retry in a few seconds." : "";
        return errorResult(`${error.message}${retry}`);
      }
      call.logger.error("tool failed", {
        requestId: call.requestId,
        tool: def.name,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return errorResult(
        `Internal error in ${def.name} (request id ${call.requestId}). The server log has the details; please report it.`,
      );
    }
  };

  return {
    name: def.name,
    output,
    register(server, ctx) {
      server.registerTool(
        def.name,
        {
          title: def.title,
          description: def.description,
          inputSchema: def.input,
          outputSchema: output,
          annotations: { title: def.title, ...READ_ONLY_ANNOTATIONS },
        },
        // The SDK has validated args against `input` before this runs, and checks the output after.
        ((args: Args, extra: ProgressExtra) => run(args, withProgress(ctx, extra))) as never,
      );
    },
    callDirect(args, ctx) {
      let parsed: ReturnType<typeof inputSchema.safeParse>;
      try {
        parsed = inputSchema.safeParse(args);
      } catch {
        return undefined; // an async refinement: only the SDK's safeParseAsync can check it
      }
      if (!parsed.success) return undefined;
      return run(parsed.data as Args, ctx).then((result) => {
        if (result.isError) return result;
        // The SDK's guarantee, kept: structuredContent always matches the advertised outputSchema.
        const checked = checkOutput(result.structuredContent);
        if (checked.valid) return result;
        ctx.logger.error("tool answer does not match its output schema", {
          requestId: ctx.requestId,
          tool: def.name,
          error: (checked.errorMessage ?? "").slice(0, 500),
        });
        return errorResult(
          `Internal error in ${def.name} (request id ${ctx.requestId}): its answer did not match its output schema. Please report it.`,
        );
      });
    },
  };
}

/** The JSON Schema tools/list advertises for a tool's output (the SDK's conversion). */
export function advertisedOutputSchema(output: z.ZodRawShape): unknown {
  return toJsonSchemaCompat(z.object(output), { strictUnions: true, pipeStrategy: "output" });
}

/**
 * The schema the direct path checks an answer against: the advertised one, by the same conversion,
 * except that a part used more than once is written once under `definitions` and referred to. Ajv
 * then generates its code once: simulate_scp_request's and analyze_error_log's schemas, which
 * repeat the evaluation view, compiled 5 and 2 times faster (a session's first call of each tool
 * pays that compile). test/output-check.test.ts requires both to judge every answer alike.
 */
export function checkedOutputSchema(output: z.ZodRawShape): unknown {
  return z.toJSONSchema(z.object(output), { target: "draft-7", io: "output", reused: "ref" });
}

/** An isError result, its members in the order the SDK's CallToolResultSchema writes them. */
export function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/** What the SDK passes a tool handler that progress notifications need. */
interface ProgressExtra {
  _meta?: { progressToken?: string | number };
  sendNotification?: (notification: {
    method: "notifications/progress";
    params: ProgressUpdate & { progressToken: string | number };
  }) => Promise<void>;
}

/** The context, with progress reporting when the caller gave a progress token. */
function withProgress(ctx: ToolContext, extra: ProgressExtra | undefined): ToolContext {
  const token = extra?._meta?.progressToken;
  const send = extra?.sendNotification;
  if (token === undefined || !send) return ctx;
  return {
    ...ctx,
    progress: (update) => {
      send({ method: "notifications/progress", params: { progressToken: token, ...update } }).catch(
        () => undefined,
      );
    },
  };
}
