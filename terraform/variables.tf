# ---------------------------------------------------------------------------------------------
# Where and what
# ---------------------------------------------------------------------------------------------

variable "region" {
  description = "AWS region for every resource. Amazon Bedrock AgentCore (Runtime, Gateway, Identity) must be available there."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2,4}(-[a-z]{2,4})?-((north|south)?(east|west)|north|south|central)-\\d{1,2}$", var.region))
    error_message = "region must be an AWS region code such as us-east-1 or eu-central-1."
  }
}

variable "name" {
  description = "Name prefix for every resource (ECR repository, roles, stacks, Cognito, Gateway). Lower-case letters, digits and single hyphens; the AgentCore Runtime gets the same name with hyphens turned into underscores, because Runtime names allow no hyphens."
  type        = string
  default     = "orgs-mcp"

  validation {
    # 3-24 characters keeps every derived name inside its limit (IAM role names 64, Runtime names 48,
    # Cognito domain prefixes 63 together with the 12-digit account id).
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 3-24 characters: a lower-case letter first, then lower-case letters, digits and single hyphens, not ending in a hyphen (for example orgs-mcp)."
  }

  validation {
    condition     = !can(regex("(aws|amazon|cognito)", var.name))
    error_message = "name must not contain aws, amazon or cognito: Cognito rejects those words in the hosted domain prefix derived from it."
  }
}

variable "tags" {
  description = "Extra tags for every taggable resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# Container image
# ---------------------------------------------------------------------------------------------

variable "image_digest" {
  description = "Digest (sha256:...) of the linux/arm64 server image in this stack's ECR repository, as printed by scripts/push-image.sh. While null only the foundation (ECR, Cognito, IAM, secrets, credential provider) is created; set it to create or roll the Runtime and the Gateway. A new digest rolls a new Runtime version."
  type        = string
  default     = null

  validation {
    condition     = var.image_digest == null || can(regex("^sha256:[a-f0-9]{64}$", var.image_digest))
    error_message = "image_digest must look like sha256: followed by 64 lower-case hex digits (the digest scripts/push-image.sh prints), or be null."
  }
}

variable "ecr_repository_name" {
  description = "ECR repository name. Defaults to var.name."
  type        = string
  default     = null

  validation {
    condition     = var.ecr_repository_name == null || can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.ecr_repository_name))
    error_message = "ecr_repository_name must be a valid ECR repository name: lower-case letters, digits, and . _ - / separators."
  }
}

variable "ecr_keep_images" {
  description = "How many images the ECR lifecycle policy keeps. Keep it larger than the number of images you may roll back to: an expired digest can no longer start the Runtime."
  type        = number
  default     = 30

  validation {
    condition     = var.ecr_keep_images >= 5 && var.ecr_keep_images <= 1000 && floor(var.ecr_keep_images) == var.ecr_keep_images
    error_message = "ecr_keep_images must be a whole number between 5 and 1000."
  }
}

