/** Shared set-up for the integration tests: the real SDK and reader against the fake service. */
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { createAwsReader, organizationsClientConfig, type PacingOptions } from "../../src/org/aws-reader.js";
import type { OrganizationReader } from "../../src/org/types.js";

export const FAKE_CREDENTIALS = { accessKeyId: "AKIDFAKEFAKEFAKE", secretAccessKey: "fake-secret" };

/** Fast pacing for tests that are not about pacing. */
export const UNPACED: PacingOptions = { ratePerSecond: 10_000, burst: 10_000, maxConcurrency: 16 };

export interface ReaderSetup {
  reader: OrganizationReader;
  client: OrganizationsClient;
}

const clients: OrganizationsClient[] = [];

/** A reader with the production client settings, pointed at the fake endpoint. */
export function readerFor(
  endpoint: string,
  options: {
    pacing?: PacingOptions;
    cacheTtlSeconds?: number;
    maxAttempts?: number;
    retryMode?: "standard" | "adaptive";
  } = {},
): ReaderSetup {
  const client = new OrganizationsClient({
    ...organizationsClientConfig(
      options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {},
    ),
    ...(options.retryMode ? { retryMode: options.retryMode } : {}),
    endpoint,
    credentials: FAKE_CREDENTIALS,
  });
  clients.push(client);
  const reader = createAwsReader({
    cacheTtlSeconds: options.cacheTtlSeconds ?? 300,
    client,
    pacing: options.pacing ?? UNPACED,
  });
  return { reader, client };
}

export function destroyClients(): void {
  for (const c of clients.splice(0)) c.destroy();
}

/** Per-operation counts without zero entries, for exact comparisons. */
export function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}
