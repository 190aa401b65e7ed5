# terraform test: the opt-in responder, with mocked providers.

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
  mode                      = "dry_run"
  alert_event_bus_name      = "cryptoguard-alerts"
  regions                   = ["ap-northeast-1", "us-east-1"]
  notifications_topic_arn   = "arn:aws:sns:ap-northeast-1:222222222222:alerts"
  notifications_kms_key_arn = "arn:aws:kms:ap-northeast-1:222222222222:key/alerts"
}

run "it_acts_only_on_alerts_at_or_above_the_minimum_severity" {
  command = plan

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.alerts.event_pattern).detail.severity == ["HIGH", "CRITICAL"]
    error_message = "HIGH and CRITICAL by default"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.alerts.event_bus_name == "cryptoguard-alerts"
    error_message = "alerts are taken from the alert bus"
  }
  assert {
    condition     = local.settings.mode == "dry_run"
    error_message = "the mode reaches the function"
  }
}

run "containment_is_limited_to_the_watched_regions_and_spares_allow_listed_resources" {
  command = plan

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.function.statement : anytrue([
        for c in s.condition : c.variable == "aws:ResourceTag/cryptoguard:allow" && c.test == "StringNotEquals"
      ]) if contains(["ContainInstances", "ContainAutoScalingGroups"], s.sid)
    ])
    error_message = "EC2 and Auto Scaling changes are forbidden on allow-listed resources"
  }
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.function.statement : anytrue([
        for c in s.condition : c.variable == "aws:RequestedRegion" && toset(c.values) == toset(var.regions)
      ]) if startswith(s.sid, "Contain")
    ])
    error_message = "containment only in the watched regions"
  }
}

run "member_accounts_only_inside_the_organisation" {
  command = plan

  variables {
    member_role_name = "cryptoguard-responder"
    organization_id  = "o-abc123defg"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.function.statement : anytrue([
        for c in s.condition : c.variable == "aws:ResourceOrgID" && c.values == tolist(["o-abc123defg"])
      ]) if s.sid == "ActInMemberAccounts"
    ])
    error_message = "the member role may be assumed only in the organisation's accounts"
  }
}

run "critical_only" {
  command = plan

  variables {
    min_severity = "CRITICAL"
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.alerts.event_pattern).detail.severity == ["CRITICAL"]
    error_message = "only CRITICAL"
  }
}

run "mode_must_be_off_dry_run_or_enforce" {
  command = plan
  variables {
    mode = "yolo"
  }
  expect_failures = [var.mode]
}

run "min_severity_must_be_a_severity" {
  command = plan
  variables {
    min_severity = "LOW"
  }
  expect_failures = [var.min_severity]
}

run "instance_action_must_be_stop_or_terminate" {
  command = plan
  variables {
    instance_action = "reboot"
  }
  expect_failures = [var.instance_action]
}
