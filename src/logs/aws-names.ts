/**
 * Names AWS tooling uses for services and operations, and how they map to IAM.
 * Pure data plus small lookups; no I/O.
 */
import { AWS_REGION } from "../model/ids.js";

/** Error codes that mean "the request was denied by authorization". */
export const DENIAL_CODES: ReadonlySet<string> = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "Client.UnauthorizedOperation",
  "Client.AccessDenied",
  "UnauthorizedAccess",
  "UnauthorizedAccessException",
  "UnauthorizedException",
  "AuthorizationError",
  "AuthorizationErrorException",
  "NotAuthorized",
  "NotAuthorizedException",
  "Forbidden",
  "ForbiddenException",
  "AllAccessDisabled",
  "KMS.AccessDeniedException",
]);

export function isDenialCode(code: string): boolean {
  if (DENIAL_CODES.has(code)) return true;
  // A whole error code ("KMS.AccessDeniedException", "Client.UnauthorizedOperation"), not a word
  // inside another name ("AccessDeniedPage").
  return /^(?:[\w-]+\.)?(?:\w*AccessDenied(?:Exception)?|Unauthorized(?:Operation|Access)(?:Exception)?)$/.test(
    code.trim(),
  );
}

/**
 * SDK service ids (Go v2 "operation error X:", Java "(Service: X", CloudFormation, Java package names,
 * JS v3 "@aws-sdk/client-x", PHP host names) to IAM service prefixes. Keys are normalised with
 * `normaliseServiceKey` (lower case, alphanumerics only, leading "amazon"/"aws" removed).
 */
