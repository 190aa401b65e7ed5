# terraform test: the canary (a scheduled DryRun detonation and the alarms on its outcome), with mocked providers.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}
mock_provider "archive" {}

variables {
  region                  = "sa-east-1"
  allowed_regions         = ["ap-northeast-1", "us-east-1"]
  notifications_topic_arn = "arn:aws:sns:ap-northeast-1:222222222222:cryptoguard-alerts"
}

run "a_daily_schedule_runs_the_canary_in_the_chosen_region" {
  command = plan

  assert {
    condition     = aws_scheduler_schedule.this.schedule_expression == "cron(0 9 * * ? *)" && one(aws_scheduler_schedule.this.flexible_time_window).mode == "OFF"
    error_message = "every day at 09:00, on time"
  }
  assert {
    condition     = one(one(aws_scheduler_schedule.this.target).retry_policy).maximum_retry_attempts == 0
    error_message = "one detonation per run"
  }
  assert {
    condition     = module.function.function_name == "cryptoguard-canary"
    error_message = "the role name the detection settings recognise"
  }
  assert {
    condition     = output.canary_principals == ["arn:aws:iam::*:role/cryptoguard-canary"]
    error_message = "the canary's principals, for the detection settings"
  }
}

run "the_canary_can_never_launch_anything" {
  command = plan

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.function.statement : s.effect == "Deny" && contains(s.actions, "ec2:RunInstances")])
    error_message = "RunInstances is denied outright: the DryRun answer is UnauthorizedOperation, logged all the same"
  }
  assert {
    condition     = !anytrue([for s in data.aws_iam_policy_document.function.statement : s.effect != "Deny" && anytrue([for a in s.actions : startswith(a, "ec2:") && a != "ec2:DescribeImages"])])
    error_message = "no EC2 permission but DescribeImages"
  }
}

run "a_missing_alert_and_a_failed_canary_alarm_to_the_topic" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.missed.metric_name == "CanaryAlertMissing" && aws_cloudwatch_metric_alarm.missed.namespace == "Cryptoguard" && aws_cloudwatch_metric_alarm.missed.alarm_actions == toset([var.notifications_topic_arn])
    error_message = "a missing alert alarms"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.failed.metric_name == "Errors" && aws_cloudwatch_metric_alarm.failed.alarm_actions == toset([var.notifications_topic_arn])
    error_message = "a failed canary alarms"
  }
}

run "region_must_be_a_region_name" {
  command = plan
  variables {
    region = "Brazil"
  }
  expect_failures = [var.region]
}

run "region_must_be_outside_the_allowed_ones" {
  command = plan
  variables {
    region = "us-east-1"
  }
  expect_failures = [var.region]
}

run "schedule_must_be_cron_or_rate" {
  command = plan
  variables {
    schedule_expression = "daily"
  }
  expect_failures = [var.schedule_expression]
}

run "expected_minutes_fit_one_invocation" {
  command = plan
  variables {
    expected_minutes = 20
  }
  expect_failures = [var.expected_minutes]
}
