# Offline checks of the IAM documents (mocked provider, plan only). Organizations: exactly the read
# actions the server calls, no write action; no "*" or "*:*" actions; writes only on named resources,
# except the few actions AWS offers no resource scoping for.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:role/deployer"
      user_id    = "AROAEXAMPLEDEPLOYER:ci"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition          = "aws"
      dns_suffix         = "amazonaws.com"
      reverse_dns_prefix = "com.amazonaws"
    }
  }
}

override_resource {
  target          = aws_ecr_repository.this
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/orgs-mcp"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orgs-mcp"
  }
}

override_resource {
  target          = aws_secretsmanager_secret.runtime_config
  override_during = plan
  values = {
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orgs-mcp/runtime-config-AbCdEf"
  }
}

override_resource {
  target          = aws_iam_openid_connect_provider.github
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }
}

variables {
  region         = "us-east-1"
  name           = "orgs-mcp"
  allowed_ou_ids = ["ou-ab12-11111111"]
  image_digest   = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
}

run "runtime_role_reads_the_organization_only" {
  command = plan

  # Exactly the twelve read-only Organizations actions the server calls.
  assert {
    condition = toset([for a in flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]) : a if startswith(a, "organizations:")]) == toset([
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
    ])
    error_message = "The Runtime role must grant exactly the read-only Organizations actions the server calls."
  }

  assert {
    condition     = alltrue([for a in flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]) : !strcontains(a, "*")])
    error_message = "No action of the Runtime role may contain a wildcard (no *, no *:*, no service:*)."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource)])
    error_message = "The Runtime policy must use plain Allow statements (no NotAction / NotResource)."
  }

  # Actions on Resource "*": only those AWS offers no resource scoping for, and no Organizations write.
  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : [
        for a in s.Action : contains([
          "ecr:GetAuthorizationToken",
          "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
          "cloudwatch:PutMetricData",
          "cloudtrail:LookupEvents",
        ], a) || can(regex("^organizations:(Describe|List)", a))
      ] if contains(s.Resource, "*")
    ]))
    error_message = "Only ECR token, X-Ray, metrics, event lookup and Organizations read actions may use Resource \"*\"."
  }

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Resource if contains(s.Action, "secretsmanager:GetSecretValue")
    ]) == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:orgs-mcp/runtime-config-AbCdEf"]
    error_message = "The Runtime role may read its configuration secret only."
  }

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Resource if contains(s.Action, "ecr:BatchGetImage")
    ]) == ["arn:aws:ecr:us-east-1:123456789012:repository/orgs-mcp"]
    error_message = "The Runtime role may pull from this stack's repository only."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s if contains(s.Action, "cloudwatch:PutMetricData") && try(s.Condition.StringEquals["cloudwatch:namespace"], "") == "bedrock-agentcore"]) == 1
    error_message = "Metrics must be limited to the bedrock-agentcore namespace."
  }

  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]), "sts:AssumeRole")
    error_message = "Without a reader role the Runtime role must not assume roles."
  }

  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]), "kms:Decrypt")
    error_message = "Without a customer managed key there is nothing to decrypt."
  }
}

run "service_roles_trust_agentcore_in_this_account_only" {
  command = plan

  assert {
    condition = alltrue([for doc in [aws_iam_role.runtime.assume_role_policy, aws_iam_role.gateway.assume_role_policy] :
      jsondecode(doc).Statement[0].Principal == { Service = "bedrock-agentcore.amazonaws.com" } &&
      jsondecode(doc).Statement[0].Action == "sts:AssumeRole" &&
      jsondecode(doc).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012" &&
      jsondecode(doc).Statement[0].Condition.ArnLike["aws:SourceArn"] == "arn:aws:bedrock-agentcore:us-east-1:123456789012:*" &&
      length(jsondecode(doc).Statement) == 1
    ])
    error_message = "Both roles must trust bedrock-agentcore.amazonaws.com with aws:SourceAccount and aws:SourceArn conditions."
  }
}