const SERVICE_PREFIXES: Readonly<Record<string, string>> = {
  s3: "s3",
  s3control: "s3",
  simplestorageservice: "s3",
  ec2: "ec2",
  elasticcomputecloud: "ec2",
  iam: "iam",
  identitymanagement: "iam",
  identityandaccessmanagement: "iam",
  sts: "sts",
  securitytokenservice: "sts",
  lambda: "lambda",
  dynamodb: "dynamodb",
  dynamodbv2: "dynamodb",
  dynamodbstreams: "dynamodb",
  kms: "kms",
  keymanagementservice: "kms",
  sqs: "sqs",
  simplequeueservice: "sqs",
  sns: "sns",
  simplenotificationservice: "sns",
  cloudformation: "cloudformation",
  secretsmanager: "secretsmanager",
  ssm: "ssm",
  simplesystemsmanagement: "ssm",
  systemsmanager: "ssm",
  cloudwatchlogs: "logs",
  logs: "logs",
  cloudwatch: "cloudwatch",
  monitoring: "cloudwatch",
  ecr: "ecr",
  ecrpublic: "ecr-public",
  ecs: "ecs",
  eks: "eks",
  rds: "rds",
  rdsdata: "rds-data",
  organizations: "organizations",
  cloudtrail: "cloudtrail",
  athena: "athena",
  glue: "glue",
  sfn: "states",
  stepfunctions: "states",
  states: "states",
  eventbridge: "events",
  cloudwatchevents: "events",
  events: "events",
  kinesis: "kinesis",
  firehose: "firehose",
  kinesisfirehose: "firehose",
  route53: "route53",
  route53domains: "route53domains",
  route53resolver: "route53resolver",
  acm: "acm",
  certificatemanager: "acm",
  acmpca: "acm-pca",
  cognitoidentityprovider: "cognito-idp",
  cognitoidp: "cognito-idp",
  cognitoidentity: "cognito-identity",
  cognitosync: "cognito-sync",
  ses: "ses",
  sesv2: "ses",
  simpleemailservice: "ses",
  email: "ses",
  bedrock: "bedrock",
  bedrockruntime: "bedrock",
  bedrockagent: "bedrock",
  bedrockagentruntime: "bedrock",
  sagemaker: "sagemaker",
  sagemakerruntime: "sagemaker",
  redshift: "redshift",
  redshiftserverless: "redshift-serverless",
  redshiftdata: "redshift-data",
  memorydb: "memorydb",
  elasticache: "elasticache",
  efs: "elasticfilesystem",
  elasticfilesystem: "elasticfilesystem",
  backup: "backup",
  configservice: "config",
  config: "config",
  guardduty: "guardduty",
  securityhub: "securityhub",
  wafv2: "wafv2",
  waf: "waf",
  wafregional: "waf-regional",
  shield: "shield",
  costexplorer: "ce",
  ce: "ce",
  applicationautoscaling: "application-autoscaling",
  autoscaling: "autoscaling",
  elasticloadbalancing: "elasticloadbalancing",
  elasticloadbalancingv2: "elasticloadbalancing",
  elbv2: "elasticloadbalancing",
  elb: "elasticloadbalancing",
  apigateway: "apigateway",
  apigatewayv2: "apigateway",
  apigatewaymanagementapi: "execute-api",
  appsync: "appsync",
  codebuild: "codebuild",
  codecommit: "codecommit",
  codedeploy: "codedeploy",
  codepipeline: "codepipeline",
  codeartifact: "codeartifact",
  pricing: "pricing",
  resourcegroupstaggingapi: "tag",
  servicequotas: "servicequotas",
  ssoadmin: "sso",
  sso: "sso",
  ssooidc: "sso-oauth",
  identitystore: "identitystore",
  account: "account",
  accessanalyzer: "access-analyzer",
  computeoptimizer: "compute-optimizer",
  apprunner: "apprunner",
  amplify: "amplify",
  opensearch: "es",
  opensearchservice: "es",
  elasticsearchservice: "es",
  kafka: "kafka",
  mq: "mq",
  transfer: "transfer",
  datasync: "datasync",
  glacier: "glacier",
  lakeformation: "lakeformation",
  emr: "elasticmapreduce",
  elasticmapreduce: "elasticmapreduce",
  batch: "batch",
  xray: "xray",
  textract: "textract",
  comprehend: "comprehend",
  rekognition: "rekognition",
  translate: "translate",
  polly: "polly",
  transcribe: "transcribe",
  globalaccelerator: "globalaccelerator",
  cloudfront: "cloudfront",
  directconnect: "directconnect",
  greengrassv2: "greengrass",
  greengrass: "greengrass",
  iot: "iot",
  inspector2: "inspector2",
  macie2: "macie2",
  health: "health",
  support: "support",
  budgets: "budgets",
  networkfirewall: "network-firewall",
  applicationdiscoveryservice: "discovery",
  timestreamwrite: "timestream",
  timestreamquery: "timestream",
  keyspaces: "cassandra",
  neptune: "rds",
  docdb: "rds",
  ram: "ram",
  resourceaccessmanager: "ram",
  servicecatalog: "servicecatalog",
  controltower: "controltower",
  ebs: "ebs",
  ec2instanceconnect: "ec2-instance-connect",
  ssmincidents: "ssm-incidents",
  scheduler: "scheduler",
  pipes: "pipes",
  cloudcontrol: "cloudformation",
  signer: "signer",
  waflegacy: "waf",
  cloudwatchrum: "rum",
  fsx: "fsx",
  storagegateway: "storagegateway",
  dms: "dms",
  databasemigrationservice: "dms",
  quicksight: "quicksight",
  workspaces: "workspaces",
  connect: "connect",
  location: "geo",
  iotdata: "iot",
  iotdataplane: "iot",
  chime: "chime",
  mediaconvert: "mediaconvert",
  imagebuilder: "imagebuilder",
  fis: "fis",
  resiliencehub: "resiliencehub",
  securitylake: "securitylake",
  detective: "detective",
  auditmanager: "auditmanager",
  license: "license-manager",
  licensemanager: "license-manager",
  outposts: "outposts",
  savingsplans: "savingsplans",
  costandusagereportservice: "cur",
  cur: "cur",
};

