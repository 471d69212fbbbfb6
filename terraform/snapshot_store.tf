# The shared organization snapshot store: one gzip-compressed snapshot per organization id
# (<prefix><organization id>.json.gz) and its refresh lease beside it, read by every session and
# refreshed by one at a time (docs/architecture.md). Private, versioned, encrypted at rest with the
# account's AWS managed key or a given KMS key, HTTPS only; replaced versions expire.

resource "aws_s3_bucket" "snapshots" {
  count = local.snapshot_store_enabled ? 1 : 0

  bucket        = local.snapshot_bucket_name
  force_destroy = var.snapshot_store.force_destroy
}

resource "aws_s3_bucket_public_access_block" "snapshots" {
  count = local.snapshot_store_enabled ? 1 : 0

  bucket                  = aws_s3_bucket.snapshots[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "snapshots" {
  count = local.snapshot_store_enabled ? 1 : 0

  bucket = aws_s3_bucket.snapshots[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Versioning keeps what a refresh replaced: a snapshot can be restored by hand after a bad write.
resource "aws_s3_bucket_versioning" "snapshots" {
  count = local.snapshot_store_enabled ? 1 : 0

  bucket = aws_s3_bucket.snapshots[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "snapshots" {
  count = local.snapshot_store_enabled ? 1 : 0

  bucket = aws_s3_bucket.snapshots[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
      # null: the account's AWS managed key for S3 (aws/s3).
      kms_master_key_id = local.snapshot_kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "snapshots" {
  count = local.snapshot_store_enabled ? 1 : 0

  bucket = aws_s3_bucket.snapshots[0].id

  rule {
    id     = "expire-replaced-snapshots"
    status = "Enabled"
    filter {}
    # Every refresh replaces the object (and every lease write the lease): keep replaced versions
    # for a while, then let them go.
    noncurrent_version_expiration {
      noncurrent_days = var.snapshot_store.noncurrent_version_days
    }
    expiration {
      expired_object_delete_marker = true
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.snapshots]
}

resource "aws_s3_bucket_policy" "snapshots" {
  count = local.snapshot_store_enabled ? 1 : 0

  bucket = aws_s3_bucket.snapshots[0].id
  policy = jsonencode(local.snapshot_bucket_policy)

  depends_on = [aws_s3_bucket_public_access_block.snapshots]
}

locals {
  snapshot_store_enabled = var.snapshot_store != null
  snapshot_bucket_name   = local.snapshot_store_enabled ? coalesce(try(var.snapshot_store.bucket_name, null), "${var.name}-org-snapshots-${local.account_id}") : null
  snapshot_bucket_arn    = local.snapshot_store_enabled ? "arn:${local.partition}:s3:::${local.snapshot_bucket_name}" : null
  snapshot_prefix        = local.snapshot_store_enabled ? var.snapshot_store.prefix : null
  snapshot_kms_key_arn   = try(var.snapshot_store.kms_key_arn, null)
  snapshot_store_uri     = local.snapshot_store_enabled ? "s3://${local.snapshot_bucket_name}/${local.snapshot_prefix}" : null

  # Plain HTTP is refused for everyone, whatever else allows a request.
  snapshot_bucket_policy = local.snapshot_store_enabled ? {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyPlainHttp"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.snapshot_bucket_arn, "${local.snapshot_bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  } : null

  # The Runtime role's part in iam.tf: its objects under the prefix, nothing else in S3.
  snapshot_store_statements = concat(
    local.snapshot_store_enabled ? [
      {
        Sid      = "SnapshotStoreObjects"
        Effect   = "Allow"
        Action   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
        Resource = ["${local.snapshot_bucket_arn}/${local.snapshot_prefix}*"]
      },
      {
        # Without it S3 answers a missing object with 403 AccessDenied instead of 404 NoSuchKey,
        # and the server could not tell an empty store (read the organization and write it) from a
        # refused one (say what to fix). The bucket holds nothing but this store.
        Sid      = "SnapshotStoreMissingObjects"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [local.snapshot_bucket_arn]
      },
    ] : [],
    local.snapshot_store_enabled && local.snapshot_kms_key_arn != null ? [
      {
        Sid       = "SnapshotStoreKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = [local.snapshot_kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = "s3.${var.region}.${local.dns_suffix}" } }
      },
    ] : [],
  )

  # organization.snapshotStore of the runtime configuration (src/config/schema.ts).
  snapshot_store_config = local.snapshot_store_enabled ? merge(
    { uri = local.snapshot_store_uri, maxAgeSeconds = var.snapshot_store.max_age_seconds },
    var.organization_id == null ? {} : { organizationId = var.organization_id },
  ) : null
}
