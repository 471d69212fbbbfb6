/** Start-up: load the runtime configuration, open the organization source, load the baseline, prepare auth. */
import {
  demoBaseline,
  loadBaseline,
  type BaselineDeps,
  type LoadedBaseline,
} from "./audit/baseline-source.js";
import type { Env } from "./config/env.js";
import type { AuthConfig } from "./config/schema.js";
import {
  describeOrigin,
  loadRuntimeConfig,
  processConfigDeps,
  type ConfigDeps,
  type LoadedConfig,
} from "./config/load.js";
import { createTokenVerifier, type TokenVerifier } from "./http/auth.js";
import type { Logger } from "./logging/logger.js";
import { createReader } from "./create-reader.js";
import { OrganizationService } from "./org/service.js";
import type { OrganizationReader } from "./org/types.js";
import type { RuntimeState } from "./runtime.js";

export interface StartupDeps {
  configDeps?: ConfigDeps;
  /**
   * The configuration read, already started (src/server.ts starts it before loading the rest of the
   * server, so the Secrets Manager round trip overlaps that work). Read from configDeps otherwise.
   */
  configRead?: Promise<LoadedConfig>;
  createReader?: (config: LoadedConfig["config"]) => Promise<OrganizationReader>;
  createVerifier?: (auth: AuthConfig) => TokenVerifier;
  /** How the baseline is read; defaults to configDeps' secret and file readers (else the AWS SDK). */
  baselineDeps?: BaselineDeps;
}

export interface Started {
  loaded: LoadedConfig;
  org: OrganizationService;
  verifier: TokenVerifier | undefined;
}

export async function startUp(
  env: Env,
  runtime: RuntimeState,
  logger: Logger,
  deps: StartupDeps = {},
): Promise<Started> {
  const configDeps: ConfigDeps = deps.configDeps ?? processConfigDeps(env);
  const loaded = await (deps.configRead ?? loadRuntimeConfig(env, configDeps));
  const { config } = loaded;
  logger.level = config.logLevel;
  logger.info("runtime configuration loaded", {
    origin: describeOrigin(loaded.origin),
    organizationSource: config.organization.source,
    allowedOuIds: config.allowedOuIds ?? "whole organization",
    baseline: config.baseline?.source ?? null,
    cacheTtlSeconds: config.cacheTtlSeconds,
    ...(config.organization.source === "aws" && config.organization.snapshotStore
      ? { snapshotStore: config.organization.snapshotStore.uri }
      : {}),
  });
  runtime.toolDeadlineMs = env.TOOL_DEADLINE_SECONDS * 1000;
  const reader = await (deps.createReader ?? ((c) => createReader(c, env, { logger })))(config);
  const org = new OrganizationService(reader, config.allowedOuIds);

  // A bad baseline stops start-up like a bad configuration: the message names the source and path.
  const baselineDeps: BaselineDeps = deps.baselineDeps ?? {
    // The baseline's own region, when it names one, reaches the reader.
    readSecret: configDeps.readSecret,
    ...(configDeps.readTextFile ? { readTextFile: configDeps.readTextFile } : {}),
  };
  const baselineSource = config.baseline;
  const readBaseline: (() => Promise<LoadedBaseline>) | undefined = baselineSource
    ? () => loadBaseline(baselineSource, baselineDeps)
    : config.organization.source === "demo"
      ? async () => demoBaseline()
      : undefined;
  // The baseline and the JWKS are independent reads (a secret or file, and Cognito): both at once,
  // so a cold start waits for one round trip, not two.
  const createVerifier = deps.createVerifier ?? createTokenVerifier;
  const [baselineRead, jwksRead] = await Promise.allSettled([
    readBaseline ? readBaseline() : Promise.resolve(undefined),
    (async (): Promise<TokenVerifier | undefined> => {
      if (!config.auth.enabled) return undefined;
      const created = createVerifier(config.auth);
      // JWKS are fetched here, so the first request does not pay for it and a bad pool id stops start-up.
      await created.hydrate();
      return created;
    })(),
  ]);
  // Reported in a fixed order, whichever failed first.
  if (baselineRead.status === "rejected") throw baselineRead.reason;
  if (jwksRead.status === "rejected") throw jwksRead.reason;
  const verifier = jwksRead.value;
  const baseline = baselineRead.value;
  if (readBaseline && baseline) {
    runtime.baseline = baseline;
    runtime.reloadBaseline = async () => {
      const fresh = await readBaseline();
      runtime.baseline = fresh;
      return fresh;
    };
    logger.info("baseline loaded", { origin: baseline.origin, policies: baseline.baseline.policies.length });
  }
  if (verifier) {
    logger.info("authentication enabled", {
      userPoolId: config.auth.userPoolId,
      allowedClientIds: config.auth.allowedClientIds.length,
      requiredScopes: config.auth.requiredScopes,
    });
  } else {
    logger.warn(
      "authentication is OFF: POST /mcp accepts unauthenticated requests. Enable auth in the runtime configuration outside local use.",
    );
  }
  if (config.activity && (config.activity.trail || config.activity.athena)) {
    // Only when configured; their S3 and Athena clients load on first use (dist/activity-backends.cjs).
    const { createActivityReaders } = await import("./aws/activity-readers.js");
    runtime.activity = createActivityReaders(config.activity);
  }
  runtime.config = loaded;
  runtime.org = org;
  runtime.readyAt = new Date();
  runtime.ready = true;
  // A snapshot store's clients load now, after /healthz answers 200, not in the first question.
  const prepare = (reader as { prepare?: () => void }).prepare;
  if (prepare) setImmediate(() => prepare.call(reader));
  return { loaded, org, verifier };
}
