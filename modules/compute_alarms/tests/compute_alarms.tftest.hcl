# terraform test: fleet alarms and the per-instance alarm provisioner, with mocked providers.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "444444444444" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}
mock_provider "archive" {}

variables {
  regions                 = ["ap-northeast-1", "us-east-1", "sa-east-1"]
  home_region             = "ap-northeast-1"
  notifications_topic_arn = "arn:aws:sns:ap-northeast-1:444444444444:alerts"
}

run "gpu_fleet_alarms_in_every_region" {
  command = plan

  assert {
    condition     = alltrue([for r in var.regions : aws_cloudwatch_metric_alarm.fleet_vcpus["${r}/EC2/G/OnDemand"].threshold == 8])
    error_message = "a GPU vCPU alarm in every region, at a handful of vCPUs"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.fleet_vcpus["sa-east-1/EC2/P/Spot"].dimensions == tomap({ Service = "EC2", Type = "Resource", Resource = "vCPU", Class = "P/Spot" })
    error_message = "AWS/Usage dimensions, no agent needed"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.fleet_jump) == 2 * 3
    error_message = "a jump alarm for standard on-demand and spot in every region"
  }
}

run "other_regions_forward_to_the_home_region" {
  command = plan

  assert {
    condition     = toset([for k, t in aws_cloudwatch_event_target.forward : t.region]) == toset(["us-east-1", "sa-east-1"])
    error_message = "every region but the home one forwards"
  }
  assert {
    condition     = alltrue([for t in aws_cloudwatch_event_target.forward : t.arn == "arn:aws:events:ap-northeast-1:444444444444:event-bus/default"])
    error_message = "to the home region's default bus"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.regional["us-east-1/instances"].event_pattern) == jsondecode(file("${path.module}/../../lambda_src/cryptoguard/data/patterns.json")).infrastructure.instance_state.pattern
    error_message = "instance events are matched with patterns.json's pattern"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.regional["sa-east-1/alarms"].event_pattern).detail.alarmName == [{ prefix = "cryptoguard-" }]
    error_message = "only this module's alarms are forwarded"
  }
}

run "state_changes_reach_the_provisioner_in_batches_through_a_queue" {
  command = plan

  assert {
    condition     = aws_lambda_event_source_mapping.state_changes.batch_size == 1000 && contains(aws_lambda_event_source_mapping.state_changes.function_response_types, "ReportBatchItemFailures")
    error_message = "batches of up to 1,000 state changes, failures retried one by one"
  }
  assert {
    condition     = aws_sqs_queue.state_changes.visibility_timeout_seconds == 6 * 300 + 20
    error_message = "the queue's visibility timeout follows the function timeout and batching window"
  }
  assert {
    condition     = aws_cloudwatch_event_target.provisioner.target_id == "provisioner-queue" && !contains(keys(aws_lambda_permission.events), "instances")
    error_message = "the instance rule feeds the queue, not the function directly"
  }
}

run "the_provisioner_gets_the_alarm_settings" {
  command = plan

  variables {
    instance_alarms = { cpu_threshold = 80 }
  }

  assert {
    condition     = local.alarm_settings.cpu_threshold == 80 && local.alarm_settings.regions == var.regions
    error_message = "thresholds reach the provisioner"
  }
}

run "name_must_fit_alarm_names" {
  command = plan
  variables {
    name = "Crypto Guard"
  }
  expect_failures = [var.name]
}

run "regions_must_be_region_names" {
  command = plan
  variables {
    regions = ["Tokyo"]
  }
  expect_failures = [var.regions]
}

run "regions_must_include_the_home_region" {
  command = plan
  variables {
    regions = ["us-east-1"]
  }
  expect_failures = [var.regions]
}

run "home_region_must_be_a_region_name" {
  command = plan
  variables {
    home_region = "home"
  }
  expect_failures = [var.home_region]
}

run "thresholds_are_percentages" {
  command = plan
  variables {
    instance_alarms = { gpu_threshold = 150 }
  }
  expect_failures = [var.instance_alarms]
}

run "durations_are_at_least_five_minutes" {
  command = plan
  variables {
    instance_alarms = { cpu_minutes = 1 }
  }
  expect_failures = [var.instance_alarms]
}

run "fleet_keys_name_service_class_and_purchase" {
  command = plan
  variables {
    fleet_vcpu_alarms = { "EC2-G" = { threshold = 8 } }
  }
  expect_failures = [var.fleet_vcpu_alarms]
}
