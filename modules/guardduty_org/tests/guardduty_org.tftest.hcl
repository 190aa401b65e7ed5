# terraform test: the GuardDuty plan for an organisation, with mocked providers (no AWS account needed).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

mock_provider "aws" {
  alias = "management"
}

variables {
  regions     = ["ap-northeast-1", "us-east-1", "sa-east-1"]
  home_region = "ap-northeast-1"
}

run "every_region_gets_a_detector_and_every_protection_plan" {
  command = plan

  assert {
    condition     = toset(keys(aws_guardduty_detector.this)) == toset(var.regions)
    error_message = "one detector per region"
  }
  assert {
    condition     = alltrue([for d in aws_guardduty_detector.this : d.enable && d.finding_publishing_frequency == "FIFTEEN_MINUTES"])
    error_message = "detectors enabled, publishing every 15 minutes"
  }
  assert {
    condition     = toset(keys(aws_guardduty_organization_admin_account.this)) == toset(var.regions)
    error_message = "the delegated administrator is designated in every region"
  }
  assert {
    condition     = alltrue([for r in aws_guardduty_organization_admin_account.this : r.admin_account_id == "222222222222"])
    error_message = "the designated administrator is the security account"
  }
  assert {
    condition     = alltrue([for c in aws_guardduty_organization_configuration.this : c.auto_enable_organization_members == "ALL"])
    error_message = "members are enabled automatically"
  }
  assert {
    condition     = length(aws_guardduty_organization_configuration_feature.this) == 3 * 6
    error_message = "six organisation features in each of three regions"
  }
  assert {
    condition     = length(aws_guardduty_detector_feature.this) == 3 * 5
    error_message = "five detector features per region (RDS_LOGIN_EVENTS is organisation-only)"
  }
}

run "runtime_monitoring_manages_all_three_agents_in_every_region_in_guardduty_order" {
  command = plan

  assert {
    condition = alltrue([
      for region in var.regions :
      [for c in aws_guardduty_organization_configuration_feature.this["${region}/RUNTIME_MONITORING"].additional_configuration : c.name]
      == ["ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT", "EKS_ADDON_MANAGEMENT"]
    ])
    error_message = "the organisation feature's list must be in the order GuardDuty returns, or every plan shows a diff"
  }
  assert {
    condition = alltrue([
      for region in var.regions : alltrue([
        for c in aws_guardduty_organization_configuration_feature.this["${region}/RUNTIME_MONITORING"].additional_configuration : c.auto_enable == "ALL"
      ])
    ])
    error_message = "agent management auto-enabled for every member"
  }
  assert {
    condition = alltrue([
      for region in var.regions : alltrue([
        for c in aws_guardduty_detector_feature.this["${region}/RUNTIME_MONITORING"].additional_configuration : c.status == "ENABLED"
      ])
    ])
    error_message = "agent management enabled on the administrator's own detector"
  }
  assert {
    condition     = !contains([for k, f in aws_guardduty_organization_configuration_feature.this : f.name], "EKS_RUNTIME_MONITORING")
    error_message = "EKS_RUNTIME_MONITORING must not be enabled beside RUNTIME_MONITORING"
  }
}

run "an_agent_switched_off_is_none_for_members_and_disabled_on_the_detector" {
  command = plan

  variables {
    protection = { runtime_monitoring = { ec2_agent_management = false } }
  }

  assert {
    condition     = [for c in aws_guardduty_organization_configuration_feature.this["sa-east-1/RUNTIME_MONITORING"].additional_configuration : c.auto_enable] == ["ALL", "NONE", "ALL"]
    error_message = "only EC2 agent management is off"
  }
  assert {
    condition     = [for c in aws_guardduty_detector_feature.this["sa-east-1/RUNTIME_MONITORING"].additional_configuration : c.status if c.name == "EC2_AGENT_MANAGEMENT"] == ["DISABLED"]
    error_message = "EC2 agent management disabled on the detector"
  }
}

run "findings_are_exported_from_every_region_to_one_encrypted_bucket" {
  command = plan

  assert {
    condition     = toset(keys(aws_guardduty_publishing_destination.this)) == toset(var.regions)
    error_message = "a publishing destination per region"
  }
  assert {
    condition     = length(aws_s3_bucket.export) == 1 && aws_s3_bucket.export[0].bucket == "cryptoguard-guardduty-findings-222222222222"
    error_message = "one export bucket, named after the administrator account"
  }
}

run "a_standalone_account_manages_only_its_own_detectors" {
  command = plan

  variables {
    organization = false
  }

  assert {
    condition     = length(aws_guardduty_organization_admin_account.this) == 0 && length(aws_guardduty_organization_configuration_feature.this) == 0
    error_message = "no organisation resources without an organisation"
  }
  assert {
    condition     = length(aws_guardduty_detector.this) == 3
    error_message = "detectors still in every region"
  }
}

run "direct_notification_rules_in_every_region_forward_to_the_home_region" {
  command = plan

  variables {
    notifications_topic_arn = "arn:aws:sns:ap-northeast-1:222222222222:alerts"
    severity_threshold      = 8
  }

  assert {
    condition     = toset(keys(aws_cloudwatch_event_rule.findings)) == toset(var.regions)
    error_message = "a findings rule in every region"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.findings["sa-east-1"].event_pattern)["$or"][1].detail.severity[0].numeric == [">=", 8]
    error_message = "the severity threshold is in the pattern"
  }
}

# ---- every validation rejects what it should -------------------------------------------------------------

run "regions_must_be_region_names" {
  command = plan
  variables {
    regions = ["tokyo"]
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
    regions     = ["home"]
  }
  expect_failures = [var.home_region]
}

run "auto_enable_must_be_all_new_or_none" {
  command = plan
  variables {
    auto_enable_organization_members = "SOME"
  }
  expect_failures = [var.auto_enable_organization_members]
}

run "publishing_frequency_must_be_a_guardduty_value" {
  command = plan
  variables {
    finding_publishing_frequency = "HOURLY"
  }
  expect_failures = [var.finding_publishing_frequency]
}

run "exported_findings_are_kept_at_least_90_days" {
  command = plan
  variables {
    findings_export = { retention_days = 30 }
  }
  expect_failures = [var.findings_export]
}

run "severity_threshold_is_a_guardduty_severity" {
  command = plan
  variables {
    severity_threshold = 11
  }
  expect_failures = [var.severity_threshold]
}
