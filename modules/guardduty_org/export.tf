# Findings export: one bucket and key in the home region, a publishing destination in every region.

locals {
  kms_admin_actions = jsondecode(file("${path.module}/../shared/kms_key_admin_actions.json")).actions
  export            = var.findings_export.enabled
  bucket_name       = coalesce(var.findings_export.bucket_name, "${var.name}-guardduty-findings-${local.admin_account_id}")
  bucket_arn        = "arn:${local.partition}:s3:::${local.bucket_name}"
  detector_arns     = "arn:${local.partition}:guardduty:*:${local.admin_account_id}:detector/*"
}

data "aws_iam_policy_document" "export_key" {
  statement {
    sid       = "AccountAdministersKey"
    actions   = local.kms_admin_actions
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.admin_account_id}:root"]
    }
  }

  statement {
    sid       = "GuardDutyEncryptsFindings"
    actions   = ["kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["guardduty.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.admin_account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.detector_arns]
    }
  }
}

resource "aws_kms_key" "export" {
  count = local.export ? 1 : 0

  description         = "Encrypts exported GuardDuty findings"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.export_key.json
  tags                = var.tags
}

resource "aws_s3_bucket" "export" {
  count = local.export ? 1 : 0

  bucket = local.bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_public_access_block" "export" {
  count = local.export ? 1 : 0

  bucket                  = aws_s3_bucket.export[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "export" {
  count = local.export ? 1 : 0

  bucket = aws_s3_bucket.export[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "export" {
  count = local.export ? 1 : 0

  bucket = aws_s3_bucket.export[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "export" {
  count = local.export ? 1 : 0

  bucket = aws_s3_bucket.export[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.export[0].arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "export" {
  count = local.export ? 1 : 0

  bucket = aws_s3_bucket.export[0].id
  rule {
    id     = "expire-findings"
    status = "Enabled"
    filter {}
    transition {
      days          = 90
      storage_class = "GLACIER_IR"
    }
    expiration {
      days = var.findings_export.retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

data "aws_iam_policy_document" "export_bucket" {
  statement {
    sid       = "GuardDutyWritesFindings"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["guardduty.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.admin_account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.detector_arns]
    }
  }

  statement {
    sid       = "GuardDutyLocatesBucket"
    actions   = ["s3:GetBucketLocation"]
    resources = [local.bucket_arn]
    principals {
      type        = "Service"
      identifiers = ["guardduty.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.admin_account_id]
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
}

resource "aws_s3_bucket_policy" "export" {
  count = local.export ? 1 : 0

  bucket = aws_s3_bucket.export[0].id
  policy = data.aws_iam_policy_document.export_bucket.json
}

resource "aws_guardduty_publishing_destination" "this" {
  for_each = local.export ? toset(var.regions) : toset([])

  region           = each.key
  detector_id      = aws_guardduty_detector.this[each.key].id
  destination_arn  = aws_s3_bucket.export[0].arn
  kms_key_arn      = aws_kms_key.export[0].arn
  destination_type = "S3"
  # No tags: the argument exists only since a later hashicorp/aws than the floor in versions.tf.

  depends_on = [aws_s3_bucket_policy.export]
}
