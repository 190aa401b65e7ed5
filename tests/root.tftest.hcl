# terraform test of the root module: how the capabilities are wired, for an organisation and for a single
# account, with mocked providers. (The Python tests beside this file are pytest's.)

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

mock_provider "aws" {
  alias = "management"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
}

mock_provider "aws" {
  alias = "log_archive"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "333333333333" }
  }
}

mock_provider "archive" {}

variables {
  home_region     = "ap-northeast-1"
  regions         = ["ap-northeast-1", "us-east-1", "sa-east-1"]
  allowed_regions = ["ap-northeast-1", "us-east-1"]
  organization_id = "o-abc123defg"
  account_ids     = { security = "222222222222", management = "111111111111", log_archive = "333333333333" }
}

run "an_organisation_gets_every_capability_with_the_management_account_watched_too" {
  command = plan

  assert {
    condition     = length(module.guardduty) == 1 && length(module.cloudtrail) == 1 && length(module.detection) == 1 && length(module.region_watch) == 1
    error_message = "GuardDuty, the trail, detection and the region watch by default"
  }
  assert {
    condition     = length(module.coverage_audit) == 1
    error_message = "GuardDuty's coverage is audited whenever GuardDuty is on (read-only)"
  }
  assert {
    condition     = length(module.region_watch_management) == 1 && length(module.cost_notifications) == 1
    error_message = "the management account is watched and has its own cost topic"
  }
  assert {
    condition     = length(module.auto_response) == 0 && length(module.preventive) == 0
    error_message = "response and preventive guardrails are off until asked"
  }
  assert {
    condition     = output.response_mode == "off"
    error_message = "the responder is off by default"
  }
  assert {
    condition     = length(module.spend_kill_switch) == 0 && length(module.security_hub) == 0 && length(module.canary) == 0
    error_message = "the spend kill switch and the Security Hub import are off until asked"
  }
}

run "the_kill_switch_exempts_the_responders_member_role" {
  command = plan

  variables {
    cost          = { kill_switch = { enabled = true, monthly_limit = 50000, targets = { workloads = "ou-abcd-12345678" } } }
    auto_response = { mode = "dry_run", member_role_name = "cryptoguard-responder" }
  }

  assert {
    condition     = strcontains(module.spend_kill_switch[0].policy_content, "arn:aws:iam::*:role/cryptoguard-responder")
    error_message = "the responder keeps containing what runs while the switch is on"
  }
}

run "security_hub_import_gets_the_alert_bus" {
  command = plan

  variables {
    security_hub = { enabled = true }
  }

  assert {
    condition     = length(module.security_hub) == 1 && module.detection[0].alert_event_bus_name != null
    error_message = "the import reads the alert bus, which detection then creates"
  }
  assert {
    condition     = length(module.auto_response) == 0
    error_message = "the responder stays off"
  }
}

run "the_canary_detonates_outside_the_allowed_regions_and_detection_knows_it" {
  command = plan

  variables {
    canary = { enabled = true, region = "sa-east-1" }
  }

  assert {
    condition     = length(module.canary) == 1 && length(output.canary_alarm_names) == 2
    error_message = "the canary and its alarms"
  }
  assert {
    condition     = module.canary[0].canary_principals == ["arn:aws:iam::*:role/cryptoguard-canary"]
    error_message = "detection is told the canary's role, so its alerts are labelled and page nobody"
  }
}

run "the_canary_needs_a_watched_region" {
  command = plan
  variables {
    canary = { enabled = true, region = "af-south-1" }
  }
  expect_failures = [var.canary]
}

run "the_kill_switch_needs_a_limit_and_targets" {
  command = plan
  variables {
    cost = { kill_switch = { enabled = true } }
  }
  expect_failures = [var.cost]
}

run "a_single_account_plays_every_role" {
  command = plan

  variables {
    organization_id = null
    account_ids     = { security = "222222222222" }
  }

  assert {
    condition     = length(module.region_watch_management) == 0 && length(module.cost_notifications) == 0
    error_message = "no second watch or cost topic in the same account"
  }
}

run "it_plans_inside_a_landing_zone_that_creates_its_targets_in_the_same_run" {
  command = plan

  module {
    source = "./tests/terraform/fixtures/landing_zone"
  }

  assert {
    condition     = length(output.scp_ids) == 1
    error_message = "planned with depends_on and an OU whose id is unknown"
  }
}

run "name_is_lowercase_and_short" {
  command = plan
  variables {
    name = "CryptoGuard"
  }
  expect_failures = [var.name]
}

run "regions_are_region_names" {
  command = plan
  variables {
    regions = ["ap-northeast-1", "us-east-1", "Tokyo"]
  }
  expect_failures = [var.regions]
}

run "regions_include_the_home_region" {
  command = plan
  variables {
    regions = ["us-east-1", "sa-east-1"]
  }
  expect_failures = [var.regions]
}

run "regions_include_us_east_1_where_global_services_log" {
  command = plan
  variables {
    regions = ["ap-northeast-1", "sa-east-1"]
  }
  expect_failures = [var.regions]
}

run "home_region_is_a_region_name" {
  command = plan
  variables {
    home_region = "tokyo"
  }
  expect_failures = [var.home_region]
}

run "account_ids_have_12_digits" {
  command = plan
  variables {
    account_ids = { security = "2222" }
  }
  expect_failures = [var.account_ids]
}

run "allowed_regions_are_region_names" {
  command = plan
  variables {
    allowed_regions = ["Tokyo"]
  }
  expect_failures = [var.allowed_regions]
}

run "organization_id_looks_like_one" {
  command = plan
  variables {
    organization_id = "org"
  }
  expect_failures = [var.organization_id]
}

run "response_mode_is_off_dry_run_or_enforce" {
  command = plan
  variables {
    auto_response = { mode = "on" }
  }
  expect_failures = [var.auto_response]
}
