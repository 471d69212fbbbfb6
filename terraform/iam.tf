# Two service roles, both assumable only by Bedrock AgentCore on behalf of this account and region.
# Policies are plain jsonencode() documents (no aws_iam_policy_document data source), so
# `terraform test` with a mocked provider can read and check them.

locals {
  # The read-only AWS Organizations actions the server calls, and nothing else.
  organizations_read_actions = [
    "organizations:DescribeAccount",
    "organizations:DescribeOrganization",
    "organizations:DescribeOrganizationalUnit",
    "organizations:DescribePolicy",
    "organizations:ListAccountsForParent",
    "organizations:ListChildren",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListParents",
    "organizations:ListPolicies",
    "organizations:ListPoliciesForTarget",
    "organizations:ListRoots",
    "organizations:ListTargetsForPolicy",
  ]

  agentcore_arn_prefix = "arn:${local.partition}:bedrock-agentcore:${var.region}:${local.account_id}"
  logs_arn_prefix      = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group"
  # AgentCore writes the Runtime's logs to /aws/bedrock-agentcore/runtimes/<runtime id>-<endpoint>,
  # and runtime ids start with the runtime name.
  runtime_log_group_arn = "${local.logs_arn_prefix}:/aws/bedrock-agentcore/runtimes/${local.runtime_name}-*"

  agentcore_trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "BedrockAgentCoreInThisAccount"
        Effect    = "Allow"
        Principal = { Service = "bedrock-agentcore.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "${local.agentcore_arn_prefix}:*" }
        }
      },
    ]
  })

  kms_key_arns = compact([var.kms_key_arn, local.baseline_kms_arn])

  runtime_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "PullServerImage"
          Effect   = "Allow"
          Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
          Resource = [aws_ecr_repository.this.arn]
        },
        {
          # GetAuthorizationToken has no resource-level permissions.
          Sid      = "EcrAuthorizationToken"
          Effect   = "Allow"
          Action   = ["ecr:GetAuthorizationToken"]
          Resource = ["*"]
        },
        {
          Sid      = "RuntimeLogGroups"
          Effect   = "Allow"
          Action   = ["logs:CreateLogGroup", "logs:DescribeLogStreams"]
          Resource = [local.runtime_log_group_arn]
        },
        {
          Sid      = "DescribeLogGroups"
          Effect   = "Allow"
          Action   = ["logs:DescribeLogGroups"]
          Resource = ["${local.logs_arn_prefix}:*"]
        },
        {
          Sid      = "RuntimeLogEvents"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${local.runtime_log_group_arn}:log-stream:*"]
        },
        {
          # X-Ray has no resource-level permissions.
          Sid      = "XRayTraces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
          Resource = ["*"]
        },
        {
          Sid       = "AgentCoreMetrics"
          Effect    = "Allow"
          Action    = ["cloudwatch:PutMetricData"]
          Resource  = ["*"]
          Condition = { StringEquals = { "cloudwatch:namespace" = "bedrock-agentcore" } }
        },
        {
          Sid    = "WorkloadIdentityTokens"
          Effect = "Allow"
          Action = ["bedrock-agentcore:GetWorkloadAccessToken", "bedrock-agentcore:GetWorkloadAccessTokenForJWT"]
          Resource = [
            "${local.agentcore_arn_prefix}:workload-identity-directory/default",
            "${local.agentcore_arn_prefix}:workload-identity-directory/default/workload-identity/${local.runtime_name}-*",
          ]
        },
        {
          Sid      = "ReadRuntimeConfiguration"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue"]
          Resource = compact([aws_secretsmanager_secret.runtime_config.arn, local.baseline_secret_arn])
        },
      ],
      length(local.kms_key_arns) == 0 ? [] : [
        {
          Sid       = "DecryptSecretsViaSecretsManager"
          Effect    = "Allow"
          Action    = ["kms:Decrypt"]
          Resource  = local.kms_key_arns
          Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.${local.dns_suffix}" } }
        },
      ],
      local.snapshot_store_statements,
      var.organizations_reader_role_arn == null ? concat([
        {
          # Organizations read actions have no useful resource scoping for a whole-tree reader.
          Sid      = "ReadOrganization"
          Effect   = "Allow"
          Action   = local.organizations_read_actions
          Resource = ["*"]
        },
        ], local.snapshot_store_enabled ? [
        {
          # The store is refreshed by what changed: Organizations' events in the event history
          # (LookupEvents has no resource-level permissions). With a reader role, that role has it.
          Sid      = "LookupOrganizationsEvents"
          Effect   = "Allow"
          Action   = ["cloudtrail:LookupEvents"]
          Resource = ["*"]
        },
        ] : []) : [
        {
          Sid      = "AssumeOrganizationReaderRole"
          Effect   = "Allow"
          Action   = ["sts:AssumeRole"]
          Resource = [var.organizations_reader_role_arn]
        },
      ],
    )
  }

  gateway_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "GatewayWorkloadAccessToken"
        Effect = "Allow"
        Action = ["bedrock-agentcore:GetWorkloadAccessToken"]
        Resource = [
          "${local.agentcore_arn_prefix}:workload-identity-directory/default",
          "${local.agentcore_arn_prefix}:workload-identity-directory/default/workload-identity/${local.gateway_name}-*",
        ]
      },
      {
        Sid    = "RuntimeOAuthToken"
        Effect = "Allow"
        Action = ["bedrock-agentcore:GetResourceOauth2Token"]
        Resource = [
          "${local.agentcore_arn_prefix}:token-vault/default",
          local.oauth_provider_arn,
          "${local.agentcore_arn_prefix}:workload-identity-directory/default",
          "${local.agentcore_arn_prefix}:workload-identity-directory/default/workload-identity/${local.gateway_name}-*",
        ]
      },
      {
        Sid      = "ReadCredentialProviderSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [local.oauth_provider_secret_arn_pattern]
      },
    ]
  }
}

resource "aws_iam_role" "runtime" {
  name                 = local.runtime_role_name
  description          = "Execution role of the ${var.name} AgentCore Runtime (read-only AWS Organizations)"
  assume_role_policy   = local.agentcore_trust_policy
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "runtime" {
  name   = "runtime"
  role   = aws_iam_role.runtime.id
  policy = jsonencode(local.runtime_policy)
}

resource "aws_iam_role" "gateway" {
  name                 = local.gateway_role_name
  description          = "Service role of the ${var.name} AgentCore Gateway (outbound OAuth to the Runtime)"
  assume_role_policy   = local.agentcore_trust_policy
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "gateway" {
  name   = "gateway"
  role   = aws_iam_role.gateway.id
  policy = jsonencode(local.gateway_policy)
}
