# Identifiers and URLs only: no output carries a secret. Client secrets stay in Cognito (read them
# with `aws cognito-idp describe-user-pool-client`, see docs/deploy.md).

output "region" {
  description = "Region of the stack."
  value       = var.region
}

output "gateway_url" {
  description = "MCP endpoint of the AgentCore Gateway for VS Code, Copilot, Codex and other MCP clients (null until image_digest is set)."
  value       = local.deploy_agentcore ? aws_cloudformation_stack.gateway[0].outputs["GatewayUrl"] : null
}

output "gateway_id" {
  description = "Gateway identifier (for aws bedrock-agentcore-control synchronize-gateway-targets)."
  value       = local.deploy_agentcore ? aws_cloudformation_stack.gateway[0].outputs["GatewayId"] : null
}

output "gateway_target_id" {
  description = "Id of the Gateway target that fronts the Runtime."
  value       = local.deploy_agentcore ? aws_cloudformation_stack.gateway[0].outputs["TargetId"] : null
}

output "gateway_target_name" {
  description = "Name of the Gateway target: tools are listed as <target>___<tool>."
  value       = local.gateway_target_name
}

output "runtime_arn" {
  description = "ARN of the AgentCore Runtime."
  value       = local.runtime_arn
}

output "runtime_version" {
  description = "Current version of the AgentCore Runtime."
  value       = local.deploy_agentcore ? aws_cloudformation_stack.runtime[0].outputs["AgentRuntimeVersion"] : null
}

output "runtime_invoke_url" {
  description = "Direct MCP endpoint of the Runtime (the Gateway target's endpoint); accepts only the Gateway's client."
  value       = local.runtime_invoke_url
}

output "token_endpoint" {
  description = "Cognito OAuth 2.0 token endpoint for the client-credentials grant."
  value       = local.cognito_token_endpoint
}

output "oauth_scope" {
  description = "Scope MCP clients request from the token endpoint."
  value       = local.gateway_scope
}

output "cognito_user_pool_id" {
  description = "Cognito user pool id."
  value       = aws_cognito_user_pool.this.id
}

output "cognito_discovery_url" {
  description = "OpenID Connect discovery URL of the user pool."
  value       = local.cognito_discovery_url
}

output "mcp_client_ids" {
  description = "App client id per MCP client name (client credentials; the secret stays in Cognito)."
  value       = { for name, c in aws_cognito_user_pool_client.mcp : name => c.id }
}

output "gateway_runtime_client_id" {
  description = "App client id the Gateway uses towards the Runtime."
  value       = aws_cognito_user_pool_client.gateway_runtime.id
}

output "ecr_repository_url" {
  description = "ECR repository URL to push the image to (scripts/push-image.sh)."
  value       = aws_ecr_repository.this.repository_url
}

output "runtime_role_arn" {
  description = "Execution role of the Runtime (trust it from the reader role in the management account)."
  value       = aws_iam_role.runtime.arn
}

output "gateway_role_arn" {
  description = "Service role of the Gateway."
  value       = aws_iam_role.gateway.arn
}

output "runtime_config_secret_arn" {
  description = "Secrets Manager secret holding the runtime configuration document."
  value       = aws_secretsmanager_secret.runtime_config.arn
}

output "oauth_provider_arn" {
  description = "AgentCore Identity OAuth2 credential provider used by the Gateway target."
  value       = local.oauth_provider_arn
}

output "image_push_role_arn" {
  description = "Role for the GitHub Actions image workflow (repository variable AWS_IMAGE_PUSH_ROLE_ARN); null without github_repository."
  value       = var.github_repository == null ? null : aws_iam_role.image_push[0].arn
}

output "snapshot_store_uri" {
  description = "Where sessions read the organization snapshot from (organization.snapshotStore.uri); `npm run snapshot -- --out <uri>` refreshes it. Null without a store."
  value       = local.snapshot_store_uri
}

output "snapshot_store_bucket" {
  description = "The snapshot store's bucket. Null without a store."
  value       = local.snapshot_bucket_name
}
