# Offline checks of the shared organization snapshot store (mocked provider, plan only): a private,
# versioned, encrypted, HTTPS-only bucket whose replaced versions expire; the Runtime role's objects
# under the prefix and nothing else in S3; event lookup on the role that reads the organization; and
# the runtime configuration's organization.snapshotStore.

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
  target          = aws_cognito_user_pool.this
  override_during = plan
  values = {
    id = "us-east-1_AbCdEf123"
  }
}

override_resource {
  target          = aws_cognito_user_pool_client.gateway_runtime
  override_during = plan
  values = {
    id = "1gatewayruntime0client000a"
  }
}

variables {
  region         = "us-east-1"
  name           = "orgs-mcp"
  allowed_ou_ids = ["r-ab12"]
}

run "a_private_versioned_encrypted_bucket_by_default" {
  command = plan

  assert {
    condition     = aws_s3_bucket.snapshots[0].bucket == "orgs-mcp-org-snapshots-123456789012" && aws_s3_bucket.snapshots[0].force_destroy == false
    error_message = "The bucket is named after the stack and the account, and is not destroyed with objects in it."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.snapshots[0].block_public_acls &&
      aws_s3_bucket_public_access_block.snapshots[0].block_public_policy &&
      aws_s3_bucket_public_access_block.snapshots[0].ignore_public_acls &&
      aws_s3_bucket_public_access_block.snapshots[0].restrict_public_buckets
    )
    error_message = "All public access to the bucket must be blocked."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.snapshots[0].rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (bucket owner enforced)."
  }

  assert {
    condition     = aws_s3_bucket_versioning.snapshots[0].versioning_configuration[0].status == "Enabled"
    error_message = "Versioning must be on, so a replaced snapshot can be restored."
  }

  assert {
    condition = (
      one(one(aws_s3_bucket_server_side_encryption_configuration.snapshots[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.snapshots[0].rule).apply_server_side_encryption_by_default).kms_master_key_id == null
    )
    error_message = "Without a key, objects must be encrypted with the account's AWS managed key (aws:kms, no key id)."
  }

  assert {
    condition = (
      aws_s3_bucket_lifecycle_configuration.snapshots[0].rule[0].status == "Enabled" &&
      aws_s3_bucket_lifecycle_configuration.snapshots[0].rule[0].noncurrent_version_expiration[0].noncurrent_days == 30
    )
    error_message = "Replaced versions must expire (30 days by default)."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_s3_bucket_policy.snapshots[0].policy).Statement : s
      if s.Effect == "Deny" && s.Principal == "*" && s.Action == "s3:*" &&
      try(s.Condition.Bool["aws:SecureTransport"], "") == "false" &&
      toset(s.Resource) == toset(["arn:aws:s3:::orgs-mcp-org-snapshots-123456789012", "arn:aws:s3:::orgs-mcp-org-snapshots-123456789012/*"])
    ]) == 1
    error_message = "The bucket policy must refuse every request over plain HTTP, to the bucket and its objects."
  }

  assert {
    condition     = output.snapshot_store_uri == "s3://orgs-mcp-org-snapshots-123456789012/orgs/"
    error_message = "The store's URI must be an output, for npm run snapshot -- --out."
  }
}

run "the_runtime_role_uses_its_prefix_only" {
  command = plan

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Resource if contains(s.Action, "s3:GetObject")
    ]) == ["arn:aws:s3:::orgs-mcp-org-snapshots-123456789012/orgs/*"]
    error_message = "Objects may be read and written under the store's prefix only."
  }

  assert {
    condition = toset([
      for a in flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]) : a if startswith(a, "s3:")
    ]) == toset(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"])
    error_message = "The Runtime role's S3 actions are GetObject, PutObject and DeleteObject on the prefix, and ListBucket (missing objects read as NoSuchKey)."
  }

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Resource if contains(s.Action, "s3:ListBucket")
    ]) == ["arn:aws:s3:::orgs-mcp-org-snapshots-123456789012"]
    error_message = "ListBucket only on the store's own bucket."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s
      if contains(s.Action, "cloudtrail:LookupEvents") && s.Resource == ["*"] && length(s.Action) == 1
    ]) == 1
    error_message = "Reading the organization itself, the Runtime role looks up Organizations' events (LookupEvents has no resource scoping)."
  }

  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]), "kms:GenerateDataKey")
    error_message = "With the AWS managed key no KMS permission is needed."
  }
}

