# Offline checks of the whole stack: the AWS provider is mocked and every run only plans, so nothing
# is created and no provisioner runs. `override_during = plan` (Terraform >= 1.11) makes the mocked
# and overridden values known at plan time, so the CloudFormation templates render completely.
# scripts/test-infra.ts also takes the rendered templates out of this run (terraform test -json
# -verbose) and validates their Properties against the official AgentCore schemas.

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
    registry_id    = "123456789012"
  }
}

override_resource {
  target          = aws_cognito_user_pool.this
  override_during = plan
  values = {
    id  = "us-east-1_AbCdEf123"
    arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
  }
}

override_resource {
  target          = aws_cognito_user_pool_client.gateway_runtime
  override_during = plan
  values = {
    id            = "1gatewayruntime0client000a"
    client_secret = "MOCK-CLIENT-SECRET-gateway-runtime"
  }
}

override_resource {
  target          = aws_cognito_user_pool_client.mcp["vscode"]
  override_during = plan
  values = {
    id            = "2vscode0client0000000000b"
    client_secret = "MOCK-CLIENT-SECRET-vscode"
  }
}

override_resource {
  target          = aws_cognito_user_pool_client.mcp["codex"]
  override_during = plan
  values = {
    id            = "3codex0client00000000000c"
    client_secret = "MOCK-CLIENT-SECRET-codex"
  }
}

override_resource {
  target          = aws_iam_role.runtime
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:role/orgs-mcp-agentcore-runtime"
  }
}

override_resource {
  target          = aws_iam_role.gateway
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:role/orgs-mcp-agentcore-gateway"
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
  target          = aws_cloudformation_stack.runtime
  override_during = plan
  values = {
    outputs = {
      AgentRuntimeArn     = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/orgs_mcp-AbCdEf1234"
      AgentRuntimeId      = "orgs_mcp-AbCdEf1234"
      AgentRuntimeVersion = "1"
    }
  }
}

override_resource {
  target          = aws_cloudformation_stack.gateway
  override_during = plan
  values = {
    outputs = {
      GatewayId  = "orgs-mcp-gateway-abcdefghij"
      GatewayArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/orgs-mcp-gateway-abcdefghij"
      GatewayUrl = "https://orgs-mcp-gateway-abcdefghij.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"
      TargetId   = "ABCDEFGHIJ"
    }
  }
}

variables {
  region         = "us-east-1"
  name           = "orgs-mcp"
  allowed_ou_ids = ["ou-ab12-11111111", "r-ab12"]
  mcp_clients    = ["vscode", "codex"]
  image_digest   = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
}

run "foundation_only_until_an_image_is_pushed" {
  command = plan

  variables {
    image_digest = null
  }

  assert {
    condition     = length(aws_cloudformation_stack.runtime) == 0 && length(aws_cloudformation_stack.gateway) == 0
    error_message = "Without image_digest no Runtime or Gateway stack may be planned (ECR -> push image -> apply)."
  }

  assert {
    condition     = output.gateway_url == null && output.runtime_arn == null && output.runtime_invoke_url == null
    error_message = "Without image_digest the Gateway and Runtime outputs must be null."
  }

  assert {
    condition     = output.ecr_repository_url == "123456789012.dkr.ecr.us-east-1.amazonaws.com/orgs-mcp"
    error_message = "The ECR repository URL must be an output from the first apply on."
  }
}

run "runtime_stack_renders" {
  command = plan

  assert {
    condition     = can(yamldecode(aws_cloudformation_stack.runtime[0].template_body))
    error_message = "The rendered Runtime template must decode as YAML (long-form intrinsics only)."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Type == "AWS::BedrockAgentCore::Runtime"
    error_message = "The Runtime stack must hold an AWS::BedrockAgentCore::Runtime."
  }

  assert {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,47}$", yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.AgentRuntimeName))
    error_message = "AgentRuntimeName must match ^[a-zA-Z][a-zA-Z0-9_]{0,47}$ (no hyphens)."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.AgentRuntimeName == "orgs_mcp"
    error_message = "The Runtime name must be the name prefix with hyphens turned into underscores."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.AgentRuntimeArtifact.ContainerConfiguration.ContainerUri == "123456789012.dkr.ecr.us-east-1.amazonaws.com/orgs-mcp@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    error_message = "The container image must be referenced by digest in this stack's repository."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.ProtocolConfiguration == "MCP"
    error_message = "The Runtime protocol must be MCP."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.NetworkConfiguration.NetworkMode == "PUBLIC"
    error_message = "The Runtime network mode must be PUBLIC."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.DiscoveryUrl == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/openid-configuration"
    error_message = "The Runtime's JWT authorizer must use the user pool's discovery URL."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.AllowedClients == ["1gatewayruntime0client000a"]
    error_message = "The Runtime must accept only the Gateway's app client (Cognito access tokens have no aud)."
  }

  assert {
    condition     = !can(yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.AllowedAudience)
    error_message = "The Runtime must not check an audience: Cognito access tokens have none."
  }

  assert {
    condition     = contains(yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.RequestHeaderConfiguration.RequestHeaderAllowlist, "Authorization")
    error_message = "The Runtime must forward the Authorization header so the container can verify the token."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.EnvironmentVariables.RUNTIME_CONFIG_SECRET_ID == "arn:aws:secretsmanager:us-east-1:123456789012:secret:orgs-mcp/runtime-config-AbCdEf"
    error_message = "The Runtime environment must carry the runtime configuration secret id."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.EnvironmentVariables.RUNTIME_CONFIG_SHA256 == sha256(terraform_data.runtime_config.input)
    error_message = "The Runtime environment must carry the hash of the configuration document (a new document rolls a new version)."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.RoleArn == "arn:aws:iam::123456789012:role/orgs-mcp-agentcore-runtime"
    error_message = "The Runtime must run with the execution role of this stack."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.Description["Fn::Sub"] == "Audits AWS Organizations SCPs and RCPs over MCP (orgs-mcp, stack $${AWS::StackName})"
    error_message = "CloudFormation's own placeholders must survive templatefile() (written with a doubled dollar sign)."
  }
}

