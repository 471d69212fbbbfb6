# AWS::BedrockAgentCore::Gateway and ::GatewayTarget through CloudFormation. The target is an MCP
# server whose endpoint is the Runtime's invoke URL, reached with the OAuth2 credential provider
# (client credentials). Creating or updating the target makes the Gateway list the Runtime's tools,
# so the Runtime must be READY, the credential provider must exist and the Gateway role's policy
# must be attached first.
resource "aws_cloudformation_stack" "gateway" {
  count = local.deploy_agentcore ? 1 : 0

  name = local.gateway_stack_name
  template_body = templatefile("${path.module}/templates/gateway.yaml.tftpl", {
    name            = var.name
    gateway_name    = local.gateway_name
    role_arn        = aws_iam_role.gateway.arn
    instructions    = "Tools that read and explain the AWS Organizations service control policies (SCPs) and resource control policies (RCPs) of the configured OUs. Tool names start with ${local.gateway_target_name}___."
    mcp_versions    = var.gateway_mcp_versions
    discovery_url   = local.cognito_discovery_url
    allowed_clients = [for c in aws_cognito_user_pool_client.mcp : c.id]
    allowed_scopes  = [local.gateway_scope]
    debug_errors    = var.gateway_debug_errors
    target_name     = local.gateway_target_name
    endpoint        = local.runtime_invoke_url
    provider_arn    = local.oauth_provider_arn
    provider_scopes = [local.runtime_scope]
  })
  on_failure = "DELETE"

  timeouts {
    create = var.stack_timeout
    update = var.stack_timeout
    delete = var.stack_timeout
  }

  depends_on = [
    aws_iam_role_policy.gateway,
    terraform_data.oauth_provider_config,
  ]
}
