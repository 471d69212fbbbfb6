data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix

  tags = merge(var.tags, {
    "app"        = "aws-organizations-mcp-server"
    "managed-by" = "terraform"
    "stack-name" = var.name
  })

  # --- names -----------------------------------------------------------------------------------
  # AgentCore Runtime names match [a-zA-Z][a-zA-Z0-9_]{0,47}: no hyphens.
  runtime_name = replace(var.name, "-", "_")
  # Gateway and target names match ([0-9a-zA-Z][-]?){1,100}: hyphens are fine.
  gateway_name               = "${var.name}-gateway"
  gateway_target_name        = var.gateway_target_name
  oauth_provider_name        = "${var.name}-runtime-oauth"
  ecr_repository_name        = coalesce(var.ecr_repository_name, var.name)
  runtime_stack_name         = "${var.name}-agentcore-runtime"
  gateway_stack_name         = "${var.name}-agentcore-gateway"
  runtime_role_name          = "${var.name}-agentcore-runtime"
  gateway_role_name          = "${var.name}-agentcore-gateway"
  runtime_config_secret_name = "${var.name}/runtime-config"

  # --- Cognito ---------------------------------------------------------------------------------
  cognito_domain_prefix      = coalesce(var.cognito_domain_prefix, "${var.name}-${local.account_id}")
  cognito_issuer             = "https://cognito-idp.${var.region}.${local.dns_suffix}/${aws_cognito_user_pool.this.id}"
  cognito_discovery_url      = "${local.cognito_issuer}/.well-known/openid-configuration"
  cognito_domain_host        = "${local.cognito_domain_prefix}.auth.${var.region}.amazoncognito.com"
  cognito_token_endpoint     = "https://${local.cognito_domain_host}/oauth2/token"
  resource_server_identifier = coalesce(var.resource_server_identifier, var.name)
  # MCP clients present this scope to the Gateway; the Gateway presents the other to the Runtime.
  gateway_scope_name = "gateway.invoke"
  runtime_scope_name = "runtime.invoke"
  gateway_scope      = "${local.resource_server_identifier}/${local.gateway_scope_name}"
  runtime_scope      = "${local.resource_server_identifier}/${local.runtime_scope_name}"

  # --- image -----------------------------------------------------------------------------------
  # Only with a digest are the Runtime and the Gateway created (ECR -> push image -> apply).
  deploy_agentcore = var.image_digest != null
  # By digest, not tag: a new image is a new ContainerUri, so CloudFormation rolls a new Runtime version.
  container_uri = local.deploy_agentcore ? "${aws_ecr_repository.this.repository_url}@${var.image_digest}" : null

  # --- AgentCore -------------------------------------------------------------------------------
  # Deterministic: AgentCore Identity keeps OAuth2 credential providers in the default token vault.
  oauth_provider_arn = "arn:${local.partition}:bedrock-agentcore:${var.region}:${local.account_id}:token-vault/default/oauth2credentialprovider/${local.oauth_provider_name}"
  # AgentCore Identity stores the provider's client secret in this Secrets Manager secret (plus the
  # six-character suffix Secrets Manager appends).
  oauth_provider_secret_arn_pattern = "arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:bedrock-agentcore-identity!default/oauth2/${local.oauth_provider_name}-*"

  runtime_arn = local.deploy_agentcore ? aws_cloudformation_stack.runtime[0].outputs["AgentRuntimeArn"] : null
  # The MCP endpoint of the Runtime: the ARN is URL-encoded as one path segment (":" and "/" escaped).
  runtime_invoke_url = local.deploy_agentcore ? "https://bedrock-agentcore.${var.region}.${local.dns_suffix}/runtimes/${urlencode(local.runtime_arn)}/invocations?qualifier=DEFAULT" : null

  # --- runtime configuration document (src/config/schema.ts) -----------------------------------
  organization_source = merge(
    { source = "aws" },
    var.organizations_region == null ? {} : { region = var.organizations_region },
    var.organizations_reader_role_arn == null ? {} : { roleArn = var.organizations_reader_role_arn },
    var.organizations_reader_external_id == null ? {} : { externalId = var.organizations_reader_external_id },
    local.snapshot_store_config == null ? {} : { snapshotStore = local.snapshot_store_config },
  )

  # One candidate per source kind; try() keeps the unused ones from failing on absent attributes.
  baseline_candidates = {
    inline         = { source = "inline", document = try(jsondecode(var.baseline.document_json), null) }
    secretsmanager = { source = "secretsmanager", secretId = try(var.baseline.secret_arn, null), region = try(split(":", var.baseline.secret_arn)[3], null) }
    file           = { source = "file", path = try(var.baseline.path, null) }
  }
  baseline_source     = try(local.baseline_candidates[var.baseline.source], null)
  baseline_secret_arn = try(var.baseline.source, "") == "secretsmanager" ? var.baseline.secret_arn : null
  baseline_kms_arn    = try(var.baseline.source, "") == "secretsmanager" ? try(var.baseline.kms_key_arn, null) : null

  runtime_config = merge(
    {
      organization = local.organization_source
      allowedOuIds = var.allowed_ou_ids
      auth = {
        # The container verifies the token the Runtime forwards (Authorization is allow-listed):
        # the Gateway's client-credentials token for the Gateway -> Runtime app client.
        enabled          = true
        userPoolId       = aws_cognito_user_pool.this.id
        region           = var.region
        allowedClientIds = [aws_cognito_user_pool_client.gateway_runtime.id]
        requiredScopes   = [local.runtime_scope]
      }
      cacheTtlSeconds = var.cache_ttl_seconds
      logLevel        = var.log_level
    },
    local.baseline_source == null ? {} : { baseline = local.baseline_source },
    length(local.activity_source) == 0 ? {} : { activity = local.activity_source },
  )
  runtime_config_json   = jsonencode(local.runtime_config)
  runtime_config_sha256 = sha256(local.runtime_config_json)

  runtime_environment = merge(var.runtime_extra_environment, {
    # Set explicitly rather than left to the platform: the container reads its configuration secret
    # from Secrets Manager in this region, and the SDK's other clients default to it.
    AWS_REGION               = var.region
    RUNTIME_CONFIG_SECRET_ID = aws_secretsmanager_secret.runtime_config.arn
    # Changes with the document, so a configuration change also rolls a new Runtime version and
    # fresh sessions read the new document.
    RUNTIME_CONFIG_SHA256 = local.runtime_config_sha256
    TOOL_DEADLINE_SECONDS = tostring(var.tool_deadline_seconds)
  })

  # --- helper scripts --------------------------------------------------------------------------
  repository_root = abspath("${path.module}/..")
}
