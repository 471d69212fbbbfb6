# The runtime configuration document (src/config/schema.ts) lives in Secrets Manager; the container
# reads it at start-up from RUNTIME_CONFIG_SECRET_ID. Terraform owns the secret; its value is written
# by scripts/manage-runtime-config-secret.ts, which validates the document against the server's own
# schema first and writes a new version only when the content changed.

resource "aws_secretsmanager_secret" "runtime_config" {
  name                    = local.runtime_config_secret_name
  description             = "Runtime configuration of the ${var.name} MCP server (allowed OUs, baseline source, auth settings)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "terraform_data" "runtime_config" {
  # Re-run when the document (or the secret) changes; the hash keeps the document out of the plan.
  triggers_replace = {
    secret_arn      = aws_secretsmanager_secret.runtime_config.arn
    document_sha256 = local.runtime_config_sha256
  }

  # The document itself (no secrets in it: ids, OU ids, the baseline source), kept for plan review
  # and for the offline checks, which validate it against the server's schema.
  input = local.runtime_config_json

  provisioner "local-exec" {
    working_dir = local.repository_root
    command     = "${var.script_runner} scripts/manage-runtime-config-secret.ts put"
    environment = {
      AWS_REGION               = var.region
      RUNTIME_CONFIG_SECRET_ID = aws_secretsmanager_secret.runtime_config.arn
      RUNTIME_CONFIG_JSON      = local.runtime_config_json
    }
  }
}
