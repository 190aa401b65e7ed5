# terraform test: the complete example plans for a four-account organisation, with mocked providers.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { region = "ap-northeast-1" }
  }
  # The central bus's ARN is known at plan, so the member accounts' rules can name it.
  mock_resource "aws_cloudwatch_event_bus" {
    override_during = plan
    defaults        = { arn = "arn:aws:events:ap-northeast-1:222222222222:event-bus/cryptoguard-central" }
  }
}
mock_provider "aws" {
  alias = "management"
}
mock_provider "aws" {
  alias = "log_archive"
}
mock_provider "aws" {
  alias = "workloads"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "444444444444" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}
mock_provider "archive" {}

variables {
  organization_id        = "o-abc123defg"
  management_account_id  = "111111111111"
  security_account_id    = "222222222222"
  log_archive_account_id = "333333333333"
  workload_account_id    = "444444444444"
  regions                = ["ap-northeast-1", "us-east-1", "sa-east-1"]
  allowed_regions        = ["ap-northeast-1", "us-east-1"]
  alert_emails           = ["security@example.com"]
}

run "the_organisation_and_one_workload_account_plan" {
  command = plan

  assert {
    condition     = contains(module.workload_region_watch.watched_patterns["sa-east-1"], "unused_region_activity")
    error_message = "the workload account watches its unused regions"
  }
  assert {
    condition     = output.central_event_bus_arn == "arn:aws:events:ap-northeast-1:222222222222:event-bus/cryptoguard-central"
    error_message = "workload accounts forward to the security account's central bus"
  }
}
