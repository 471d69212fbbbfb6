/**
 * Global services: their requests are authorized in us-east-1 (aws:RequestedRegion is us-east-1
 * whichever region the caller works in), so a region-restriction deny must exempt them in NotAction
 * or it blocks them everywhere. From the AWS example SCP "Deny access to AWS based on the requested
 * AWS Region" and the list of global service endpoints.
 */

export interface GlobalService {
  prefix: string;
  name: string;
  /** Core services whose loss breaks day-to-day work (identity, DNS, CDN, support). */
  essential: boolean;
}

export const GLOBAL_SERVICES: readonly GlobalService[] = [
  { prefix: "iam", name: "IAM", essential: true },
  { prefix: "sts", name: "STS (global endpoint)", essential: true },
  { prefix: "organizations", name: "Organizations", essential: true },
  { prefix: "account", name: "Account Management", essential: true },
  { prefix: "cloudfront", name: "CloudFront", essential: true },
  { prefix: "route53", name: "Route 53", essential: true },
  { prefix: "support", name: "AWS Support", essential: true },
  { prefix: "route53domains", name: "Route 53 Domains", essential: false },
  { prefix: "budgets", name: "Budgets", essential: false },
  { prefix: "ce", name: "Cost Explorer", essential: false },
  { prefix: "cur", name: "Cost and Usage Reports", essential: false },
  { prefix: "aws-portal", name: "Billing console", essential: false },
  { prefix: "health", name: "AWS Health", essential: false },
  { prefix: "trustedadvisor", name: "Trusted Advisor", essential: false },
  { prefix: "waf", name: "WAF Classic (global)", essential: false },
  { prefix: "wafv2", name: "WAF (CloudFront scope)", essential: false },
  { prefix: "shield", name: "Shield", essential: false },
  { prefix: "globalaccelerator", name: "Global Accelerator", essential: false },
  { prefix: "pricing", name: "Price List", essential: false },
];

/** Regions in which global services are authorized; a region allow-list that has one needs no exemption. */
export const GLOBAL_SERVICE_REGIONS: readonly string[] = ["us-east-1"];

/**
 * Services with a single endpoint in the aws partition, whose requests always carry
 * aws:RequestedRegion us-east-1 whatever region the caller names. Kept to those AWS documents so;
 * services that also have regional endpoints (STS, WAFv2, Health...) are not here: their region is
 * the caller's.
 */
const SINGLE_ENDPOINT_REGION: Readonly<Record<string, string>> = {
  iam: "us-east-1",
  cloudfront: "us-east-1",
  route53: "us-east-1",
  organizations: "us-east-1",
  support: "us-east-1",
};

/** The region AWS authorizes this service's requests in, when it is fixed (aws partition). */
export function fixedRequestRegion(prefix: string): string | undefined {
  return SINGLE_ENDPOINT_REGION[prefix.toLowerCase()];
}
