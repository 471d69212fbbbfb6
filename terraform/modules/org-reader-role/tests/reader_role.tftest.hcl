# Offline: the AWS provider is mocked, nothing is created.
mock_provider "aws" {
  override_during = plan
}

variables {
  runtime_role_arns = ["arn:aws:iam::111122223333:role/orgs-mcp-agentcore-runtime"]
}

run "read_only_and_trusting_only_the_runtime_role" {
  command = plan

  assert {
    condition = toset([for a in flatten([for s in jsondecode(aws_iam_role_policy.reader.policy).Statement : s.Action]) : a if startswith(a, "organizations:")]) == toset([
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
    error_message = "The reader role must grant exactly the read-only Organizations actions the server calls."
  }

  assert {
    condition     = toset([for a in flatten([for s in jsondecode(aws_iam_role_policy.reader.policy).Statement : s.Action]) : a if !startswith(a, "organizations:")]) == toset(["cloudtrail:LookupEvents"])
    error_message = "Besides the Organizations reads, the reader role may only look up events (for the snapshot store's refresh by change)."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.reader.policy).Statement : s.Effect == "Allow" && !can(s.NotAction)])
    error_message = "The reader policy must use plain Allow statements without NotAction."
  }

  assert {
    condition     = jsondecode(aws_iam_role.reader.assume_role_policy).Statement[0].Principal.AWS == ["arn:aws:iam::111122223333:root"]
    error_message = "The reader role must trust the Runtime's account."
  }

  assert {
    condition     = jsondecode(aws_iam_role.reader.assume_role_policy).Statement[0].Condition.ArnEquals["aws:PrincipalArn"] == ["arn:aws:iam::111122223333:role/orgs-mcp-agentcore-runtime"]
    error_message = "The reader role must be narrowed to the Runtime role with aws:PrincipalArn."
  }

  assert {
    condition     = !can(jsondecode(aws_iam_role.reader.assume_role_policy).Statement[0].Condition.StringEquals)
    error_message = "Without external_id the trust policy must not require one."
  }
}

run "external_id_is_required_when_set" {
  command = plan

  variables {
    external_id = "orgs-mcp-reader"
  }

  assert {
    condition     = jsondecode(aws_iam_role.reader.assume_role_policy).Statement[0].Condition.StringEquals["sts:ExternalId"] == "orgs-mcp-reader"
    error_message = "The trust policy must require the external id."
  }
}

run "rejects_a_non_role_principal" {
  command = plan

  variables {
    runtime_role_arns = ["arn:aws:iam::111122223333:user/alice"]
  }

  expect_failures = [var.runtime_role_arns]
}

run "event_lookup_can_be_left_out" {
  command = plan

  variables {
    allow_event_lookup = false
  }

  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_role_policy.reader.policy).Statement : s.Action]), "cloudtrail:LookupEvents")
    error_message = "With allow_event_lookup = false the reader role must not look up events."
  }
}
