# terraform test: CloudTrail in Athena for hunting (Glue table with partition projection, workgroup, results
# bucket, named queries), with a mocked provider.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_regions" {
    defaults = { names = ["us-east-1", "sa-east-1", "ap-northeast-1"] }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
}

variables {
  accounts          = ["333333333333", "111111111111"]
  trail_bucket_name = "org-trail-logs"
  organization_id   = "o-abc123defg"
  allowed_regions   = ["ap-northeast-1", "us-east-1"]
}

run "the_table_projects_every_account_region_and_day_of_the_organisation_trail" {
  command = plan

  assert {
    condition     = aws_glue_catalog_table.cloudtrail.parameters["projection.account.values"] == "111111111111,333333333333"
    error_message = "the given accounts, as an enum: a query may read them all"
  }
  assert {
    condition     = aws_glue_catalog_table.cloudtrail.parameters["projection.region.values"] == "ap-northeast-1,sa-east-1,us-east-1"
    error_message = "every region, enabled or not"
  }
  assert {
    condition     = aws_glue_catalog_table.cloudtrail.parameters["storage.location.template"] == "s3://org-trail-logs/AWSLogs/o-abc123defg/$${account}/CloudTrail/$${region}/$${day}"
    error_message = "the organisation trail's layout, CloudTrail folder only (no digests)"
  }
  assert {
    condition     = aws_glue_catalog_table.cloudtrail.parameters["projection.day.range"] == "2020/01/01,NOW" && aws_glue_catalog_table.cloudtrail.parameters["projection.day.format"] == "yyyy/MM/dd"
    error_message = "days from start_date to today, in the folders' format"
  }
  assert {
    condition     = [for k in aws_glue_catalog_table.cloudtrail.partition_keys : k.name] == ["account", "region", "day"]
    error_message = "the partition columns hunt --engine athena filters on"
  }
  assert {
    condition     = contains([for c in one(aws_glue_catalog_table.cloudtrail.storage_descriptor).columns : c.name], "sourceipaddress") && alltrue([for c in one(aws_glue_catalog_table.cloudtrail.storage_descriptor).columns : c.name == lower(c.name) && c.type == lower(c.type)])
    error_message = "the columns of lambda_src/cryptoguard/data/cloudtrail_table.json, lower-cased for Glue"
  }
  assert {
    condition     = aws_glue_catalog_database.this.name == "cryptoguard_hunt" && aws_glue_catalog_table.cloudtrail.name == "cloudtrail"
    error_message = "the names hunt uses by default"
  }
}

run "the_workgroup_runs_engine_3_encrypts_and_caps_every_query" {
  command = plan

  assert {
    condition     = one(one(aws_athena_workgroup.this.configuration).engine_version).selected_engine_version == "Athena engine version 3"
    error_message = "engine version 3 (Trino)"
  }
  assert {
    condition     = one(aws_athena_workgroup.this.configuration).bytes_scanned_cutoff_per_query == 1000000000000 && one(aws_athena_workgroup.this.configuration).enforce_workgroup_configuration
    error_message = "a query scanning more than 1 TB is cancelled, and users cannot override the workgroup"
  }
  assert {
    condition     = one(one(one(aws_athena_workgroup.this.configuration).result_configuration).encryption_configuration).encryption_option == "SSE_KMS"
    error_message = "results encrypted with the customer managed key"
  }
  assert {
    condition     = length(aws_kms_key.results) == 1 && aws_kms_key.results[0].enable_key_rotation
    error_message = "a rotating key when none is given"
  }
  assert {
    condition     = aws_s3_bucket.results.bucket == "cryptoguard-hunt-results-222222222222"
    error_message = "one results bucket per account"
  }
  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.results.rule).expiration[0].days == 30
    error_message = "results expire"
  }
}

run "without_accounts_every_query_names_its_accounts" {
  command = plan

  variables {
    accounts = []
  }

  assert {
    condition     = aws_glue_catalog_table.cloudtrail.parameters["projection.account.type"] == "injected" && !contains(keys(aws_glue_catalog_table.cloudtrail.parameters), "projection.account.values")
    error_message = "injected projection: Athena takes the accounts from each query's WHERE"
  }
}

run "named_queries_are_saved_in_the_workgroup" {
  command = plan

  assert {
    condition     = length(aws_athena_named_query.this) == 5
    error_message = "five saved queries"
  }
  assert {
    condition     = strcontains(aws_athena_named_query.this["unused-region-activity"].query, "region NOT IN ('ap-northeast-1', 'us-east-1')")
    error_message = "the unused-region query names the regions in use"
  }
  assert {
    condition     = strcontains(aws_athena_named_query.this["access-key-activity"].query, "FROM \"cryptoguard_hunt\".\"cloudtrail\"")
    error_message = "queries read the module's table"
  }
}

run "given_accounts_regions_prefix_and_key" {
  command = plan

  variables {
    accounts     = ["444444444444"]
    regions      = ["eu-west-1"]
    trail_prefix = "central/logs"
    kms_key_arn  = "arn:aws:kms:us-east-1:222222222222:key/abc"
  }

  assert {
    condition     = aws_glue_catalog_table.cloudtrail.parameters["projection.account.values"] == "444444444444" && aws_glue_catalog_table.cloudtrail.parameters["projection.region.values"] == "eu-west-1"
    error_message = "the given accounts and regions"
  }
  assert {
    condition     = startswith(aws_glue_catalog_table.cloudtrail.parameters["storage.location.template"], "s3://org-trail-logs/central/logs/AWSLogs/")
    error_message = "the trail's prefix comes before AWSLogs/"
  }
  assert {
    condition     = length(aws_kms_key.results) == 0 && output.kms_key_arn == "arn:aws:kms:us-east-1:222222222222:key/abc"
    error_message = "the given key, none created"
  }
}

run "rejects_a_bad_name" {
  command = plan
  variables {
    name = "Hunt_Group"
  }
  expect_failures = [var.name]
}

run "rejects_a_bad_bucket_name" {
  command = plan
  variables {
    trail_bucket_name = "s3://org-trail-logs"
  }
  expect_failures = [var.trail_bucket_name]
}

run "rejects_a_prefix_with_slashes" {
  command = plan
  variables {
    trail_prefix = "/logs/"
  }
  expect_failures = [var.trail_prefix]
}

run "rejects_a_bad_organization_id" {
  command = plan
  variables {
    organization_id = "123456789012"
  }
  expect_failures = [var.organization_id]
}

run "rejects_bad_accounts" {
  command = plan
  variables {
    accounts = ["1234"]
  }
  expect_failures = [var.accounts]
}

run "rejects_bad_regions" {
  command = plan
  variables {
    regions = ["mars-1"]
  }
  expect_failures = [var.regions]
}

run "rejects_a_bad_start_date" {
  command = plan
  variables {
    start_date = "2024-01-01"
  }
  expect_failures = [var.start_date]
}

run "rejects_a_cutoff_below_athenas_minimum" {
  command = plan
  variables {
    bytes_scanned_cutoff_per_query = 1000
  }
  expect_failures = [var.bytes_scanned_cutoff_per_query]
}

run "rejects_zero_retention" {
  command = plan
  variables {
    results_retention_days = 0
  }
  expect_failures = [var.results_retention_days]
}

run "rejects_a_key_that_is_not_an_arn" {
  command = plan
  variables {
    kms_key_arn = "alias/hunt"
  }
  expect_failures = [var.kms_key_arn]
}
