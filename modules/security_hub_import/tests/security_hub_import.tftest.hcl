# terraform test: the Security Hub import (alert bus -> function -> BatchImportFindings), with mocked providers.

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
}
mock_provider "archive" {}

variables {
  alert_event_bus_name = "cryptoguard-alerts"
}

run "every_alert_on_the_bus_goes_to_the_function_with_retries_and_a_dead_letter_queue" {
  command = plan

  assert {
    condition     = aws_cloudwatch_event_rule.alerts.event_bus_name == "cryptoguard-alerts" && jsondecode(aws_cloudwatch_event_rule.alerts.event_pattern)["detail-type"] == ["Cryptoguard Alert"]
    error_message = "the rule takes the alerts from the alert bus"
  }
  assert {
    condition     = one(aws_cloudwatch_event_target.alerts.retry_policy).maximum_retry_attempts > 0 && length(aws_cloudwatch_event_target.alerts.dead_letter_config) == 1
    error_message = "a failed import is retried, then kept where a person sees it"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.archive.schedule_expression == "rate(1 hour)"
    error_message = "closed incidents are archived every hour"
  }
}

run "the_function_imports_only_under_its_own_accounts_default_product" {
  command = plan

  assert {
    condition     = data.aws_iam_policy_document.function.statement[0].resources == toset(["arn:aws:securityhub:ap-northeast-1:222222222222:product/222222222222/default"])
    error_message = "BatchImportFindings on this account's default product only"
  }
  assert {
    condition     = output.product_arn == "arn:aws:securityhub:ap-northeast-1:222222222222:product/222222222222/default"
    error_message = "the product ARN to filter on"
  }
}

run "needs_the_alert_bus" {
  command = plan
  variables {
    alert_event_bus_name = ""
  }
  expect_failures = [var.alert_event_bus_name]
}
