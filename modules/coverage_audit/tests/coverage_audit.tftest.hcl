# terraform test: the GuardDuty coverage audit (a scheduled, read-only function), with mocked providers.

mock_provider "aws" {}
mock_provider "archive" {}

variables {
  regions                   = ["ap-northeast-1", "us-east-1", "sa-east-1"]
  notifications_topic_arn   = "arn:aws:sns:ap-northeast-1:222222222222:cryptoguard-alerts"
  notifications_kms_key_arn = "arn:aws:kms:ap-northeast-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

run "a_daily_read_only_audit_of_every_region" {
  command = plan

  assert {
    condition     = aws_cloudwatch_event_rule.schedule.schedule_expression == "rate(1 day)"
    error_message = "daily by default"
  }
  assert {
    condition     = alltrue([for a in data.aws_iam_policy_document.function.statement[0].actions : can(regex("^(guardduty:(List|Get)|sts:GetCallerIdentity)", a))])
    error_message = "GuardDuty is only read"
  }
  assert {
    condition     = contains(data.aws_iam_policy_document.function.statement[0].actions, "guardduty:ListCoverage")
    error_message = "agent coverage is read"
  }
}

run "regions_must_be_region_names" {
  command = plan
  variables {
    regions = ["Tokyo"]
  }
  expect_failures = [var.regions]
}

run "schedule_must_be_cron_or_rate" {
  command = plan
  variables {
    schedule_expression = "daily"
  }
  expect_failures = [var.schedule_expression]
}
