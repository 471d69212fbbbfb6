/** Identifier formats, as documented in the AWS Organizations API reference, and AWS region codes. */
import { z } from "zod";

/**
 * An AWS region code, in every partition: us-east-1, ap-southeast-2, cn-northwest-1, us-gov-west-1,
 * us-isob-east-1, eu-isoe-west-1, eusc-de-east-1 (the European Sovereign Cloud). One pattern for
 * every input and for the log parser, so a region one accepts the other does not refuse. The middle
 * word is a compass direction, as in every region so far, so that names such as web-server-1 in a
 * log are not taken for one.
 */
export const AWS_REGION_SOURCE = String.raw`[a-z]{2,4}(?:-[a-z]{2,4})?-(?:(?:north|south)?(?:east|west)|north|south|central)-\d{1,2}`;
export const AWS_REGION = new RegExp(`^${AWS_REGION_SOURCE}$`);
export const awsRegionSchema = z
  .string()
  .regex(AWS_REGION, "expected an AWS region such as eu-west-1 or us-gov-west-1");

/**
 * A region as a tool argument: checked by a refinement, so tools/list (paid by every session) does
 * not spell the pattern out in each tool that takes one.
 */
export const regionArgumentSchema = z
  .string()
  .max(32)
  .refine((v) => AWS_REGION.test(v), "expected an AWS region such as eu-west-1 or us-gov-west-1");

export const ACCOUNT_ID = /^\d{12}$/;
export const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
export const POLICY_ID = /^p-[0-9a-zA-Z_]{8,128}$/;
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

export const accountIdSchema = z
  .string()
  .regex(ACCOUNT_ID, "an account id is exactly 12 digits, for example 123456789012");
export const ouIdSchema = z
  .string()
  .regex(OU_ID, "an OU id looks like ou-ab12-11111111 (ou-, the root suffix, a dash, 8 or more characters)");
export const rootIdSchema = z.string().regex(ROOT_ID, "a root id looks like r-ab12");
export const ouOrRootIdSchema = z
  .string()
  .refine(
    (v) => OU_ID.test(v) || ROOT_ID.test(v),
    "expected an OU id (ou-ab12-11111111) or a root id (r-ab12)",
  );
/** Where a difference can reach: an account, an OU or the root (one message for the three forms). */
export const targetIdSchema = z
  .string()
  .refine(
    (v) => ACCOUNT_ID.test(v) || OU_ID.test(v) || ROOT_ID.test(v),
    "expected an account id (12 digits, for example 123456789012), an OU id (ou-ab12-11111111) or a root id (r-ab12)",
  );
export const policyIdSchema = z
  .string()
  .regex(
    POLICY_ID,
    "a policy id looks like p-abcd1234 or p-FullAWSAccess (p- then 8 or more letters, digits or _)",
  );

export type TargetKind = "ROOT" | "ORGANIZATIONAL_UNIT" | "ACCOUNT";

export function targetKindOf(id: string): TargetKind | undefined {
  if (ACCOUNT_ID.test(id)) return "ACCOUNT";
  if (OU_ID.test(id)) return "ORGANIZATIONAL_UNIT";
  if (ROOT_ID.test(id)) return "ROOT";
  return undefined;
}

/** The 12-digit account of an ARN, or undefined (S3 bucket ARNs and redacted ones have none). */
export function accountOfArn(arn: string | null | undefined): string | undefined {
  const account = arn?.split(":")[4];
  return account && ACCOUNT_ID.test(account) ? account : undefined;
}