variable "ecr_force_delete" {
  description = "Allow terraform destroy to delete the ECR repository while it still holds images."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Runtime configuration document (stored in Secrets Manager, read by the container at start-up)
# ---------------------------------------------------------------------------------------------

variable "allowed_ou_ids" {
  description = "OU ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx) whose subtrees the server may inspect. Required: the server refuses to read a real organization without it."
  type        = list(string)

  validation {
    condition     = length(var.allowed_ou_ids) > 0
    error_message = "allowed_ou_ids must list at least one OU id or the root id."
  }

  validation {
    condition     = alltrue([for id in var.allowed_ou_ids : can(regex("^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$", id))])
    error_message = "Every allowed_ou_ids entry must be an OU id such as ou-ab12-11111111 or a root id such as r-ab12."
  }
}

variable "organizations_region" {
  description = "Region for the AWS Organizations API client inside the container. Null lets the SDK choose (Organizations is a global service served from us-east-1)."
  type        = string
  default     = null

  validation {
    condition     = var.organizations_region == null || can(regex("^[a-z]{2,4}(-[a-z]{2,4})?-((north|south)?(east|west)|north|south|central)-\\d{1,2}$", var.organizations_region))
    error_message = "organizations_region must be an AWS region code such as us-east-1, or null."
  }
}

variable "organizations_reader_role_arn" {
  description = "Role in the management (or delegated administrator) account that the Runtime assumes to read the organization, for deployments in another account (see modules/org-reader-role). Null: the Runtime role itself gets the read-only Organizations actions."
  type        = string
  default     = null

  validation {
    condition     = var.organizations_reader_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$", var.organizations_reader_role_arn))
    error_message = "organizations_reader_role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/OrgsMcpReader, or null."
  }
}

variable "organizations_reader_external_id" {
  description = "External id the reader role requires, if any (only with organizations_reader_role_arn)."
  type        = string
  default     = null

  validation {
    condition     = var.organizations_reader_external_id == null ? true : (can(regex("^[\\w+=,.@:/-]+$", var.organizations_reader_external_id)) && length(var.organizations_reader_external_id) >= 2 && length(var.organizations_reader_external_id) <= 1224)
    error_message = "organizations_reader_external_id must be 2-1224 characters of letters, digits and +=,.@:/-, or null."
  }
}

variable "baseline" {
  description = <<-EOT
    Where the server reads the baseline policy set from, or null for none:
      { source = "inline", document_json = jsonencode({...}) }
      { source = "secretsmanager", secret_arn = "arn:aws:secretsmanager:...:secret:name-AbCdEf", kms_key_arn = optional }
      { source = "file", path = "/app/baseline.json" }   (a file baked into the image)
    The Runtime role may read the baseline secret (and decrypt with kms_key_arn), nothing else.
  EOT
  type = object({
    source        = string
    document_json = optional(string)
    secret_arn    = optional(string)
    kms_key_arn   = optional(string)
    path          = optional(string)
  })
  default = null

  validation {
    condition     = var.baseline == null || contains(["inline", "secretsmanager", "file"], try(var.baseline.source, ""))
    error_message = "baseline.source must be inline, secretsmanager or file."
  }

  validation {
    condition     = var.baseline == null || try(var.baseline.source, "") != "inline" || can(jsondecode(var.baseline.document_json))
    error_message = "baseline.document_json must be a JSON document when baseline.source is inline."
  }

  validation {
    condition     = var.baseline == null || try(var.baseline.source, "") != "secretsmanager" || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[\\w/+=.@!-]+$", var.baseline.secret_arn))
    error_message = "baseline.secret_arn must be the full ARN of a Secrets Manager secret when baseline.source is secretsmanager."
  }

  validation {
    condition     = var.baseline == null || try(var.baseline.kms_key_arn, null) == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[a-zA-Z0-9-]+$", var.baseline.kms_key_arn))
    error_message = "baseline.kms_key_arn must be a KMS key ARN, or left out."
  }

  validation {
    condition     = var.baseline == null || try(var.baseline.source, "") != "file" || can(regex("^/.+", var.baseline.path))
    error_message = "baseline.path must be an absolute path inside the image when baseline.source is file."
  }
}

variable "cache_ttl_seconds" {
  description = "How long the server caches organization reads (0-86400)."
  type        = number
  default     = 300

  validation {
    condition     = var.cache_ttl_seconds >= 0 && var.cache_ttl_seconds <= 86400 && floor(var.cache_ttl_seconds) == var.cache_ttl_seconds
    error_message = "cache_ttl_seconds must be a whole number between 0 and 86400."
  }
}

variable "log_level" {
  description = "Server log level: debug, info, warn or error."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be one of debug, info, warn, error."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the runtime configuration secret and the ECR repository. Null: AWS managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "secret_recovery_window_days" {
  description = "Recovery window of the runtime configuration secret on destroy: 0 deletes at once, otherwise 7-30 days."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

# ---------------------------------------------------------------------------------------------
# Cognito (OAuth 2.0 client credentials for MCP clients and for the Gateway -> Runtime hop)
# ---------------------------------------------------------------------------------------------

variable "cognito_domain_prefix" {
  description = "Prefix of the Cognito hosted domain (<prefix>.auth.<region>.amazoncognito.com) that serves the token endpoint. Must be unique in the region. Defaults to <name>-<account id>."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_domain_prefix == null || (can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.cognito_domain_prefix)) && !can(regex("(aws|amazon|cognito)", var.cognito_domain_prefix)))
    error_message = "cognito_domain_prefix must be 1-63 lower-case letters, digits and hyphens, must not start or end with a hyphen, and must not contain aws, amazon or cognito."
  }
}

variable "resource_server_identifier" {
  description = "Identifier of the Cognito resource server; scopes are <identifier>/gateway.invoke and <identifier>/runtime.invoke. Defaults to var.name."
  type        = string
  default     = null

  validation {
    condition     = var.resource_server_identifier == null || can(regex("^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,256}$", var.resource_server_identifier))
    error_message = "resource_server_identifier must be 1-256 printable characters without spaces, double quotes or backslashes."
  }
}

variable "mcp_clients" {
  description = "Names of the Cognito app clients for MCP clients (VS Code, Copilot, Codex, CI, ...). Each gets a client id and secret for the client-credentials grant with the gateway.invoke scope."
  type        = list(string)
  default     = ["mcp-client"]

  validation {
    condition     = length(var.mcp_clients) >= 1 && length(var.mcp_clients) == length(distinct(var.mcp_clients))
    error_message = "mcp_clients must list at least one name, without duplicates."
  }

  validation {
    condition     = alltrue([for c in var.mcp_clients : can(regex("^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$", c))])
    error_message = "Every mcp_clients name must be 1-40 lower-case letters, digits and hyphens (not starting or ending with a hyphen)."
  }
}