run "the_runtime_configuration_points_at_the_store" {
  command = plan

  variables {
    organization_id       = "o-abcdefghij"
    tool_deadline_seconds = 45
    snapshot_store = {
      prefix          = "snapshots/prod/"
      max_age_seconds = 600
    }
  }

  assert {
    condition = jsondecode(terraform_data.runtime_config.input).organization.snapshotStore == {
      uri            = "s3://orgs-mcp-org-snapshots-123456789012/snapshots/prod/"
      maxAgeSeconds  = 600
      organizationId = "o-abcdefghij"
    }
    error_message = "organization.snapshotStore carries the URI, the maximum age and the organization id."
  }

  assert {
    condition     = local.runtime_environment.TOOL_DEADLINE_SECONDS == "45"
    error_message = "The container gets its tool deadline."
  }
}

run "a_customer_managed_key" {
  command = plan

  variables {
    snapshot_store = {
      bucket_name = "acme-org-snapshots"
      kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    }
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.snapshots[0].rule).apply_server_side_encryption_by_default).kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    error_message = "Objects must be encrypted with the given key."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s
      if toset(s.Action) == toset(["kms:Decrypt", "kms:GenerateDataKey"]) &&
      s.Resource == ["arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"] &&
      try(s.Condition.StringEquals["kms:ViaService"], "") == "s3.us-east-1.amazonaws.com"
    ]) == 1
    error_message = "The Runtime role may use the store's key through S3 only."
  }

  assert {
    condition     = jsondecode(terraform_data.runtime_config.input).organization.snapshotStore.uri == "s3://acme-org-snapshots/orgs/"
    error_message = "A given bucket name is used as is."
  }
}

run "a_reader_role_looks_up_the_events" {
  command = plan

  variables {
    organizations_reader_role_arn = "arn:aws:iam::999988887777:role/orgs-mcp-organizations-reader"
  }

  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]), "cloudtrail:LookupEvents")
    error_message = "Events are looked up through the reader role in the management account, not by the Runtime role."
  }

  assert {
    condition     = contains(flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]), "s3:GetObject")
    error_message = "The store itself is in this account: the Runtime role keeps its objects."
  }
}

run "no_store" {
  command = plan

  variables {
    snapshot_store = null
  }

  assert {
    condition     = length(aws_s3_bucket.snapshots) == 0 && output.snapshot_store_uri == null
    error_message = "Without a store there is no bucket."
  }

  assert {
    condition     = length([for a in flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action]) : a if startswith(a, "s3:") || startswith(a, "cloudtrail:")]) == 0
    error_message = "Without a store the Runtime role gets no S3 or CloudTrail action."
  }

  assert {
    condition     = !can(jsondecode(terraform_data.runtime_config.input).organization.snapshotStore)
    error_message = "Without a store the runtime configuration names none."
  }
}

run "rejects_a_bad_bucket_name" {
  command = plan
  variables {
    snapshot_store = { bucket_name = "Acme_Snapshots" }
  }
  expect_failures = [var.snapshot_store]
}

run "rejects_a_prefix_without_its_slash" {
  command = plan
  variables {
    snapshot_store = { prefix = "orgs" }
  }
  expect_failures = [var.snapshot_store]
}

run "rejects_a_max_age_under_a_minute" {
  command = plan
  variables {
    snapshot_store = { max_age_seconds = 10 }
  }
  expect_failures = [var.snapshot_store]
}

run "rejects_a_deadline_past_agentcores_limit" {
  command = plan
  variables {
    tool_deadline_seconds = 60
  }
  expect_failures = [var.tool_deadline_seconds]
}

run "rejects_a_malformed_organization_id" {
  command = plan
  variables {
    organization_id = "org-123"
  }
  expect_failures = [var.organization_id]
}
