# terraform test: central bus, queue, state table and detection function, with mocked providers.

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
  # Known at plan, so the redrive policy that names the dead-letter queue can be read.
  mock_resource "aws_sqs_queue" {
    override_during = plan
    defaults        = { arn = "arn:aws:sqs:ap-northeast-1:222222222222:cryptoguard-detect-dlq" }
  }
}
mock_provider "archive" {}

variables {
  notifications_topic_arn   = "arn:aws:sns:ap-northeast-1:222222222222:cryptoguard-alerts"
  notifications_kms_key_arn = "arn:aws:kms:ap-northeast-1:222222222222:key/alerts"
  organization_id           = "o-abc123defg"
}

run "the_central_rule_takes_its_pattern_from_the_data_file_and_sees_read_only_events" {
  command = plan

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.detect.event_pattern) == jsondecode(file("${path.module}/../../lambda_src/cryptoguard/data/patterns.json")).infrastructure.central.pattern
    error_message = "the central rule's pattern is patterns.json's"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.detect.state == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    error_message = "forwarded read-only events (quota recon) reach a custom bus's rule only in this state"
  }
}

run "concurrency_is_bounded_by_the_event_source_without_reserving_any" {
  command = plan

  assert {
    condition     = one(aws_lambda_event_source_mapping.detect.scaling_config).maximum_concurrency == 5
    error_message = "the event source bounds concurrency"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.detect.batch_size == 1000 && aws_lambda_event_source_mapping.detect.maximum_batching_window_in_seconds == 30
    error_message = "bursts arrive as one batch"
  }
  assert {
    condition     = contains(aws_lambda_event_source_mapping.detect.function_response_types, "ReportBatchItemFailures")
    error_message = "partial batch failures are reported, so one bad event never retries the batch"
  }
}

run "the_queue_visibility_timeout_follows_the_function_timeout" {
  command = plan

  variables {
    timeout_seconds         = 200
    batching_window_seconds = 20
  }

  assert {
    condition     = aws_sqs_queue.detect.visibility_timeout_seconds == 6 * 200 + 20
    error_message = "six times the function timeout plus the batching window, as AWS advises"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.detect.redrive_policy).maxReceiveCount == 5
    error_message = "bounded retries before the dead-letter queue"
  }
}

run "the_organisation_may_forward_to_the_central_bus" {
  command = plan

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.bus.statement : anytrue([
        for c in s.condition : c.variable == "aws:PrincipalOrgID" && c.values == tolist(["o-abc123defg"])
      ]) if s.sid == "OrganizationForwards"
    ])
    error_message = "forwarding is limited to the organisation"
  }
}

run "the_central_bus_takes_only_forwarded_aws_service_events" {
  command = plan

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.bus.statement : s.effect == "Deny" && anytrue([
        for c in s.condition : c.test == "StringNotLike" && c.variable == "events:source" && c.values == tolist(["aws.*"])
      ])
    ])
    error_message = "events whose source is not an AWS service are denied, to every principal"
  }
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.bus.statement : s.effect == "Deny" && anytrue([
        for c in s.condition : c.variable == "events:detail-type" && toset(c.values) == toset(["AWS API Call via CloudTrail", "GuardDuty Finding"])
      ])
    ])
    error_message = "only the detail-types patterns.json forwards"
  }
}

run "alerts_travel_on_a_bus_only_the_detection_function_writes_to" {
  command = plan

  variables {
    emit_alerts = true
  }

  assert {
    condition     = module.function.function_name == "cryptoguard-detect" && aws_cloudwatch_event_bus.alerts[0].name == "cryptoguard-alerts"
    error_message = "an alert bus of its own"
  }
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.alerts_bus[0].statement : s.effect == "Deny" && anytrue([
        for c in s.condition : c.test == "ArnNotEquals" && c.variable == "aws:PrincipalArn" && c.values == tolist(["arn:aws:iam::222222222222:role/cryptoguard-detect"])
      ])
    ])
    error_message = "every principal but the detection function's role is denied PutEvents"
  }
  assert {
    condition     = output.alert_event_bus_name == "cryptoguard-alerts"
    error_message = "the responder is given the alert bus, not the central one"
  }
}

