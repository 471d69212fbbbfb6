import { describeOrigin } from "../config/load.js";
import type { RuntimeState } from "../runtime.js";

export function healthResponse(runtime: RuntimeState): { status: 200 | 503; body: Record<string, unknown> } {
  if (!runtime.ready || !runtime.config || !runtime.org) {
    return { status: 503, body: { status: "starting", version: runtime.version } };
  }
  const stats = runtime.org.reader.stats();
  const dataAgeSeconds = stats.dataAsOf
    ? Math.max(0, Math.round((Date.now() - Date.parse(stats.dataAsOf)) / 1000))
    : null;
  return {
    status: 200,
    body: {
      status: "ok",
      version: runtime.version,
      organizationSource: runtime.org.reader.kind,
      configOrigin: describeOrigin(runtime.config.origin),
      configLoadedAt: runtime.config.loadedAt.toISOString(),
      dataAsOf: stats.dataAsOf,
      dataAgeSeconds,
      authEnabled: runtime.config.config.auth.enabled,
      uptimeSeconds: Math.round((Date.now() - runtime.startedAt.getTime()) / 1000),
    },
  };
}
