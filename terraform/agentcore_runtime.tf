# AWS::BedrockAgentCore::Runtime through CloudFormation (hashicorp/aws 5.x has no AgentCore
# resources). Created once image_digest is set; a new digest changes ContainerUri and so rolls a new
# Runtime version, which the DEFAULT endpoint (the Gateway target's qualifier) then serves.
resource "aws_cloudformation_stack" "runtime" {
  count = local.deploy_agentcore ? 1 : 0

  name = local.runtime_stack_name
  template_body = templatefile("${path.module}/templates/runtime.yaml.tftpl", {
    name                 = var.name
    runtime_name         = local.runtime_name
    container_uri        = local.container_uri
    role_arn             = aws_iam_role.runtime.arn
    discovery_url        = local.cognito_discovery_url
    allowed_clients      = [aws_cognito_user_pool_client.gateway_runtime.id]
    request_headers      = ["Authorization"]
    environment          = local.runtime_environment
    idle_timeout_seconds = var.runtime_idle_timeout_seconds
    max_lifetime_seconds = var.runtime_max_lifetime_seconds
  })
  on_failure = "DELETE"

  timeouts {
    create = var.stack_timeout
    update = var.stack_timeout
    delete = var.stack_timeout
  }

  # The role must be able to pull the image and the configuration must be in place before the
  # first session starts.
  depends_on = [
    aws_iam_role_policy.runtime,
    aws_ecr_lifecycle_policy.this,
    terraform_data.runtime_config,
  ]
}
