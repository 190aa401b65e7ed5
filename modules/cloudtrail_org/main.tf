# Two accounts: the default provider is the organisation's management account (the trail), aws.log_archive
# holds the central bucket and its key.

data "aws_caller_identity" "management" {}
data "aws_caller_identity" "log_archive" {
  provider = aws.log_archive
}
data "aws_partition" "current" {}
data "aws_region" "home" {}

locals {
  kms_admin_actions = jsondecode(file("${path.module}/../shared/kms_key_admin_actions.json")).actions
  partition         = data.aws_partition.current.partition
  management_id     = data.aws_caller_identity.management.account_id
  log_archive_id    = data.aws_caller_identity.log_archive.account_id
  create_bucket     = var.existing_bucket == null
  bucket_name       = local.create_bucket ? coalesce(var.bucket_name, "${var.name}-${local.log_archive_id}") : var.existing_bucket.name
  bucket_arn        = "arn:${local.partition}:s3:::${local.bucket_name}"
  trail_arn         = "arn:${local.partition}:cloudtrail:${data.aws_region.home.region}:${local.management_id}:trail/${var.name}"
}

# ---- key (log archive) ---------------------------------------------------------------------------------

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "LogArchiveAdministersKey"
    actions   = local.kms_admin_actions
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.log_archive_id}:root"]
    }
  }

  # GenerateDataKey* and Decrypt: with an S3 Bucket Key, CloudTrail asks for a data key and S3 decrypts it.
  statement {
    sid       = "CloudTrailEncryptsLogs"
    actions   = ["kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:cloudtrail:arn"
      values   = ["arn:${local.partition}:cloudtrail:*:${local.management_id}:trail/*"]
    }
  }

  statement {
    sid       = "CloudTrailUsesBucketKey"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }

  statement {
    sid       = "CloudTrailDescribesKey"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }

  # Readers in the organisation decrypt logs, with the key's use tied to CloudTrail's encryption context.
  dynamic "statement" {
    for_each = var.organization_id == null ? [] : [var.organization_id]
    content {
      sid       = "OrganisationReadsLogs"
      actions   = ["kms:Decrypt"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = ["*"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:PrincipalOrgID"
        values   = [statement.value]
      }
      condition {
        test     = "Null"
        variable = "kms:EncryptionContext:aws:cloudtrail:arn"
        values   = ["false"]
      }
    }
  }
}

resource "aws_kms_key" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  description         = "Encrypts the organisation CloudTrail logs"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
  tags                = var.tags

  lifecycle {
    prevent_destroy = true # every log it encrypted would become unreadable
  }
}

resource "aws_kms_alias" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.trail[0].key_id
}

# ---- bucket (log archive) ------------------------------------------------------------------------------

resource "aws_s3_bucket" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  bucket = local.bucket_name
  tags   = var.tags

  # Object Lock is switched on by aws_s3_bucket_object_lock_configuration, never by this resource's
  # object_lock_enabled, which would replace the bucket (and the years of logs in it).
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.trail[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.trail[0].arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id
  rule {
    id     = "archive-then-expire"
    status = "Enabled"
    filter {}
    transition {
      days          = var.lifecycle_rules.archive_after_days
      storage_class = var.lifecycle_rules.archive_storage
    }
    expiration {
      days = var.lifecycle_rules.expire_after_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.lifecycle_rules.noncurrent_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

# Needs versioning, and works on a bucket that already exists: no replacement to switch it on.
resource "aws_s3_bucket_object_lock_configuration" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket && var.object_lock.enabled ? 1 : 0

  bucket              = aws_s3_bucket.trail[0].id
  object_lock_enabled = "Enabled"
  rule {
    default_retention {
      mode = var.object_lock.mode
      days = var.object_lock.days
    }
  }

  depends_on = [aws_s3_bucket_versioning.trail]
}

resource "aws_s3_bucket_logging" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket && var.access_log_bucket != null ? 1 : 0

  bucket        = aws_s3_bucket.trail[0].id
  target_bucket = var.access_log_bucket
  target_prefix = "${local.bucket_name}/"
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "CloudTrailChecksAcl"
    actions   = ["s3:GetBucketAcl"]
    resources = [local.bucket_arn]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }

  # CreateTrail checks the management account's own path too, so both prefixes are allowed.
  statement {
    sid     = "CloudTrailWritesOrganisationAndManagementLogs"
    actions = ["s3:PutObject"]
    resources = concat(
      var.organization_id == null ? [] : ["${local.bucket_arn}/AWSLogs/${var.organization_id}/*"],
      ["${local.bucket_arn}/AWSLogs/${local.management_id}/*"],
    )
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }

  statement {
    sid       = "TLSOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Nobody deletes logs; lifecycle expiry is done by S3 itself and is not a request this denies.
  statement {
    sid       = "NoDeletion"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "trail" {
  provider = aws.log_archive
  count    = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.trail]
}

# ---- optional CloudWatch Logs delivery (management) ----------------------------------------------------

resource "aws_cloudwatch_log_group" "trail" {
  count = var.cloudwatch_logs.enabled ? 1 : 0

  name              = "/aws/cloudtrail/${var.name}"
  retention_in_days = var.cloudwatch_logs.retention_days
  tags              = var.tags
}

data "aws_iam_policy_document" "logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for g in aws_cloudwatch_log_group.trail : "${g.arn}:log-stream:*"]
  }
}

