/**
 * Loads a whole organization through the production reader and service (SCPs and RCPs: tree,
 * every document, every attachment, every account's chain) from the fake service, then reports
 * the process's resident memory. Bundled and run by bench/run.ts: node --expose-gc probe.mjs <endpoint> <rootId>.
 */
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { createAwsReader, organizationsClientConfig } from "../src/org/aws-reader.js";
import type { EffectiveChain } from "../src/model/chain.js";
import { OrganizationService, type OrganizationView } from "../src/org/service.js";

const [endpoint, rootId] = process.argv.slice(2);
if (!endpoint || !rootId) throw new Error("usage: rss-probe <endpoint> <rootId>");
const client = new OrganizationsClient({
  ...organizationsClientConfig(),
  endpoint,
  credentials: { accessKeyId: "AKIDFAKEFAKEFAKE", secretAccessKey: "fake-secret" },
});
const reader = createAwsReader({
  cacheTtlSeconds: 3600,
  client,
  pacing: { ratePerSecond: 100_000, burst: 100_000, maxConcurrency: 16 },
});
const org = new OrganizationService(reader, [rootId]);
const started = performance.now();
const views: OrganizationView[] = [];
const chains: EffectiveChain[] = [];
for (const type of ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"] as const) {
  const view = await org.loadOrganization(type);
  views.push(view);
  for (const id of view.accounts.keys()) chains.push(await org.chainFromView(view, id));
}
const loadMs = performance.now() - started;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const memory = process.memoryUsage();
console.log(
  JSON.stringify({
    rssMb: memory.rss / 2 ** 20,
    heapUsedMb: memory.heapUsed / 2 ** 20,
    loadMs,
    accounts: views[0]?.accounts.size ?? 0,
    chains: chains.length,
    cacheEntries: reader.stats().cacheEntries,
    apiCalls: Object.values(reader.stats().apiCalls).reduce((a, b) => a + b, 0),
  }),
);
client.destroy();
