# terraform test: the organisation trail, its bucket and key, with mocked providers.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { region = "ap-northeast-1" }
  }
}

mock_provider "aws" {
  alias = "log_archive"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "333333333333" }
  }
}

variables {
  organization_id = "o-abc123defg"
}

run "the_trail_covers_the_organisation_everywhere_with_integrity" {
  command = plan

  assert {
    condition     = aws_cloudtrail.org.is_organization_trail && aws_cloudtrail.org.is_multi_region_trail && aws_cloudtrail.org.include_global_service_events
    error_message = "an organisation-wide, multi-region trail with global service events"
  }
  assert {
    condition     = aws_cloudtrail.org.enable_log_file_validation && aws_cloudtrail.org.enable_logging
    error_message = "logging on, with log file validation"
  }
  assert {
    condition     = aws_cloudtrail.org.s3_bucket_name == "cryptoguard-org-trail-333333333333"
    error_message = "logs go to the log-archive bucket"
  }
  assert {
    condition     = one(aws_cloudtrail.org.event_selector).read_write_type == "All" && one(aws_cloudtrail.org.event_selector).include_management_events
    error_message = "read and write management events (recon calls are reads)"
  }
}

run "the_bucket_policy_admits_both_log_paths_for_this_trail_only" {
  command = plan

  assert {
    condition = toset(data.aws_iam_policy_document.bucket.statement[1].resources) == toset([
      "arn:aws:s3:::cryptoguard-org-trail-333333333333/AWSLogs/o-abc123defg/*",
      "arn:aws:s3:::cryptoguard-org-trail-333333333333/AWSLogs/111111111111/*",
    ])
    error_message = "CreateTrail checks the management account's own path as well as the organisation's"
  }
  assert {
    condition = alltrue([
      for c in data.aws_iam_policy_document.bucket.statement[1].condition :
      c.values == tolist(["arn:aws:cloudtrail:ap-northeast-1:111111111111:trail/cryptoguard-org-trail"]) if c.variable == "aws:SourceArn"
    ])
    error_message = "writes are bound to this trail's ARN"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.bucket.statement : s.sid if s.effect == "Deny"] == ["TLSOnly", "NoDeletion"]
    error_message = "TLS only, and nobody deletes logs"
  }
}

run "a_standalone_account_writes_under_its_own_path_only" {
  command = plan

  variables {
    organization_id = null
  }

  assert {
    condition     = data.aws_iam_policy_document.bucket.statement[1].resources == toset(["arn:aws:s3:::cryptoguard-org-trail-333333333333/AWSLogs/111111111111/*"])
    error_message = "no organisation path without an organisation"
  }
  assert {
    condition     = !aws_cloudtrail.org.is_organization_trail
    error_message = "not an organisation trail"
  }
}

run "the_key_serves_an_s3_bucket_key_for_this_trail" {
  command = plan

  assert {
    condition     = [for s in data.aws_iam_policy_document.key.statement : s.actions if s.sid == "CloudTrailEncryptsLogs"] == [toset(["kms:GenerateDataKey*"])]
    error_message = "CloudTrail may generate data keys"
  }
  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.key.statement : [
        for c in s.condition : c.values == tolist(["arn:aws:cloudtrail:ap-northeast-1:111111111111:trail/cryptoguard-org-trail"]) if c.variable == "aws:SourceArn"
      ] if s.sid == "CloudTrailUsesBucketKey"
    ])) && length([for s in data.aws_iam_policy_document.key.statement : s if s.sid == "CloudTrailUsesBucketKey"]) == 1
    error_message = "decryption for the Bucket Key is bound to the trail"
  }
  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.key.statement : tolist(s.actions) if s.sid == "CloudTrailUsesBucketKey"]), "kms:Decrypt")
    error_message = "CloudTrail may decrypt (S3 Bucket Key)"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.trail[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "SSE-KMS on the bucket"
  }
}

run "object_lock_is_switched_on_in_place_never_by_replacing_the_bucket" {
  command = plan

  variables {
    object_lock = { enabled = true, mode = "COMPLIANCE", days = 400 }
  }

  # The provider would compute false; were the configuration to set true, the plan would show true.
  override_resource {
    target          = aws_s3_bucket.trail[0]
    override_during = plan
    values          = { object_lock_enabled = false }
  }

  assert {
    condition     = aws_s3_bucket.trail[0].object_lock_enabled != true
    error_message = "object_lock_enabled on aws_s3_bucket forces a new bucket: it must stay unset"
  }
  assert {
    condition     = aws_s3_bucket_object_lock_configuration.trail[0].object_lock_enabled == "Enabled"
    error_message = "the lock configuration switches Object Lock on"
  }
  assert {
    condition     = one(one(aws_s3_bucket_object_lock_configuration.trail[0].rule).default_retention).mode == "COMPLIANCE"
    error_message = "retention mode as asked"
  }
}

run "access_logging_of_the_trail_bucket" {
  command = plan

  variables {
    access_log_bucket = "access-logs-333333333333"
  }

  assert {
    condition     = aws_s3_bucket_logging.trail[0].target_bucket == "access-logs-333333333333"
    error_message = "server access logs go to the given bucket"
  }
}

run "an_existing_bucket_is_used_without_creating_one" {
  command = plan

  variables {
    existing_bucket = { name = "aws-controltower-logs-333333333333-ap-northeast-1", kms_key_arn = "arn:aws:kms:ap-northeast-1:333333333333:key/abc" }
  }

  assert {
    condition     = length(aws_s3_bucket.trail) == 0 && length(aws_kms_key.trail) == 0 && length(aws_s3_bucket_policy.trail) == 0
    error_message = "no bucket, key or bucket policy is created"
  }
  assert {
    condition     = aws_cloudtrail.org.s3_bucket_name == "aws-controltower-logs-333333333333-ap-northeast-1" && aws_cloudtrail.org.kms_key_id == "arn:aws:kms:ap-northeast-1:333333333333:key/abc"
    error_message = "the trail writes to the existing bucket with its key"
  }
  assert {
    condition     = output.bucket_name == "aws-controltower-logs-333333333333-ap-northeast-1"
    error_message = "the output names the bucket to hunt"
  }
}

run "cloudwatch_logs_delivery" {
  command = plan

  variables {
    cloudwatch_logs = { enabled = true, retention_days = 30 }
  }

  assert {
    condition     = aws_cloudwatch_log_group.trail[0].retention_in_days == 30 && length(aws_iam_role.logs) == 1
    error_message = "a log group and a delivery role"
  }
}

# ---- every validation rejects what it should -------------------------------------------------------------

run "organization_id_must_look_like_one" {
  command = plan
  variables {
    organization_id = "org-1"
  }
  expect_failures = [var.organization_id]
}

run "logs_are_kept_at_least_a_year" {
  command = plan
  variables {
    lifecycle_rules = { expire_after_days = 200, archive_after_days = 90 }
  }
  expect_failures = [var.lifecycle_rules]
}

run "archive_storage_must_be_an_s3_class" {
  command = plan
  variables {
    lifecycle_rules = { archive_storage = "TAPE" }
  }
  expect_failures = [var.lifecycle_rules]
}

run "object_lock_mode_must_be_governance_or_compliance" {
  command = plan
  variables {
    object_lock = { enabled = true, mode = "LEGAL" }
  }
  expect_failures = [var.object_lock]
}
