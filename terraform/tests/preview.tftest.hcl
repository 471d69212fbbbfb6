# Offline checks of preview_policy_change's access (mocked provider, plan only): nothing unless
# configured; read-only on the trail prefix; Athena on the workgroup, the table and its results
# prefix only; the runtime configuration carries the activity section.

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


run "no_activity_access_unless_configured" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy.runtime_activity) == 0
    error_message = "Without activity_trail or activity_athena no activity policy is created."
  }

  assert {
    condition     = output.preview_activity_configuration == null
    error_message = "Without activity settings the runtime configuration has no activity section."
  }
}

run "trail_and_athena_read_only_and_scoped" {
  command = plan

  variables {
    activity_trail  = { bucket = "org-trail-logs", prefix = "org/", regions = ["eu-west-1", "us-east-1"] }
    activity_athena = { workgroup = "preview", database = "cloudtrail", table = "org_trail", results_bucket = "athena-results", results_prefix = "preview/" }
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.runtime_activity[0].policy).Statement : s.Action])) == toset([
      "s3:ListBucket", "s3:GetObject",
      "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
      "glue:GetDatabase", "glue:GetTable", "glue:GetPartitions",
      "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:GetBucketLocation",
    ])
    error_message = "The activity policy grants exactly the read actions and Athena's results writes."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.runtime_activity[0].policy).Statement : !contains(s.Resource, "*")])
    error_message = "Every activity statement names its resources."
  }

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role_policy.runtime_activity[0].policy).Statement : s.Resource if contains(s.Action, "s3:PutObject")
    ]) == ["arn:aws:s3:::athena-results/preview/*"]
    error_message = "Writes only under the workgroup's results prefix."
  }

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role_policy.runtime_activity[0].policy).Statement : s.Resource if s.Sid == "ReadTrailLogs"
    ]) == ["arn:aws:s3:::org-trail-logs/org/AWSLogs/*"]
    error_message = "The trail is read under its prefix only."
  }

  assert {
    condition     = output.preview_activity_configuration.trail.bucket == "org-trail-logs" && output.preview_activity_configuration.trail.prefix == "org" && output.preview_activity_configuration.athena.workgroup == "preview"
    error_message = "The runtime configuration names the trail and the workgroup."
  }
}
