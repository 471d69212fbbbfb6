# Read-only AWS Organizations role for the management (or delegated administrator) account, for
# deployments where the MCP server's Runtime runs in another account. Trust is granted to the
# Runtime's account, narrowed to the Runtime role's ARN with aws:PrincipalArn, so this role can be
# created before or after the Runtime role exists.

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

  # arn:<partition>:iam::<account>:root for every account that hosts a trusted Runtime role.
  trusted_account_roots = distinct([
    for arn in var.runtime_role_arns : format("arn:%s:iam::%s:root", split(":", arn)[1], split(":", arn)[4])
  ])

  trust_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "McpServerRuntimeRole"
        Effect    = "Allow"
        Principal = { AWS = local.trusted_account_roots }
        Action    = "sts:AssumeRole"
        Condition = merge(
          { ArnEquals = { "aws:PrincipalArn" = var.runtime_role_arns } },
          var.external_id == null ? {} : { StringEquals = { "sts:ExternalId" = var.external_id } },
        )
      },
    ]
  }

  read_policy = {
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "ReadOrganizationPolicies"
        Effect   = "Allow"
        Action   = local.organizations_read_actions
        Resource = ["*"]
      },
      ], var.allow_event_lookup ? [
      {
        # The snapshot store is refreshed by what changed: Organizations records its events in
        # this account's CloudTrail event history. LookupEvents has no resource-level permissions.
        Sid      = "LookupOrganizationsEvents"
        Effect   = "Allow"
        Action   = ["cloudtrail:LookupEvents"]
        Resource = ["*"]
      },
    ] : [])
  }
}

resource "aws_iam_role" "reader" {
  name                 = var.role_name
  description          = "Read-only AWS Organizations access for the organizations MCP server"
  assume_role_policy   = jsonencode(local.trust_policy)
  max_session_duration = var.max_session_duration
  tags                 = var.tags
}

resource "aws_iam_role_policy" "reader" {
  name   = "organizations-read-only"
  role   = aws_iam_role.reader.id
  policy = jsonencode(local.read_policy)
}
