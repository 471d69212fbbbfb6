/**
 * Every tool is declared through defineTool: zod input and output schemas, read-only annotations,
 * `structuredContent` plus a short text summary, and errors turned into `isError` results. The SDK
 * advertises both schemas in tools/list and checks every call's arguments and answer against them;
 * arguments it refuses (an unknown one among them) are an `isError` result too, as MCP asks of input
 * validation errors, so the model can correct the call.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { CallBudget } from "../audit/budget.js";
import { UserError } from "../errors.js";
import {
  DEFAULT_DEADLINE_MS,
  answerAge,
  withinDeadline,
  type ProgressUpdate,
} from "../org/answer-deadline.js";
import { dataAgeSchema } from "../org/store/freshness.js";
import { compactSchema } from "./compact-schema.js";
import { strictObject } from "./strict-input.js";
import type { CallContext, ToolContext } from "./tool-context.js";

export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  /** Tells a model when to use the tool, not only what it does. */
  description: string;
  input: I;
  output: O;
  /** Checks across fields that a JSON schema cannot say (e.g. exactly one of two). */
  refine?: (args: z.infer<z.ZodObject<I>>) => string | undefined;
  handler: (args: z.infer<z.ZodObject<I>>, ctx: CallContext) => Promise<ToolOutput<z.infer<z.ZodObject<O>>>>;
}

export interface ToolOutput<T> {
  /** A few lines a person can read; the data is in structuredContent. */
  summary: string;
  data: T;
}

// Erased form, so tools of different shapes can share one list.
export interface AnyTool {
  name: string;
  /** The answer's full shape, as declared; tools/list advertises it cut (compact-schema.ts). */
  output: z.ZodObject;
  /** Registers the tool on a request's server, its handler bound to that request's context. */
  register(server: McpServer, ctx: ToolContext): void;
}

export const READ_ONLY_ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const;

/**
 * Keys the SDK's JSON Schema would carry at the root of every input and output schema, left out:
 * `$schema` (52 characters in each of 18 schemas; MCP reads a schema without one as JSON Schema
 * 2020-12, and every construct used here means the same in draft-07) and, for outputs,
 * `additionalProperties: false` (an answer may gain fields; inputs stay strict).
 */
const INPUT_ROOT = { $schema: undefined } as Record<string, unknown>;
const OUTPUT_ROOT = { $schema: undefined, additionalProperties: undefined } as Record<string, unknown>;

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  def: ToolDefinition<I, O>,
): AnyTool {
  type Args = z.infer<z.ZodObject<I>>;
  // Every answer may say how old its data is (src/org/answer-deadline.ts), whatever the tool. Its
  // shape is advertised once, by get_server_status, which declares it (spelt out in every output
  // schema it would weigh on tools/list). The others' answers carry it as a field their
  // advertised schema allows (no additionalProperties: false) and as the text's "Data:" line.
  const output: z.ZodRawShape = { dataAge: dataAgeSchema.optional(), ...def.output };
  // Built once and shared by every request's server. Given a raw shape, the SDK builds a new object
  // schema per registration, that is per request, and zod compiles a fast parser for each object
  // schema the first time it parses with it: every call would pay that compile again.
  // Strict: an argument the tool does not declare is refused, naming the closest valid one.
  const inputSchema = strictObject(def.input, def.name).meta(INPUT_ROOT);
  // Advertised (and checked by the SDK) cut below the top level: tools/list stays small.
  const outputSchema = compactSchema(z.object(def.output)).meta(OUTPUT_ROOT);

  const run = async (args: Args, ctx: ToolContext): Promise<CallToolResult> => {
    try {
      const problem = def.refine?.(args);
      if (problem) return errorResult(`Invalid arguments for tool ${def.name}: ${problem}`);
      // No call runs past the deadline: a late one says what is done and what is left. The call's
      // computation stops at its budget, and a little before the deadline (src/audit/budget.ts).
      const reader = ctx.org.reader;
      const deadlineMs = ctx.runtime.toolDeadlineMs ?? DEFAULT_DEADLINE_MS;
      const budget = new CallBudget(ctx.callBudgetMs, deadlineMs);
      const outcome = await withinDeadline(def.handler(args, { ...ctx, budget }), {
        deadlineMs,
        ...(reader ? { reader } : {}),
        ...(ctx.progress ? { report: ctx.progress } : {}),
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
      ctx.logger.error("tool failed", {
        requestId: ctx.requestId,
        tool: def.name,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return errorResult(
        `Internal error in ${def.name} (request id ${ctx.requestId}). The server log has the details; please report it.`,
      );
    }
  };

  return {
    name: def.name,
    output: z.object(output),
    register(server, ctx) {
      server.registerTool(
        def.name,
        {
          title: def.title,
          description: def.description,
          inputSchema,
          outputSchema,
          annotations: READ_ONLY_ANNOTATIONS,
        },
        // The SDK has validated args against `input` before this runs, and checks the output after.
        ((args: Args, extra: ProgressExtra) => run(args, withProgress(ctx, extra))) as never,
      );
    },
  };
}

/** An isError result. */
function errorResult(text: string): CallToolResult {
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
