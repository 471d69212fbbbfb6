# preview_policy_change in aws mode (docs/preview.md): read-only access to the organization trail's
# log files, and to an Athena workgroup that aggregates the trail's table. Both optional; nothing is
# created or granted unless configured. The runtime configuration's `activity` section is built here.

variable "activity_trail" {
  description = "The organization trail's S3 location for preview_policy_change (bucket, key prefix before AWSLogs/, optional kms_key_arn when the logs are SSE-KMS encrypted, optional regions). Null: not configured."
  type = object({
    bucket      = string
    prefix      = optional(string, "")
    kms_key_arn = optional(string)
    regions     = optional(list(string))
  })
  default = null

  validation {
    condition     = var.activity_trail == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.activity_trail.bucket))
    error_message = "activity_trail.bucket must be an S3 bucket name."
  }
}

variable "activity_athena" {
  description = "Athena aggregation of the trail for preview_policy_change: workgroup, database and table of the CloudTrail table, the workgroup's results bucket and prefix, optional date partition column. Null: not configured. Set activity_trail too: Athena reads the trail's files as the server's role."
  type = object({
    workgroup      = string
    database       = string
    table          = string
    results_bucket = string
    results_prefix = optional(string, "")
    date_column    = optional(string)
  })
  default = null

  validation {
    condition     = var.activity_athena == null || (can(regex("^[A-Za-z0-9_]+$", var.activity_athena.database)) && can(regex("^[A-Za-z0-9_]+$", var.activity_athena.table)))
    error_message = "activity_athena.database and table are letters, digits and underscores."
  }
}

locals {
  activity_trail_prefix = var.activity_trail == null ? "" : trim(var.activity_trail.prefix, "/")
  activity_trail_keys   = var.activity_trail == null ? null : (local.activity_trail_prefix == "" ? "AWSLogs/*" : "${local.activity_trail_prefix}/AWSLogs/*")
  activity_results_keys = var.activity_athena == null ? null : (trim(var.activity_athena.results_prefix, "/") == "" ? "*" : "${trim(var.activity_athena.results_prefix, "/")}/*")

  activity_source = merge(
    var.activity_trail == null ? {} : {
      trail = merge(
        { bucket = var.activity_trail.bucket, prefix = local.activity_trail_prefix, region = var.region },
        var.activity_trail.regions == null ? {} : { regions = var.activity_trail.regions },
      )
    },
    var.activity_athena == null ? {} : {
      athena = merge(
        { workgroup = var.activity_athena.workgroup, database = var.activity_athena.database, table = var.activity_athena.table, region = var.region },
        var.activity_athena.date_column == null ? {} : { dateColumn = var.activity_athena.date_column },
      )
    },
  )

  athena_arn_prefix = "arn:${local.partition}:athena:${var.region}:${local.account_id}"
  glue_arn_prefix   = "arn:${local.partition}:glue:${var.region}:${local.account_id}"

  activity_policy = {
    Version = "2012-10-17"
    Statement = concat(
      var.activity_trail == null ? [] : [
        {
          # The trail's log files (read directly, and by Athena as this role): listed under the
          # prefix only, read, never written.
          Sid       = "ListTrailLogs"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = ["arn:${local.partition}:s3:::${var.activity_trail.bucket}"]
          Condition = { StringLike = { "s3:prefix" = [local.activity_trail_keys] } }
        },
      ],
      var.activity_trail == null ? [] : [
        {
          Sid      = "ReadTrailLogs"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["arn:${local.partition}:s3:::${var.activity_trail.bucket}/${local.activity_trail_keys}"]
        },
      ],
      try(var.activity_trail.kms_key_arn, null) == null ? [] : [
        {
          Sid       = "DecryptTrailLogs"
          Effect    = "Allow"
          Action    = ["kms:Decrypt"]
          Resource  = [var.activity_trail.kms_key_arn]
          Condition = { StringEquals = { "kms:ViaService" = "s3.${var.region}.${local.dns_suffix}" } }
        },
      ],
      var.activity_athena == null ? [] : [
        {
          Sid      = "RunTrailAggregation"
          Effect   = "Allow"
          Action   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"]
          Resource = ["${local.athena_arn_prefix}:workgroup/${var.activity_athena.workgroup}"]
        },
      ],
      var.activity_athena == null ? [] : [
        {
          Sid    = "ReadTrailTable"
          Effect = "Allow"
          Action = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"]
          Resource = [
            "${local.glue_arn_prefix}:catalog",
            "${local.glue_arn_prefix}:database/${var.activity_athena.database}",
            "${local.glue_arn_prefix}:table/${var.activity_athena.database}/${var.activity_athena.table}",
          ]
        },
      ],
      var.activity_athena == null ? [] : [
        {
          # Athena writes the query's results under the workgroup's results prefix, as the caller.
          Sid      = "WorkgroupResults"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
          Resource = ["arn:${local.partition}:s3:::${var.activity_athena.results_bucket}/${local.activity_results_keys}"]
        },
      ],
      var.activity_athena == null ? [] : [
        {
          Sid      = "WorkgroupResultsBucket"
          Effect   = "Allow"
          Action   = ["s3:GetBucketLocation", "s3:ListBucket"]
          Resource = ["arn:${local.partition}:s3:::${var.activity_athena.results_bucket}"]
        },
      ],
    )
  }
}

resource "aws_iam_role_policy" "runtime_activity" {
  count  = var.activity_trail == null && var.activity_athena == null ? 0 : 1
  name   = "preview-activity"
  role   = aws_iam_role.runtime.id
  policy = jsonencode(local.activity_policy)
}

output "preview_activity_configuration" {
  description = "The runtime configuration's activity section (where preview_policy_change reads recorded activity); null when not configured."
  value       = length(local.activity_source) == 0 ? null : local.activity_source
}