run "runtime_configuration_document" {
  command = plan

  assert {
    condition = jsondecode(terraform_data.runtime_config.input).organization == {
      source        = "aws"
      snapshotStore = { uri = "s3://orgs-mcp-org-snapshots-123456789012/orgs/", maxAgeSeconds = 900 }
    }
    error_message = "Without a reader role the server reads the organization with its own role, through the shared snapshot store."
  }

  assert {
    condition     = jsondecode(terraform_data.runtime_config.input).allowedOuIds == ["ou-ab12-11111111", "r-ab12"]
    error_message = "The configuration must carry allowed_ou_ids."
  }

  assert {
    condition = jsondecode(terraform_data.runtime_config.input).auth == {
      enabled          = true
      userPoolId       = "us-east-1_AbCdEf123"
      region           = "us-east-1"
      allowedClientIds = ["1gatewayruntime0client000a"]
      requiredScopes   = ["orgs-mcp/runtime.invoke"]
    }
    error_message = "The container must verify the Gateway's client-credentials token (client id and runtime scope)."
  }

  assert {
    condition     = !can(jsondecode(terraform_data.runtime_config.input).baseline)
    error_message = "Without var.baseline the document must not name a baseline."
  }

  assert {
    condition     = !strcontains(terraform_data.runtime_config.input, "MOCK-CLIENT-SECRET")
    error_message = "The configuration document must not contain a client secret."
  }
}

run "gateway_stack_renders" {
  command = plan

  assert {
    condition     = can(yamldecode(aws_cloudformation_stack.gateway[0].template_body))
    error_message = "The rendered Gateway template must decode as YAML (long-form intrinsics only)."
  }

  assert {
    condition     = can(regex("^([0-9a-zA-Z][-]?){1,100}$", yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.Gateway.Properties.Name))
    error_message = "The Gateway name must match ^([0-9a-zA-Z][-]?){1,100}$."
  }

  assert {
    condition     = can(regex("^([0-9a-zA-Z][-]?){1,100}$", yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.RuntimeTarget.Properties.Name))
    error_message = "The Gateway target name must match ^([0-9a-zA-Z][-]?){1,100}$."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.Gateway.Properties.ProtocolType == "MCP" && yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.Gateway.Properties.AuthorizerType == "CUSTOM_JWT"
    error_message = "The Gateway must speak MCP and authorize with CUSTOM_JWT."
  }

  assert {
    condition     = toset(yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.Gateway.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.AllowedClients) == toset(["2vscode0client0000000000b", "3codex0client00000000000c"])
    error_message = "The Gateway must accept exactly the MCP clients' app clients."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.Gateway.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.AllowedScopes == ["orgs-mcp/gateway.invoke"]
    error_message = "The Gateway must require the gateway.invoke scope."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.RuntimeTarget.Properties.TargetConfiguration.Mcp.McpServer.Endpoint == "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Forgs_mcp-AbCdEf1234/invocations?qualifier=DEFAULT"
    error_message = "The target endpoint must be the Runtime invoke URL with the URL-encoded Runtime ARN and qualifier DEFAULT."
  }

  assert {
    condition = yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.RuntimeTarget.Properties.CredentialProviderConfigurations == [{
      CredentialProviderType = "OAUTH"
      CredentialProvider = {
        OauthCredentialProvider = {
          ProviderArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/orgs-mcp-runtime-oauth"
          Scopes      = ["orgs-mcp/runtime.invoke"]
          GrantType   = "CLIENT_CREDENTIALS"
        }
      }
    }]
    error_message = "The target must authenticate with the OAuth2 credential provider (client credentials, runtime scope)."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.RuntimeTarget.Properties.GatewayIdentifier == { "Fn::GetAtt" = ["Gateway", "GatewayIdentifier"] }
    error_message = "The target must reference the Gateway of the same stack."
  }

  assert {
    condition     = !strcontains(aws_cloudformation_stack.gateway[0].template_body, "MOCK-CLIENT-SECRET") && !strcontains(aws_cloudformation_stack.runtime[0].template_body, "MOCK-CLIENT-SECRET")
    error_message = "No client secret may appear in a template."
  }

  assert {
    condition     = !can(yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.Gateway.Properties.ExceptionLevel)
    error_message = "Debug errors must be off by default."
  }
}

