/**
 * DNS rebinding. A web page can make its own name resolve to 127.0.0.1 and then call a server on
 * the user's machine as if it were its own site; the browser sends the page's name in `Host` and
 * `Origin`. The MCP specification requires servers to validate `Origin` (transports, security
 * warning), and the MCP conformance suite's `dns-rebinding-protection` scenario checks it.
 *
 * - `Origin`, when a request has one (browsers send it; MCP clients that are programs do not), must
 *   name an allowed host, whether authentication is on or not.
 * - `Host` must name an allowed host when authentication is off: then nothing else stands between
 *   a page and the organization's policies. With authentication on, the token does, and behind
 *   AgentCore the Host is the platform's.
 *
 * Allowed hosts are localhost, 127.0.0.1 and [::1], plus ALLOWED_HOSTS. Names are compared without
 * the port, as the SDK's own hostHeaderValidation does: the transport's allowedHosts and
 * allowedOrigins options compare whole header values, port included, so they would refuse a
 * server reached through another port (a container's published port, a tunnel) and every browser
 * client page served from another local port.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../logging/logger.js";
import { jsonRpcError } from "./json-rpc.js";

export const LOCAL_HOSTNAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

export interface HostGuardOptions {
  /** Host names besides the local ones (lower-case, without port). */
  allowedHosts: readonly string[];
  /** Whether the Host header is checked: read per request, as auth is known only once configured. */
  checkHost: () => boolean;
  logger: Logger;
}

/** The host name a Host header value names, or undefined when it names none. */
export function hostnameOfHost(value: string): string | undefined {
  // A Host header is host[:port]; anything with a scheme, user, path or query is not one.
  if (!/^[A-Za-z0-9.\-[\]:]+$/.test(value)) return undefined;
  try {
    return new URL(`http://${value}`).hostname;
  } catch {
    return undefined;
  }
}

/** The host name an Origin header value names, or undefined for "null" and anything else. */
export function hostnameOfOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.hostname;
  } catch {
    return undefined;
  }
}

export function hostGuard(options: HostGuardOptions): MiddlewareHandler {
  const allowed = new Set([...LOCAL_HOSTNAMES, ...options.allowedHosts]);
  const forbidden = (c: Context, header: "Host" | "Origin", value: string | undefined): Response => {
    options.logger.warn("request refused: host not allowed", {
      header,
      value: (value ?? "(none)").slice(0, 200),
    });
    return c.json(
      jsonRpcError(
        -32000,
        `Forbidden: the ${header} header ${value === undefined ? "is missing" : `names ${JSON.stringify(value.slice(0, 200))}`}, which is not a host this server answers for (localhost, or a name in the server's ALLOWED_HOSTS).`,
      ),
      403,
    );
  };
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined) {
      const name = hostnameOfOrigin(origin);
      if (name === undefined || !allowed.has(name)) return forbidden(c, "Origin", origin);
    }
    if (options.checkHost()) {
      const host = c.req.header("host");
      const name = host === undefined ? undefined : hostnameOfHost(host);
      if (name === undefined || !allowed.has(name)) return forbidden(c, "Host", host);
    }
    await next();
  };
}