variable "access_token_validity_minutes" {
  description = "Lifetime of the Cognito access tokens, in minutes (5-1440)."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440 && floor(var.access_token_validity_minutes) == var.access_token_validity_minutes
    error_message = "access_token_validity_minutes must be a whole number between 5 and 1440."
  }
}

variable "cognito_deletion_protection" {
  description = "Protect the Cognito user pool from deletion (set to false before terraform destroy)."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# AgentCore Runtime and Gateway
# ---------------------------------------------------------------------------------------------

variable "gateway_target_name" {
  description = "Name of the Gateway target. MCP clients see the tools as <target>___<tool>, and Bedrock refuses tool names over 64 characters, so at most 40 characters (the longest tool name, preview_policy_change, takes the other 24)."
  type        = string
  default     = "orgs"

  validation {
    condition     = can(regex("^([0-9a-zA-Z][-]?){1,100}$", var.gateway_target_name)) && !endswith(var.gateway_target_name, "-")
    error_message = "gateway_target_name must be letters, digits and single hyphens, not ending in a hyphen."
  }

  # The Gateway lists every tool as <target>___<tool>; Bedrock (and clients built on it) refuse tool
  # names over 64 characters. The literal below is the longest tool name of src/mcp/tools/:
  # test/infra/deploy-config.test.ts fails when a longer one is added.
  validation {
    condition     = length("${var.gateway_target_name}___preview_policy_change") <= 64
    error_message = "gateway_target_name must be at most 40 characters: tools are listed as <target>___<tool>, Bedrock allows 64 characters, and the longest tool name (preview_policy_change) takes 24 of them."
  }
}

variable "gateway_mcp_versions" {
  description = "MCP protocol versions the Gateway accepts (for example [\"2025-03-26\", \"2025-06-18\"]). Empty: the service default."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.gateway_mcp_versions : can(regex("^\\d{4}-\\d{2}-\\d{2}$", v))])
    error_message = "gateway_mcp_versions entries must be MCP protocol version dates such as 2025-06-18."
  }
}

variable "gateway_debug_errors" {
  description = "Return detailed error messages from the Gateway (ExceptionLevel DEBUG). For troubleshooting only."
  type        = bool
  default     = false
}

variable "runtime_idle_timeout_seconds" {
  description = "Idle session timeout of the Runtime (60-28800 seconds)."
  type        = number
  default     = 900

  validation {
    condition     = var.runtime_idle_timeout_seconds >= 60 && var.runtime_idle_timeout_seconds <= 28800
    error_message = "runtime_idle_timeout_seconds must be between 60 and 28800."
  }
}

variable "runtime_max_lifetime_seconds" {
  description = "Maximum lifetime of a Runtime session (60-28800 seconds)."
  type        = number
  default     = 28800

  validation {
    condition     = var.runtime_max_lifetime_seconds >= 60 && var.runtime_max_lifetime_seconds <= 28800
    error_message = "runtime_max_lifetime_seconds must be between 60 and 28800."
  }
}

variable "runtime_extra_environment" {
  description = "Extra environment variables for the container (not secrets: they are visible in the Runtime configuration). AWS_REGION, RUNTIME_CONFIG_SECRET_ID, RUNTIME_CONFIG_SHA256 and TOOL_DEADLINE_SECONDS are set by this stack."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.runtime_extra_environment : can(regex("^[a-zA-Z_][a-zA-Z0-9_]{0,127}$", k)) && length(v) <= 2048])
    error_message = "runtime_extra_environment keys must match ^[a-zA-Z_][a-zA-Z0-9_]*$ (at most 128 characters) and values must be at most 2048 characters."
  }

  validation {
    condition     = length(setintersection(keys(var.runtime_extra_environment), ["AWS_REGION", "RUNTIME_CONFIG_SECRET_ID", "RUNTIME_CONFIG_SHA256", "RUNTIME_CONFIG_FILE", "TOOL_DEADLINE_SECONDS"])) == 0
    error_message = "runtime_extra_environment must not set AWS_REGION, RUNTIME_CONFIG_SECRET_ID, RUNTIME_CONFIG_SHA256, RUNTIME_CONFIG_FILE or TOOL_DEADLINE_SECONDS: this stack owns the region and the runtime configuration (set tool_deadline_seconds instead)."
  }

  validation {
    condition     = length(var.runtime_extra_environment) <= 46
    error_message = "runtime_extra_environment may hold at most 46 variables (AgentCore allows 50, this stack sets 4)."
  }
}

variable "stack_timeout" {
  description = "Create/update/delete timeout of the CloudFormation stacks (the Runtime and the Gateway target wait for READY)."
  type        = string
  default     = "30m"

  validation {
    condition     = can(regex("^\\d+(m|h)$", var.stack_timeout))
    error_message = "stack_timeout must look like 30m or 1h."
  }
}

