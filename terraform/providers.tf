provider "aws" {
  region = var.region

  # Every taggable resource gets these; CloudFormation passes stack tags on to the AgentCore
  # resources it creates.
  default_tags {
    tags = local.tags
  }
}