run "gateway_role_fetches_the_runtime_token_only" {
  command = plan

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.gateway.policy).Statement : s.Action])) == toset([
      "bedrock-agentcore:GetWorkloadAccessToken",
      "bedrock-agentcore:GetResourceOauth2Token",
      "secretsmanager:GetSecretValue",
    ])
    error_message = "The Gateway role must grant GetWorkloadAccessToken, GetResourceOauth2Token and the credential provider's secret, nothing else."
  }

  assert {
    condition     = alltrue([for r in flatten([for s in jsondecode(aws_iam_role_policy.gateway.policy).Statement : s.Resource]) : r != "*"])
    error_message = "Every Gateway permission must name its resources."
  }

  assert {
    condition = contains(flatten([
      for s in jsondecode(aws_iam_role_policy.gateway.policy).Statement : s.Resource if contains(s.Action, "bedrock-agentcore:GetResourceOauth2Token")
    ]), "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/orgs-mcp-runtime-oauth")
    error_message = "The Gateway must be allowed to fetch tokens from this stack's credential provider."
  }

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role_policy.gateway.policy).Statement : s.Resource if contains(s.Action, "secretsmanager:GetSecretValue")
    ]) == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:bedrock-agentcore-identity!default/oauth2/orgs-mcp-runtime-oauth-*"]
    error_message = "The Gateway may read only its credential provider's secret."
  }
}

run "reader_role_replaces_direct_organizations_access" {
  command = plan

  variables {
    organizations_reader_role_arn = "arn:aws:iam::999988887777:role/orgs-mcp-organizations-reader"
  }

  assert {
    condition     = length([for a in flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]) : a if startswith(a, "organizations:") || startswith(a, "cloudtrail:")]) == 0
    error_message = "With a reader role the Runtime role itself must have no Organizations actions, nor look up events: the reader role does."
  }

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Resource if contains(s.Action, "sts:AssumeRole")
    ]) == ["arn:aws:iam::999988887777:role/orgs-mcp-organizations-reader"]
    error_message = "The Runtime role may assume the configured reader role only."
  }
}

run "baseline_secret_and_customer_managed_keys" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    baseline = {
      source      = "secretsmanager"
      secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orgs-baseline-XyZ123"
      kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Resource if contains(s.Action, "secretsmanager:GetSecretValue")
      ])) == toset([
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:orgs-mcp/runtime-config-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:orgs-baseline-XyZ123",
    ])
    error_message = "The Runtime role may read its configuration secret and the baseline secret only."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s
      if contains(s.Action, "kms:Decrypt") && try(s.Condition.StringEquals["kms:ViaService"], "") == "secretsmanager.us-east-1.amazonaws.com" && length(s.Resource) == 2
    ]) == 1
    error_message = "kms:Decrypt must be limited to the two keys and to use through Secrets Manager."
  }
}

run "image_push_role_for_github_actions" {
  command = plan

  variables {
    github_repository = "example-org/aws-organizations-mcp-server"
  }

  assert {
    condition     = jsondecode(aws_iam_role.image_push[0].assume_role_policy).Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"] == ["repo:example-org/aws-organizations-mcp-server:ref:refs/heads/main", "repo:example-org/aws-organizations-mcp-server:ref:refs/tags/v*"]
    error_message = "Only main and the v* tags of the configured repository (the refs the image workflow runs on) may assume the image push role."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.image_push[0].policy).Statement : [
        for a in s.Action : a == "ecr:GetAuthorizationToken" || s.Resource == ["arn:aws:ecr:us-east-1:123456789012:repository/orgs-mcp"]
      ]
    ]))
    error_message = "The image push role may write to this stack's repository only."
  }

  assert {
    condition     = jsondecode(aws_iam_role.image_push[0].assume_role_policy).Statement[0].Principal.Federated == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    error_message = "The image push role must trust GitHub's OIDC provider."
  }

  assert {
    condition     = alltrue([for a in flatten([for s in jsondecode(aws_iam_role_policy.image_push[0].policy).Statement : s.Action]) : !strcontains(a, "*")])
    error_message = "No wildcard actions in the image push role."
  }
}