/** Lower-case, alphanumerics only, with a leading "amazon" / "aws" marketing prefix removed. */
export function normaliseServiceKey(serviceId: string): string {
  let key = serviceId.toLowerCase().replace(/[^a-z0-9]/g, "");
  for (const prefix of ["amazon", "aws"]) {
    if (key.startsWith(prefix) && key.length > prefix.length + 1) key = key.slice(prefix.length);
  }
  return key;
}

/** IAM service prefix for an SDK service id, or `null` when unknown. */
export function iamPrefixForService(serviceId: string): string | null {
  const key = normaliseServiceKey(serviceId);
  return SERVICE_PREFIXES[key] ?? null;
}

/** Every prefix the table can produce; exported so tests can check them against IAM data. */
export function knownIamPrefixes(): string[] {
  return [...new Set(Object.values(SERVICE_PREFIXES))].sort();
}

/** CloudTrail eventSource / endpoint host label to IAM prefix: "s3.amazonaws.com" → "s3". */
const EVENT_SOURCE_EXCEPTIONS: Readonly<Record<string, string>> = {
  monitoring: "cloudwatch",
  email: "ses",
  "elasticfilesystem-fips": "elasticfilesystem",
  "s3-control": "s3",
  "bedrock-runtime": "bedrock",
  "bedrock-agent": "bedrock",
  "bedrock-agent-runtime": "bedrock",
  "runtime.sagemaker": "sagemaker",
  "api.sagemaker": "sagemaker",
  "lambda-url": "lambda",
  "data.iot": "iot",
  "iot-data": "iot",
  "portal.sso": "sso",
  oidc: "sso-oauth",
  "execute-api": "execute-api",
  "streams.dynamodb": "dynamodb",
  tagging: "tag",
  cloudcontrolapi: "cloudformation",
};

export function iamPrefixForEventSource(eventSource: string): string | null {
  const host = eventSource.trim().toLowerCase();
  const base = host.replace(/\.amazonaws\.com(?:\.cn)?$/, "").replace(/\.api\.aws$/, "");
  if (!/^[a-z0-9][a-z0-9.-]{0,62}$/.test(base)) return null;
  const exception = EVENT_SOURCE_EXCEPTIONS[base];
  if (exception) return exception;
  const first = base.split(".")[0] ?? base;
  return EVENT_SOURCE_EXCEPTIONS[first] ?? first;
}

