# terraform test: the regional rules come from the pattern file, with a mocked provider.

mock_provider "aws" {}

variables {
  regions               = ["us-east-1", "ap-northeast-1", "sa-east-1"]
  allowed_regions       = ["ap-northeast-1"]
  central_event_bus_arn = "arn:aws:events:ap-northeast-1:222222222222:event-bus/cryptoguard-central"
}

run "rules_follow_each_patterns_scope" {
  command = plan

  assert {
    condition = alltrue([
      for name, p in local.catalogue.patterns : alltrue([
        for region in var.regions : contains(keys(aws_cloudwatch_event_rule.watch), "${region}/${name}") == (
          p.scope == "every_region" || (p.scope == "global" && region == "us-east-1") ||
          (p.scope == "unused_regions" && !contains(var.allowed_regions, region))
        )
      ])
    ])
    error_message = "a rule exists exactly where its pattern's scope applies"
  }
  assert {
    condition = alltrue([
      for k, r in aws_cloudwatch_event_rule.watch :
      jsondecode(r.event_pattern) == (can(local.catalogue.patterns[split("/", k)[1]].pattern.detail.severity) ? jsondecode(r.event_pattern) : local.catalogue.patterns[split("/", k)[1]].pattern)
    ])
    error_message = "each rule's pattern is the data file's pattern, unchanged"
  }
  assert {
    condition     = alltrue([for k, r in aws_cloudwatch_event_rule.watch : r.state == (local.catalogue.patterns[split("/", k)[1]].read_only ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" : "ENABLED")])
    error_message = "read-only patterns need the state that lets read-only management events through"
  }
  assert {
    condition     = alltrue([for k, r in aws_cloudwatch_event_rule.watch : length(r.event_pattern) <= 4096])
    error_message = "every pattern within EventBridge's 4,096 characters"
  }
  assert {
    condition     = alltrue([for k, t in aws_cloudwatch_event_target.central : t.arn == var.central_event_bus_arn && t.region == aws_cloudwatch_event_rule.watch[k].region])
    error_message = "every rule forwards to the central bus from its own region"
  }
}

run "guardduty_rules_carry_the_severity_threshold" {
  command = plan

  variables {
    guardduty_severity_threshold = 8
  }

  assert {
    condition = alltrue([
      for k, r in aws_cloudwatch_event_rule.watch : jsondecode(r.event_pattern).detail.severity == [{ numeric = [">=", 8] }]
      if can(local.catalogue.patterns[split("/", k)[1]].pattern.detail.severity)
    ])
    error_message = "the threshold replaces the data file's severity"
  }
}

run "no_unused_region_rules_without_allowed_regions" {
  command = plan

  variables {
    allowed_regions = []
  }

  assert {
    condition     = !anytrue([for k, r in aws_cloudwatch_event_rule.watch : local.catalogue.patterns[split("/", k)[1]].scope == "unused_regions"])
    error_message = "unused-region rules need allowed_regions"
  }
}

run "regions_must_be_region_names" {
  command = plan
  variables {
    regions = []
  }
  expect_failures = [var.regions]
}

run "allowed_regions_must_be_region_names" {
  command = plan
  variables {
    allowed_regions = ["Tokyo"]
  }
  expect_failures = [var.allowed_regions]
}

run "central_bus_must_be_an_event_bus_arn" {
  command = plan
  variables {
    central_event_bus_arn = "cryptoguard-central"
  }
  expect_failures = [var.central_event_bus_arn]
}

run "severity_threshold_is_a_guardduty_severity" {
  command = plan
  variables {
    guardduty_severity_threshold = 0
  }
  expect_failures = [var.guardduty_severity_threshold]
}
