/**
 * Every tool is declared through defineTool: zod input and output schemas, read-only annotations,
 * `structuredContent` plus a short text summary, and errors turned into `isError` results. The SDK
 * advertises both schemas in tools/list and checks every call's arguments and answer against them.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { CallBudget } from "../audit/budget.js";
import { UserError } from "../errors.js";
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
  /** Registers the tool on a request's server, its handler bound to that request's context. */
  register(server: McpServer, ctx: ToolContext): void;
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
  // Built once and shared by every request's server. Given a raw shape, the SDK builds a new object
  // schema per registration, that is per request, and zod compiles a fast parser for each object
  // schema the first time it parses with it: every call would pay that compile again.
  const inputSchema = z.object(def.input);
  const outputSchema = z.object(def.output);

  const run = async (args: Args, ctx: ToolContext): Promise<CallToolResult> => {
    try {
      const problem = def.refine?.(args);
      if (problem) return errorResult(`Invalid arguments for tool ${def.name}: ${problem}`);
      const out = await def.handler(args, { ...ctx, budget: new CallBudget(ctx.callBudgetMs) });
      return {
        content: [{ type: "text", text: out.summary }],
        structuredContent: out.data as Record<string, unknown>,
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
    register(server, ctx) {
      server.registerTool(
        def.name,
        {
          title: def.title,
          description: def.description,
          inputSchema,
          outputSchema,
          annotations: { title: def.title, ...READ_ONLY_ANNOTATIONS },
        },
        // The SDK has validated args against `input` before this runs, and checks the output after.
        ((args: Args) => run(args, ctx)) as never,
      );
    },
  };
}

/** An isError result. */
function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}