/** Operations whose IAM action has a different name. Keyed by IAM prefix, then SDK operation. */
const OPERATION_ACTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  s3: {
    ListBuckets: "ListAllMyBuckets",
    ListObjectsV2: "ListBucket",
    ListObjects: "ListBucket",
    HeadBucket: "ListBucket",
    HeadObject: "GetObject",
    SelectObjectContent: "GetObject",
    CreateMultipartUpload: "PutObject",
    UploadPart: "PutObject",
    UploadPartCopy: "PutObject",
    CompleteMultipartUpload: "PutObject",
    DeleteObjects: "DeleteObject",
    ListObjectVersions: "ListBucketVersions",
    ListMultipartUploads: "ListBucketMultipartUploads",
    ListParts: "ListMultipartUploadParts",
    GetObjectLockConfiguration: "GetBucketObjectLockConfiguration",
    PutObjectLockConfiguration: "PutBucketObjectLockConfiguration",
    GetBucketEncryption: "GetEncryptionConfiguration",
    PutBucketEncryption: "PutEncryptionConfiguration",
    DeleteBucketEncryption: "PutEncryptionConfiguration",
    GetBucketLifecycleConfiguration: "GetLifecycleConfiguration",
    GetBucketLifecycle: "GetLifecycleConfiguration",
    PutBucketLifecycleConfiguration: "PutLifecycleConfiguration",
    PutBucketLifecycle: "PutLifecycleConfiguration",
    DeleteBucketLifecycle: "PutLifecycleConfiguration",
    GetBucketReplication: "GetReplicationConfiguration",
    PutBucketReplication: "PutReplicationConfiguration",
    DeleteBucketReplication: "PutReplicationConfiguration",
    GetBucketCors: "GetBucketCORS",
    PutBucketCors: "PutBucketCORS",
    DeleteBucketCors: "PutBucketCORS",
    GetBucketAccelerateConfiguration: "GetAccelerateConfiguration",
    PutBucketAccelerateConfiguration: "PutAccelerateConfiguration",
    GetBucketAnalyticsConfiguration: "GetAnalyticsConfiguration",
    PutBucketAnalyticsConfiguration: "PutAnalyticsConfiguration",
    GetBucketInventoryConfiguration: "GetInventoryConfiguration",
    PutBucketInventoryConfiguration: "PutInventoryConfiguration",
    GetBucketMetricsConfiguration: "GetMetricsConfiguration",
    PutBucketMetricsConfiguration: "PutMetricsConfiguration",
    GetBucketIntelligentTieringConfiguration: "GetIntelligentTieringConfiguration",
    PutBucketIntelligentTieringConfiguration: "PutIntelligentTieringConfiguration",
    GetPublicAccessBlock: "GetBucketPublicAccessBlock",
    PutPublicAccessBlock: "PutBucketPublicAccessBlock",
    DeletePublicAccessBlock: "PutBucketPublicAccessBlock",
    GetBucketNotificationConfiguration: "GetBucketNotification",
    PutBucketNotificationConfiguration: "PutBucketNotification",
    DeleteBucketTagging: "PutBucketTagging",
    DeleteBucketWebsite: "DeleteBucketWebsite",
    DeleteBucketOwnershipControls: "PutBucketOwnershipControls",
  },
  lambda: {
    Invoke: "InvokeFunction",
    InvokeAsync: "InvokeFunction",
    InvokeWithResponseStream: "InvokeFunction",
  },
  "cognito-idp": {},
};

/** Every (prefix, operation, IAM action) the renaming table knows; exported for tests. */
export function knownOperationRenames(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const [prefix, table] of Object.entries(OPERATION_ACTIONS)) {
    for (const [operation, action] of Object.entries(table)) out.push([prefix, operation, action]);
  }
  return out;
}

/** The IAM action an SDK operation most likely needs, e.g. ("s3", "ListObjectsV2") → "s3:ListBucket". */
export function actionForOperation(prefix: string, operation: string): string {
  // Lambda's CloudTrail event names carry the API version ("GetFunction20150331v2").
  const op = prefix === "lambda" ? operation.replace(/\d{8}(?:v\d+)?$/, "") : operation;
  const name = OPERATION_ACTIONS[prefix]?.[op] ?? op;
  return `${prefix}:${name}`;
}

/**
 * Operations that only one common service has, to guess the service when a wrapper (AWS CLI,
 * boto3) names the operation but not the service.
 */