resource "aws_iam_role" "logs" {
  count = var.cloudwatch_logs.enabled ? 1 : 0

  name               = "${var.name}-cloudwatch-logs"
  assume_role_policy = data.aws_iam_policy_document.logs_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "logs" {
  count = var.cloudwatch_logs.enabled ? 1 : 0

  name   = "deliver-trail"
  role   = aws_iam_role.logs[0].id
  policy = data.aws_iam_policy_document.logs.json
}

# ---- the trail (management) ----------------------------------------------------------------------------

resource "aws_cloudtrail" "org" {
  name                          = var.name
  s3_bucket_name                = local.bucket_name # known at plan; depends_on below orders it after the bucket policy
  kms_key_id                    = local.create_bucket ? aws_kms_key.trail[0].arn : var.existing_bucket.kms_key_arn
  is_organization_trail         = var.organization_id != null
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  enable_logging                = true
  cloud_watch_logs_group_arn    = var.cloudwatch_logs.enabled ? "${aws_cloudwatch_log_group.trail[0].arn}:*" : null
  cloud_watch_logs_role_arn     = var.cloudwatch_logs.enabled ? aws_iam_role.logs[0].arn : null

  event_selector {
    read_write_type           = "All"
    include_management_events = true

    dynamic "data_resource" {
      for_each = length(var.data_events.s3_bucket_arns) > 0 ? [1] : []
      content {
        type   = "AWS::S3::Object"
        values = [for arn in var.data_events.s3_bucket_arns : "${arn}/"]
      }
    }

    dynamic "data_resource" {
      for_each = var.data_events.lambda ? [1] : []
      content {
        type   = "AWS::Lambda::Function"
        values = ["arn:${local.partition}:lambda"]
      }
    }
  }

  tags       = var.tags
  depends_on = [aws_s3_bucket_policy.trail, aws_iam_role_policy.logs]
}

# The bucket and key became optional (existing_bucket): state from before moves without a replacement.
moved {
  from = aws_kms_key.trail
  to   = aws_kms_key.trail[0]
}

moved {
  from = aws_kms_alias.trail
  to   = aws_kms_alias.trail[0]
}

moved {
  from = aws_s3_bucket.trail
  to   = aws_s3_bucket.trail[0]
}

moved {
  from = aws_s3_bucket_public_access_block.trail
  to   = aws_s3_bucket_public_access_block.trail[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.trail
  to   = aws_s3_bucket_ownership_controls.trail[0]
}

moved {
  from = aws_s3_bucket_versioning.trail
  to   = aws_s3_bucket_versioning.trail[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.trail
  to   = aws_s3_bucket_server_side_encryption_configuration.trail[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.trail
  to   = aws_s3_bucket_lifecycle_configuration.trail[0]
}

moved {
  from = aws_s3_bucket_policy.trail
  to   = aws_s3_bucket_policy.trail[0]
}
