import { UserError } from "../errors.js";
import type { LoadedConfig } from "../config/load.js";
import type { OrganizationService } from "../org/service.js";
import type { ToolContext } from "./tool-context.js";

/** Tools only run after start-up; this narrows the state and fails clearly if that ever breaks. */
export function requireOrg(ctx: ToolContext): { org: OrganizationService; loaded: LoadedConfig } {
  const { config } = ctx.runtime;
  if (!config || !ctx.runtime.ready) {
    throw new UserError("unavailable", "The server is still starting: retry in a few seconds.", true);
  }
  return { org: ctx.org, loaded: config };
}
