# AgentCore Identity OAuth2 credential provider for the Gateway -> Runtime hop: Cognito client
# credentials for the gateway-to-runtime app client. hashicorp/aws 5.x has no resource for it, and the
# CloudFormation resource would need the client secret inside a template, so
# scripts/manage-oauth-provider.ts creates, updates, reads and deletes it idempotently with
# @aws-sdk/client-bedrock-agentcore-control. The client secret reaches the script only through an
# environment variable of the local-exec provisioner: never a template, an argument or an output.

# Lifetime of the provider: replacing this (new name or region) deletes the old provider.
resource "terraform_data" "oauth_provider" {
  triggers_replace = {
    name   = local.oauth_provider_name
    region = var.region
  }

  # What the destroy-time provisioner needs; destroy provisioners may only read self.
  input = {
    name            = local.oauth_provider_name
    region          = var.region
    repository_root = local.repository_root
    script_runner   = var.script_runner
  }

  provisioner "local-exec" {
    when        = destroy
    working_dir = self.input.repository_root
    command     = "${self.input.script_runner} scripts/manage-oauth-provider.ts delete"
    environment = {
      AWS_REGION          = self.input.region
      OAUTH_PROVIDER_NAME = self.input.name
    }
  }
}

# Contents of the provider: create when absent, update when changed, no-op when equal.
resource "terraform_data" "oauth_provider_config" {
  triggers_replace = {
    provider      = terraform_data.oauth_provider.id
    discovery_url = local.cognito_discovery_url
    client_id     = aws_cognito_user_pool_client.gateway_runtime.id
    expected_arn  = local.oauth_provider_arn
    # A new client secret re-runs the script; the script compares a salted fingerprint, never the secret.
    client_secret_sha256 = sha256(aws_cognito_user_pool_client.gateway_runtime.client_secret)
  }

  provisioner "local-exec" {
    working_dir = local.repository_root
    command     = "${var.script_runner} scripts/manage-oauth-provider.ts apply"
    environment = {
      AWS_REGION          = var.region
      OAUTH_PROVIDER_NAME = local.oauth_provider_name
      # The ARN the Gateway target and the Gateway role use: the script fails when AWS's differs.
      OAUTH_PROVIDER_EXPECTED_ARN = local.oauth_provider_arn
      OAUTH_DISCOVERY_URL         = local.cognito_discovery_url
      OAUTH_CLIENT_ID             = aws_cognito_user_pool_client.gateway_runtime.id
      OAUTH_CLIENT_SECRET         = aws_cognito_user_pool_client.gateway_runtime.client_secret
    }
  }

  # The discovery document names the token endpoint only once the hosted domain exists.
  depends_on = [aws_cognito_user_pool_domain.this]
}