# ---------------------------------------------------------------------------------------------
# Helper scripts run by terraform_data (credential provider, runtime configuration secret)
# ---------------------------------------------------------------------------------------------

variable "script_runner" {
  description = "Command that runs the TypeScript helper scripts from the repository root (run npm ci there first)."
  type        = string
  default     = "npx --no-install tsx"

  validation {
    condition     = can(regex("^[\\w ./@:=-]+$", var.script_runner))
    error_message = "script_runner must be a plain command line (letters, digits, spaces and ./@:=-), for example \"npx --no-install tsx\"."
  }
}

# ---------------------------------------------------------------------------------------------
# Optional: GitHub Actions OIDC role that pushes images (.github/workflows/image.yml)
# ---------------------------------------------------------------------------------------------

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflow pushes images. Null: no CI role is created."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name, or be null."
  }
}

variable "github_oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com OIDC provider in the account. Null (with github_repository set): this stack creates one."
  type        = string
  default     = null

  validation {
    condition     = var.github_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "github_oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com OIDC provider, or null."
  }
}

# ---------------------------------------------------------------------------------------------
# Shared organization snapshot store (docs/architecture.md, "The shared snapshot store")
# ---------------------------------------------------------------------------------------------

variable "snapshot_store" {
  description = <<-EOT
    The S3 bucket every session reads the organization from, instead of reading it whole per session.
    null: no store (each session reads the organization through the API). Fields:
      bucket_name             default <name>-org-snapshots-<account id>
      prefix                  key prefix of the objects (default "orgs/")
      max_age_seconds         older snapshots are answered from at once and refreshed in the background (default 900)
      kms_key_arn             a customer managed KMS key for the objects; null: the account's AWS managed key (aws/s3)
      noncurrent_version_days how long replaced versions are kept (default 30)
      force_destroy           let terraform destroy delete a bucket that still holds objects (default false)
  EOT
  type = object({
    bucket_name             = optional(string)
    prefix                  = optional(string, "orgs/")
    max_age_seconds         = optional(number, 900)
    kms_key_arn             = optional(string)
    noncurrent_version_days = optional(number, 30)
    force_destroy           = optional(bool, false)
  })
  default = {}

  validation {
    condition     = var.snapshot_store == null ? true : try(var.snapshot_store.bucket_name, null) == null || (can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.snapshot_store.bucket_name)) && !strcontains(coalesce(var.snapshot_store.bucket_name, "x"), ".."))
    error_message = "snapshot_store.bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }

  validation {
    condition     = var.snapshot_store == null ? true : can(regex("^([A-Za-z0-9!_.*'()-]+/)*$", var.snapshot_store.prefix))
    error_message = "snapshot_store.prefix must be empty or end in a slash, with letters, digits and !_.*'()- between single slashes (for example orgs/)."
  }

  validation {
    condition     = var.snapshot_store == null ? true : (var.snapshot_store.max_age_seconds >= 60 && var.snapshot_store.max_age_seconds <= 604800 && floor(var.snapshot_store.max_age_seconds) == var.snapshot_store.max_age_seconds)
    error_message = "snapshot_store.max_age_seconds must be a whole number between 60 and 604800 (a week)."
  }

  validation {
    condition     = var.snapshot_store == null ? true : try(var.snapshot_store.kms_key_arn, null) == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[a-zA-Z0-9-]+$", var.snapshot_store.kms_key_arn))
    error_message = "snapshot_store.kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or left out."
  }

  validation {
    condition     = var.snapshot_store == null ? true : (var.snapshot_store.noncurrent_version_days >= 1 && var.snapshot_store.noncurrent_version_days <= 3650 && floor(var.snapshot_store.noncurrent_version_days) == var.snapshot_store.noncurrent_version_days)
    error_message = "snapshot_store.noncurrent_version_days must be a whole number of days between 1 and 3650."
  }
}

variable "organization_id" {
  description = "The organization's id (o-...), which names the store's object. Null: each new session asks DescribeOrganization once to learn it."
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abcdefghij, or be null."
  }
}

variable "tool_deadline_seconds" {
  description = "No tool call runs longer (the container's TOOL_DEADLINE_SECONDS): a call whose data is not ready by then answers what is done and what is left, and the read continues. Keep it under AgentCore's limit of about 60 s."
  type        = number
  default     = 50

  validation {
    condition     = var.tool_deadline_seconds >= 5 && var.tool_deadline_seconds <= 55 && floor(var.tool_deadline_seconds) == var.tool_deadline_seconds
    error_message = "tool_deadline_seconds must be a whole number between 5 and 55: AgentCore's proxy ends a tool call after about 60 s."
  }
}
