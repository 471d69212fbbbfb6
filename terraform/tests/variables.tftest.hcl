# Offline checks of the input validation (mocked provider, plan only): bad names, regions and ids
# fail at plan time with a message, before anything reaches AWS.

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

variables {
  allowed_ou_ids = ["ou-ab12-11111111"]
}

run "accepts_the_defaults" {
  command = plan
}

run "rejects_a_malformed_ou_id" {
  command = plan
  variables {
    allowed_ou_ids = ["ou-AB12-1"]
  }
  expect_failures = [var.allowed_ou_ids]
}

run "rejects_an_empty_ou_list" {
  command = plan
  variables {
    allowed_ou_ids = []
  }
  expect_failures = [var.allowed_ou_ids]
}

run "rejects_a_name_with_upper_case_or_underscores" {
  command = plan
  variables {
    name = "Orgs_MCP"
  }
  expect_failures = [var.name]
}

run "rejects_a_name_cognito_refuses" {
  command = plan
  variables {
    name = "aws-orgs"
  }
  expect_failures = [var.name]
}

run "rejects_a_malformed_region" {
  command = plan
  variables {
    region = "useast1"
  }
  expect_failures = [var.region]
}

run "rejects_a_tag_instead_of_a_digest" {
  command = plan
  variables {
    image_digest = "latest"
  }
  expect_failures = [var.image_digest]
}

run "rejects_a_reader_role_that_is_not_a_role" {
  command = plan
  variables {
    organizations_reader_role_arn = "arn:aws:iam::123456789012:user/alice"
  }
  expect_failures = [var.organizations_reader_role_arn]
}

run "rejects_an_unknown_baseline_source" {
  command = plan
  variables {
    baseline = { source = "s3" }
  }
  expect_failures = [var.baseline]
}

run "rejects_an_inline_baseline_that_is_not_json" {
  command = plan
  variables {
    baseline = { source = "inline", document_json = "{not json" }
  }
  expect_failures = [var.baseline]
}

run "rejects_a_target_name_with_underscores" {
  command = plan
  variables {
    gateway_target_name = "org_policies"
  }
  expect_failures = [var.gateway_target_name]
}

run "rejects_environment_that_overrides_the_configuration" {
  command = plan
  variables {
    runtime_extra_environment = { RUNTIME_CONFIG_FILE = "/tmp/config.json" }
  }
  expect_failures = [var.runtime_extra_environment]
}

run "rejects_duplicate_mcp_clients" {
  command = plan
  variables {
    mcp_clients = ["vscode", "vscode"]
  }
  expect_failures = [var.mcp_clients]
}

run "accepts_the_longest_target_name_the_tool_names_allow" {
  command = plan
  variables {
    # 40 characters: "<target>___preview_policy_change" is exactly 64.
    gateway_target_name = "organizations-policies-audit-server-prod"
  }
}

run "rejects_a_target_name_that_makes_tool_names_longer_than_64" {
  command = plan
  variables {
    # 41 characters: "<target>___preview_policy_change" would be 65.
    gateway_target_name = "organizations-policies-audit-server-prod1"
  }
  expect_failures = [var.gateway_target_name]
}

run "rejects_environment_that_overrides_the_region" {
  command = plan
  variables {
    runtime_extra_environment = { AWS_REGION = "eu-west-1" }
  }
  expect_failures = [var.runtime_extra_environment]
}