run "outputs_carry_no_secret" {
  command = plan

  assert {
    condition     = output.gateway_url == "https://orgs-mcp-gateway-abcdefghij.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"
    error_message = "gateway_url must come from the Gateway stack."
  }

  assert {
    condition     = output.runtime_invoke_url == "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Forgs_mcp-AbCdEf1234/invocations?qualifier=DEFAULT"
    error_message = "runtime_invoke_url must URL-encode the Runtime ARN."
  }

  assert {
    condition     = output.token_endpoint == "https://orgs-mcp-123456789012.auth.us-east-1.amazoncognito.com/oauth2/token"
    error_message = "token_endpoint must be the Cognito hosted domain's token endpoint."
  }

  assert {
    condition     = output.mcp_client_ids == { vscode = "2vscode0client0000000000b", codex = "3codex0client00000000000c" }
    error_message = "mcp_client_ids must map each MCP client name to its app client id."
  }

  assert {
    condition = !strcontains(jsonencode([
      output.gateway_url, output.gateway_id, output.gateway_target_id, output.gateway_target_name,
      output.runtime_arn, output.runtime_version, output.runtime_invoke_url, output.token_endpoint,
      output.oauth_scope, output.cognito_user_pool_id, output.cognito_discovery_url, output.mcp_client_ids,
      output.gateway_runtime_client_id, output.ecr_repository_url, output.runtime_role_arn,
      output.gateway_role_arn, output.runtime_config_secret_arn, output.oauth_provider_arn,
      output.image_push_role_arn, output.region,
    ]), "MOCK-CLIENT-SECRET")
    error_message = "No output may carry a client secret."
  }
}

run "reader_role_in_the_management_account" {
  command = plan

  variables {
    organizations_reader_role_arn    = "arn:aws:iam::999988887777:role/orgs-mcp-organizations-reader"
    organizations_reader_external_id = "orgs-mcp-reader"
    organizations_region             = "us-east-1"
  }

  assert {
    condition = jsondecode(terraform_data.runtime_config.input).organization == {
      source     = "aws"
      region     = "us-east-1"
      roleArn    = "arn:aws:iam::999988887777:role/orgs-mcp-organizations-reader"
      externalId = "orgs-mcp-reader"
      snapshotStore = {
        uri           = "s3://orgs-mcp-org-snapshots-123456789012/orgs/"
        maxAgeSeconds = 900
      }
    }
    error_message = "With a reader role the configuration must name it (and its external id)."
  }
}

run "baseline_from_secrets_manager" {
  command = plan

  variables {
    baseline = {
      source      = "secretsmanager"
      secret_arn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orgs-baseline-XyZ123"
      kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition = jsondecode(terraform_data.runtime_config.input).baseline == {
      source   = "secretsmanager"
      secretId = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orgs-baseline-XyZ123"
      region   = "eu-west-1"
    }
    error_message = "A Secrets Manager baseline must be named by ARN, with the secret's region."
  }
}

run "inline_baseline_and_debug_errors" {
  command = plan

  variables {
    baseline = {
      source        = "inline"
      document_json = "{\"policies\":[]}"
    }
    gateway_debug_errors = true
    gateway_mcp_versions = ["2025-03-26", "2025-06-18"]
  }

  assert {
    condition     = jsondecode(terraform_data.runtime_config.input).baseline == { source = "inline", document = { policies = [] } }
    error_message = "An inline baseline must be embedded as a JSON document."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.Gateway.Properties.ExceptionLevel == "DEBUG"
    error_message = "gateway_debug_errors must set ExceptionLevel DEBUG."
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.gateway[0].template_body).Resources.Gateway.Properties.ProtocolConfiguration.Mcp.SupportedVersions == ["2025-03-26", "2025-06-18"]
    error_message = "gateway_mcp_versions must reach the Gateway's MCP configuration."
  }
}

run "runtime_region_is_explicit" {
  command = plan

  variables {
    region = "eu-west-1"
  }

  assert {
    condition     = yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.EnvironmentVariables.AWS_REGION == "eu-west-1"
    error_message = "The Runtime environment must set AWS_REGION to the stack's region explicitly."
  }

  assert {
    condition     = length(keys(yamldecode(aws_cloudformation_stack.runtime[0].template_body).Resources.Runtime.Properties.EnvironmentVariables)) == 4
    error_message = "The stack sets exactly AWS_REGION, RUNTIME_CONFIG_SECRET_ID, RUNTIME_CONFIG_SHA256 and TOOL_DEADLINE_SECONDS."
  }
}
