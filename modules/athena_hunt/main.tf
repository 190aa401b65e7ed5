# CloudTrail in Athena for `cryptoguard hunt --engine athena`: a Glue table over the organisation trail's bucket
# with partition projection (account, region, day), so a query reads only the prefixes its WHERE names, and a
# workgroup that encrypts its results and stops any query that would scan more than the cutoff.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_regions" "all" {
  count       = length(var.regions) == 0 ? 1 : 0
  all_regions = true
}

locals {
  kms_admin_actions = jsondecode(file("${path.module}/../shared/kms_key_admin_actions.json")).actions
  database          = replace(var.name, "-", "_")
  table             = "cloudtrail"
  trail_root        = "s3://${var.trail_bucket_name}/${var.trail_prefix == "" ? "" : "${var.trail_prefix}/"}AWSLogs/${var.organization_id}"
  regions           = length(var.regions) > 0 ? var.regions : sort(data.aws_regions.all[0].names)
  kms_key_arn       = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.results[0].arn
  results           = "${var.name}-results-${data.aws_caller_identity.current.account_id}"
  # The columns of a CloudTrail record as AWS documents them for Athena: the file hunt --engine athena reads too.
  columns = jsondecode(file("${path.module}/../../lambda_src/cryptoguard/data/cloudtrail_table.json")).columns
  queries = {
    launches-by-principal = {
      description = "Instances launched per principal, account and region: the fleets of the seeds (RunInstances of 500, Auto Scaling groups of 999)."
      file        = "launches_by_principal.sql.tftpl"
    }
    unused-region-activity = {
      description = "Calls that changed something in regions outside allowed_regions, by principal."
      file        = "unused_region_activity.sql.tftpl"
    }
    persistence = {
      description = "New IAM users, access keys and login profiles, public Lambda URLs and termination protection."
      file        = "persistence.sql.tftpl"
    }
    recon = {
      description = "Quota look-ups and DryRun launches: the reconnaissance before a campaign."
      file        = "recon.sql.tftpl"
    }
    access-key-activity = {
      description = "Everything one access key did, in time order (replace the key in the query)."
      file        = "access_key_activity.sql.tftpl"
    }
  }
}

resource "aws_glue_catalog_database" "this" {
  name        = local.database
  description = "cryptoguard: the organisation trail, for hunting"
  tags        = var.tags
}

resource "aws_glue_catalog_table" "cloudtrail" {
  name          = local.table
  database_name = aws_glue_catalog_database.this.name
  description   = "The organisation trail (${local.trail_root}), partitioned by projection: nothing to load or repair."
  table_type    = "EXTERNAL_TABLE"

  # Enum: a query without an account filter reads every listed account. Injected (no accounts given): every
  # query must name its accounts, which suits sharding by account and needs no re-apply for new accounts.
  parameters = merge({
    EXTERNAL                       = "TRUE"
    classification                 = "cloudtrail"
    "projection.enabled"           = "true"
    "projection.account.type"      = length(var.accounts) > 0 ? "enum" : "injected"
    "projection.region.type"       = "enum"
    "projection.region.values"     = join(",", local.regions)
    "projection.day.type"          = "date"
    "projection.day.format"        = "yyyy/MM/dd"
    "projection.day.range"         = "${var.start_date},NOW"
    "projection.day.interval"      = "1"
    "projection.day.interval.unit" = "DAYS"
    "storage.location.template"    = "${local.trail_root}/$${account}/CloudTrail/$${region}/$${day}"
  }, length(var.accounts) > 0 ? { "projection.account.values" = join(",", sort(var.accounts)) } : {})

  partition_keys {
    name = "account"
    type = "string"
  }
  partition_keys {
    name = "region"
    type = "string"
  }
  partition_keys {
    name    = "day"
    type    = "string"
    comment = "The delivery day, yyyy/MM/dd"
  }

  storage_descriptor {
    location      = "${local.trail_root}/"
    input_format  = "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hive.hcatalog.data.JsonSerDe"
    }

    dynamic "columns" {
      for_each = local.columns
      content {
        name = lower(columns.value.name)
        type = lower(columns.value.type)
      }
    }
  }
}

resource "aws_kms_key" "results" {
  count = var.kms_key_arn == null ? 1 : 0

  description         = "cryptoguard: Athena hunt results"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.results_key.json
  tags                = var.tags
}

# The account administers the key, and its IAM policies (hunter_policy_json) say who may use it: Athena
# encrypts and decrypts results with the querying principal's own permissions.
data "aws_iam_policy_document" "results_key" {
  statement {
    sid       = "AccountAdministersKey"
    actions   = local.kms_admin_actions
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "AccountPrincipalsUseKeyThroughIAM"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_s3_bucket" "results" {
  bucket = local.results
  tags   = var.tags
}

resource "aws_s3_bucket_public_access_block" "results" {
  bucket                  = aws_s3_bucket.results.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "results" {
  bucket = aws_s3_bucket.results.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "results" {
  bucket = aws_s3_bucket.results.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "results" {
  bucket = aws_s3_bucket.results.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  bucket = aws_s3_bucket.results.id

  rule {
    id     = "expire-results"
    status = "Enabled"
    filter {}
    expiration {
      days = var.results_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "results_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.results.arn, "${aws_s3_bucket.results.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "results" {
  bucket = aws_s3_bucket.results.id
  policy = data.aws_iam_policy_document.results_bucket.json
}

resource "aws_athena_workgroup" "this" {
  name        = var.name
  description = "cryptoguard hunt: CloudTrail of the organisation; results encrypted, scans capped"
  tags        = var.tags

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = "s3://${aws_s3_bucket.results.id}/athena/"
      expected_bucket_owner = data.aws_caller_identity.current.account_id
      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = local.kms_key_arn
      }
    }
  }
}

resource "aws_athena_named_query" "this" {
  for_each = local.queries

  name        = "cryptoguard-${each.key}"
  description = each.value.description
  workgroup   = aws_athena_workgroup.this.id
  database    = aws_glue_catalog_database.this.name
  query = templatefile("${path.module}/queries/${each.value.file}", {
    table           = "\"${local.database}\".\"${local.table}\""
    allowed_regions = join(", ", [for r in var.allowed_regions : "'${r}'"])
  })
}

# What a person or pipeline needs to hunt: run queries in the workgroup, read the table's definition and the
# trail, write and read the results.
data "aws_iam_policy_document" "hunter" {
  statement {
    sid       = "RunQueriesInTheWorkgroup"
    actions   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup", "athena:GetNamedQuery", "athena:ListNamedQueries"]
    resources = [aws_athena_workgroup.this.arn]
  }
  statement {
    sid     = "ReadTheTableDefinition"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"]
    resources = [
      "arn:${data.aws_partition.current.partition}:glue:*:${data.aws_caller_identity.current.account_id}:catalog",
      "arn:${data.aws_partition.current.partition}:glue:*:${data.aws_caller_identity.current.account_id}:database/${local.database}",
      "arn:${data.aws_partition.current.partition}:glue:*:${data.aws_caller_identity.current.account_id}:table/${local.database}/*",
    ]
  }
  statement {
    sid       = "ReadTheTrail"
    actions   = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.trail_bucket_name}", "arn:${data.aws_partition.current.partition}:s3:::${var.trail_bucket_name}/*"]
  }
  statement {
    sid       = "WriteAndReadResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:AbortMultipartUpload"]
    resources = [aws_s3_bucket.results.arn, "${aws_s3_bucket.results.arn}/*"]
  }
  statement {
    sid       = "UseTheKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = compact([local.kms_key_arn, var.trail_kms_key_arn])
  }
}
