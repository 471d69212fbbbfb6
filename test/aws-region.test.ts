/** One region pattern for every input, the configuration and the log parser. */
import { describe, expect, it } from "vitest";
import { runtimeConfigSchema } from "../src/config/schema.js";
import { isRegion } from "../src/logs/aws-names.js";
import { parseErrorLog } from "../src/logs/parse-error-log.js";
import { AWS_REGION } from "../src/model/ids.js";

const regions = [
  "us-east-1",
  "ap-southeast-2",
  "ap-northeast-3",
  "ca-west-1",
  "il-central-1",
  "mx-central-1",
  "cn-northwest-1",
  "us-gov-west-1",
  "us-iso-east-1",
  "us-isob-east-1",
  "us-isof-south-1",
  "eu-isoe-west-1",
  "eusc-de-east-1",
];
const configWith = (region: string) =>
  runtimeConfigSchema.safeParse({ organization: { source: "aws", region }, allowedOuIds: ["r-a1b2"] });
const notRegions = [
  "web-server-1",
  "user-data-file-1",
  "",
  "us-east",
  "us-east-",
  "US-EAST-1",
  "useast1",
  "us-east-1a",
  "us_east_1",
  "global",
  "*",
  "us-east-123",
];

describe("AWS region codes", () => {
  it.each(regions)("%s is a region everywhere", (region) => {
    expect(AWS_REGION.test(region)).toBe(true);
    expect(isRegion(region)).toBe(true);
    const config = configWith(region);
    expect(config.success, JSON.stringify(config.error?.issues)).toBe(true);
  });

  it.each(notRegions)("%j is not a region anywhere", (value) => {
    expect(AWS_REGION.test(value)).toBe(false);
    expect(isRegion(value)).toBe(false);
    const issues = configWith(value).error?.issues ?? [];
    expect(issues.map((i) => i.path.join("."))).toEqual(["organization.region"]);
  });

  it("reads the region of an endpoint in any partition from a log", () => {
    const log =
      "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::123456789012:assumed-role/app/x " +
      "is not authorized to perform: s3:GetObject with an explicit deny in a service control policy\n" +
      "POST https://s3.eusc-de-east-1.amazonaws.com/bucket/key";
    const { denials } = parseErrorLog(log);
    expect(denials[0]?.region).toBe("eusc-de-east-1");
  });
});