run "no_alert_bus_without_a_responder" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_event_bus.alerts) == 0 && output.alert_event_bus_name == null
    error_message = "the alert bus exists only for the responder"
  }
}

run "user_data_is_read_back_through_the_member_role_when_asked" {
  command = plan

  variables {
    organization_id      = "o-abcdefghij"
    enrichment_role_name = "cryptoguard-enrichment"
  }

  assert {
    condition     = local.function_environment["ENRICHMENT_ROLE_NAME"] == "cryptoguard-enrichment"
    error_message = "the function is told the role's name"
  }
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.function.statement : s.sid == "ReadUserDataInMemberAccounts" && s.resources == toset(["arn:aws:iam::*:role/cryptoguard-enrichment"]) && anytrue([
        for c in s.condition : c.variable == "aws:ResourceOrgID" && c.values == tolist(["o-abcdefghij"])
      ])
    ])
    error_message = "the function may assume only that role, only inside the organisation"
  }
  assert {
    condition     = output.function_role_arn == "arn:aws:iam::222222222222:role/cryptoguard-detect"
    error_message = "the role the member accounts' enrichment role trusts"
  }
}

run "no_enrichment_unless_asked" {
  command = plan

  assert {
    condition     = !contains(keys(local.function_environment), "ENRICHMENT_ROLE_NAME") && !anytrue([for s in data.aws_iam_policy_document.function.statement : s.sid == "ReadUserDataInMemberAccounts"])
    error_message = "off by default: no role name, no AssumeRole"
  }
}

run "enrichment_role_name_must_be_a_role_name" {
  command = plan
  variables {
    enrichment_role_name = "not a role"
  }
  expect_failures = [var.enrichment_role_name]
}

run "name_must_fit_the_resource_names" {
  command = plan
  variables {
    name = "Crypto Guard"
  }
  expect_failures = [var.name]
}

run "organization_id_must_look_like_one" {
  command = plan
  variables {
    organization_id = "org"
  }
  expect_failures = [var.organization_id]
}

run "settings_are_not_negative" {
  command = plan
  variables {
    settings = { max_asg_size = -1 }
  }
  expect_failures = [var.settings]
}

run "count_settings_are_whole_numbers" {
  command = plan
  variables {
    settings = { max_asg_size = 2.5 }
  }
  expect_failures = [var.settings]
}

run "severity_threshold_is_a_guardduty_severity" {
  command = plan
  variables {
    settings = { guardduty_severity_threshold = 12 }
  }
  expect_failures = [var.settings]
}

run "list_settings_hold_no_empty_strings" {
  command = plan
  variables {
    settings = { allowlisted_principals = [""] }
  }
  expect_failures = [var.settings]
}

run "batch_size_within_the_event_source_limit" {
  command = plan
  variables {
    batch_size = 20000
  }
  expect_failures = [var.batch_size]
}

run "batching_window_within_limits" {
  command = plan
  variables {
    batching_window_seconds = 600
  }
  expect_failures = [var.batching_window_seconds]
}

run "maximum_concurrency_within_sqs_limits" {
  command = plan
  variables {
    maximum_concurrency = 1
  }
  expect_failures = [var.maximum_concurrency]
}

run "reserved_concurrency_at_least_the_event_source_maximum" {
  command = plan
  variables {
    reserved_concurrency = 3
  }
  expect_failures = [var.reserved_concurrency]
}

run "timeout_within_lambda_limits" {
  command = plan
  variables {
    timeout_seconds = 1200
  }
  expect_failures = [var.timeout_seconds]
}

run "max_receive_count_within_limits" {
  command = plan
  variables {
    max_receive_count = 0
  }
  expect_failures = [var.max_receive_count]
}

run "log_retention_is_a_cloudwatch_value" {
  command = plan
  variables {
    log_retention_days = 100
  }
  expect_failures = [var.log_retention_days]
}
