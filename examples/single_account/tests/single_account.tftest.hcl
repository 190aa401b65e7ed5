# terraform test: the single-account example plans, with mocked providers.

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
mock_provider "archive" {}

variables {
  account_id      = "111111111111"
  regions         = ["ap-northeast-1", "us-east-1", "sa-east-1"]
  allowed_regions = ["ap-northeast-1", "us-east-1"]
  alert_emails    = ["me@example.com"]
}

run "one_account_plays_every_role" {
  command = plan

  assert {
    condition     = output.trail_bucket_name == "cryptoguard-org-trail-111111111111"
    error_message = "the account's own trail bucket, named after it"
  }
}
