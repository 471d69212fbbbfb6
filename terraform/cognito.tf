# OAuth 2.0 authorization server for both hops:
#   MCP client --(client credentials, scope <rs>/gateway.invoke)--> Gateway
#   Gateway    --(client credentials, scope <rs>/runtime.invoke)--> Runtime (and the container)
# Cognito access tokens carry client_id and scope but no aud, so both authorizers check the
# client id (AllowedClients) rather than an audience.

resource "aws_cognito_user_pool" "this" {
  name                = "${var.name}-mcp"
  deletion_protection = var.cognito_deletion_protection ? "ACTIVE" : "INACTIVE"

  # Machine-to-machine only: nobody signs up.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }
}

# Hosted domain: serves https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token.
resource "aws_cognito_user_pool_domain" "this" {
  domain       = local.cognito_domain_prefix
  user_pool_id = aws_cognito_user_pool.this.id
}

resource "aws_cognito_resource_server" "this" {
  identifier   = local.resource_server_identifier
  name         = "${var.name} MCP server"
  user_pool_id = aws_cognito_user_pool.this.id

  scope {
    scope_name        = local.gateway_scope_name
    scope_description = "Call the MCP tools through the AgentCore Gateway"
  }

  scope {
    scope_name        = local.runtime_scope_name
    scope_description = "Invoke the AgentCore Runtime (used by the Gateway only)"
  }
}

# The Gateway -> Runtime hop. Its id and secret go to the AgentCore Identity OAuth2 credential
# provider (agentcore_identity.tf); the Runtime and the container accept only this client.
resource "aws_cognito_user_pool_client" "gateway_runtime" {
  name         = "${var.name}-gateway-to-runtime"
  user_pool_id = aws_cognito_user_pool.this.id

  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_scopes                 = [local.runtime_scope]
  supported_identity_providers         = ["COGNITO"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true

  access_token_validity = var.access_token_validity_minutes
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  depends_on = [aws_cognito_resource_server.this]
}

# One app client per MCP client (VS Code, Copilot, Codex, CI smoke test, ...): client credentials
# only, with a secret, allowed to ask for the gateway.invoke scope only.
resource "aws_cognito_user_pool_client" "mcp" {
  for_each = toset(var.mcp_clients)

  name         = "${var.name}-${each.key}"
  user_pool_id = aws_cognito_user_pool.this.id

  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_scopes                 = [local.gateway_scope]
  supported_identity_providers         = ["COGNITO"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true

  access_token_validity = var.access_token_validity_minutes
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  depends_on = [aws_cognito_resource_server.this]
}
