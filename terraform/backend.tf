# Remote state, encrypted at rest. The state holds secrets whatever is done about it: the Cognito
# app clients' secrets (aws_cognito_user_pool_client.client_secret) and the gateway-to-runtime
# client's secret are attributes Terraform stores in plain JSON in the state. Keep it in an S3
# bucket that only the deployers can read, with versioning and default encryption (SSE-KMS), and
# never in the repository (*.tfstate is git-ignored).
#
# Partial configuration: bucket, key, region and the lock come from a file or flags, e.g.
#   terraform -chdir=terraform init -backend-config=backend.hcl
# with backend.hcl as in backend.hcl.example (docs/deploy.md, "State"). The offline checks run
# terraform init -backend=false and never reach it.
terraform {
  backend "s3" {
    encrypt = true
  }
}
