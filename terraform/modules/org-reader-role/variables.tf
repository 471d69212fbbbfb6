variable "role_name" {
  description = "Name of the reader role in the management (or delegated administrator) account."
  type        = string
  default     = "orgs-mcp-organizations-reader"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "runtime_role_arns" {
  description = "Execution role ARN(s) of the MCP server's AgentCore Runtime (output runtime_role_arn of the main stack). Only these may assume the reader role."
  type        = list(string)

  validation {
    condition     = length(var.runtime_role_arns) > 0 && alltrue([for arn in var.runtime_role_arns : can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$", arn))])
    error_message = "runtime_role_arns must list at least one IAM role ARN such as arn:aws:iam::123456789012:role/orgs-mcp-agentcore-runtime."
  }
}

variable "external_id" {
  description = "External id the caller must present (set the same value as organizations_reader_external_id in the main stack), or null."
  type        = string
  default     = null

  validation {
    condition     = var.external_id == null ? true : (can(regex("^[\\w+=,.@:/-]+$", var.external_id)) && length(var.external_id) >= 2 && length(var.external_id) <= 1224)
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/-, or null."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration of the role, in seconds (3600-43200)."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}

variable "allow_event_lookup" {
  description = "Allow cloudtrail:LookupEvents, which the MCP server's shared snapshot store uses to refresh by change (read-only: the management account's event history). Without it every refresh reads the whole organization."
  type        = bool
  default     = true
}