const UNIQUE_OPERATIONS: Readonly<Record<string, string>> = {
  PutObject: "s3",
  GetObject: "s3",
  HeadObject: "s3",
  DeleteObject: "s3",
  CopyObject: "s3",
  ListObjects: "s3",
  ListObjectsV2: "s3",
  ListBuckets: "s3",
  CreateBucket: "s3",
  DeleteBucket: "s3",
  HeadBucket: "s3",
  PutBucketPolicy: "s3",
  GetBucketPolicy: "s3",
  PutBucketAcl: "s3",
  PutObjectAcl: "s3",
  GetBucketLocation: "s3",
  PutObjectTagging: "s3",
  PutBucketVersioning: "s3",
  GetObjectLockConfiguration: "s3",
  CreateMultipartUpload: "s3",
  UploadPart: "s3",
  RunInstances: "ec2",
  DescribeInstances: "ec2",
  TerminateInstances: "ec2",
  StartInstances: "ec2",
  StopInstances: "ec2",
  CreateFleet: "ec2",
  DescribeImages: "ec2",
  DescribeVpcs: "ec2",
  DescribeSubnets: "ec2",
  DescribeSecurityGroups: "ec2",
  AuthorizeSecurityGroupIngress: "ec2",
  DisassociateAddress: "ec2",
  AssociateAddress: "ec2",
  AllocateAddress: "ec2",
  CreateTags: "ec2",
  CreateVolume: "ec2",
  AttachVolume: "ec2",
  DescribeRegions: "ec2",
  AssumeRole: "sts",
  AssumeRoleWithWebIdentity: "sts",
  AssumeRoleWithSAML: "sts",
  GetCallerIdentity: "sts",
  GetFederationToken: "sts",
  GetSessionToken: "sts",
  DecodeAuthorizationMessage: "sts",
  UpdateFunctionCode: "lambda",
  UpdateFunctionConfiguration: "lambda",
  Invoke: "lambda",
  GetLayerVersion: "lambda",
  GetSecretValue: "secretsmanager",
  CreateSecret: "secretsmanager",
  PutSecretValue: "secretsmanager",
  GetParameter: "ssm",
  GetParameters: "ssm",
  GetParametersByPath: "ssm",
  PutParameter: "ssm",
  StartSession: "ssm",
  SendCommand: "ssm",
  Decrypt: "kms",
  Encrypt: "kms",
  GenerateDataKey: "kms",
  CreateKey: "kms",
  ScheduleKeyDeletion: "kms",
  PutItem: "dynamodb",
  GetItem: "dynamodb",
  UpdateItem: "dynamodb",
  DeleteItem: "dynamodb",
  Query: "dynamodb",
  Scan: "dynamodb",
  BatchWriteItem: "dynamodb",
  DescribeTable: "dynamodb",
  SendMessage: "sqs",
  ReceiveMessage: "sqs",
  GetQueueUrl: "sqs",
  CreateStack: "cloudformation",
  UpdateStack: "cloudformation",
  DescribeStacks: "cloudformation",
  CreateChangeSet: "cloudformation",
  CreateRole: "iam",
  PassRole: "iam",
  AttachRolePolicy: "iam",
  PutRolePolicy: "iam",
  CreateUser: "iam",
  ListRoles: "iam",
  GetRole: "iam",
  FilterLogEvents: "logs",
  CreateLogGroup: "logs",
  PutLogEvents: "logs",
  DescribeLogGroups: "logs",
  GetAuthorizationToken: "ecr",
  BatchGetImage: "ecr",
  PutImage: "ecr",
  DescribeRepositories: "ecr",
  RegisterTaskDefinition: "ecs",
  RunTask: "ecs",
  ExecuteCommand: "ecs",
  CreateDBInstance: "rds",
  DescribeDBInstances: "rds",
  ListAccounts: "organizations",
  DescribeOrganization: "organizations",
  StopLogging: "cloudtrail",
  DeleteTrail: "cloudtrail",
  LookupEvents: "cloudtrail",
  CreateComponentVersion: "greengrass",
};

// Left out on purpose, because several services share the name and a guess could blame the wrong
// one: CreatePolicy, ListPolicies (IAM, Organizations), CreateFunction, GetFunction, ListFunctions
// (Lambda, CloudFront), CreateTable (DynamoDB, Glue, Timestream), CreateRepository (ECR, CodeCommit,
// CodeArtifact), DescribeCluster (EKS, MSK), Publish (SNS, IoT).
export function serviceForUniqueOperation(operation: string): string | null {
  return UNIQUE_OPERATIONS[operation] ?? null;
}

/** `us-east-1`, `eu-west-2`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1` and the like. */
export function isRegion(value: string): boolean {
  return AWS_REGION.test(value);
}

/** Account ids the AWS documentation uses as examples. */
export const DOCUMENTATION_ACCOUNT_IDS: ReadonlySet<string> = new Set([
  "123456789012",
  "111122223333",
  "444455556666",
  "777788889999",
  "111111111111",
]);
