terraform {
  # Deploying needs 1.7 or later. The offline tests in tests/ use `override_during = plan`, which
  # needs 1.11 (scripts/test-infra.ts checks the version).
  required_version = ">= 1.7.0"

  required_providers {
    # hashicorp/aws 5.x has no native AgentCore resources: the Runtime, Gateway and Gateway target
    # are CloudFormation resources (aws_cloudformation_stack) and the OAuth2 credential provider is
    # managed by scripts/manage-oauth-provider.ts. terraform_data is built in; no other provider.
    # 5.81.0 is the first release whose aws_iam_openid_connect_provider accepts no thumbprint_list
    # (ci.tf leaves it out: AWS verifies GitHub's certificate itself). .terraform.lock.hcl pins the
    # exact version and its checksums (see docs/deploy.md for the platforms it covers).
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.81.0, < 6.0.0"
    }
  }
}
