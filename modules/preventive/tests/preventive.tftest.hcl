# terraform test: SCPs, the organisation-wide EC2 declarative policy and the account's EC2 defaults,
# with a mocked provider.

mock_provider "aws" {}

variables {
  allowed_regions = ["ap-northeast-1", "us-east-1"]
  scps = {
    deny_unused_regions        = { enabled = true, targets = { workloads = "ou-abcd-workloads" } }
    deny_accelerated_instances = { enabled = true, targets = { workloads = "ou-abcd-workloads", sandbox = "ou-abcd-sandbox" } }
  }
}

run "policies_are_rendered_minified_and_attached_by_label" {
  command = plan

  assert {
    condition     = toset(keys(aws_organizations_policy.this)) == toset(["deny_unused_regions", "deny_accelerated_instances"])
    error_message = "only the enabled SCPs"
  }
  assert {
    condition     = alltrue([for p in aws_organizations_policy.this : length(p.content) <= 5120 && !strcontains(p.content, "\n")])
    error_message = "minified and within the 5,120-character SCP limit"
  }
  assert {
    condition     = toset(keys(aws_organizations_policy_attachment.this)) == toset(["deny_unused_regions/workloads", "deny_accelerated_instances/workloads", "deny_accelerated_instances/sandbox"])
    error_message = "attachments are keyed by the static labels"
  }
}

run "region_deny_exempts_control_towers_global_services_and_this_projects_roles" {
  command = plan

  assert {
    condition = alltrue([
      for a in ["chatbot:*", "billing:*", "sso:*", "iam:*", "sts:*", "organizations:*", "support:*", "cloudfront:*", "route53:*", "budgets:*", "ce:*"] :
      contains(jsondecode(aws_organizations_policy.this["deny_unused_regions"].content).Statement[0].NotAction, a)
    ])
    error_message = "global services stay usable from every region"
  }
  assert {
    condition     = contains(jsondecode(aws_organizations_policy.this["deny_unused_regions"].content).Statement[0].Condition.ArnNotLike["aws:PrincipalARN"], "arn:aws:iam::*:role/cryptoguard-*")
    error_message = "this project's roles act in every region (region watch, responder)"
  }
  assert {
    condition     = tolist(jsondecode(aws_organizations_policy.this["deny_unused_regions"].content).Statement[0].Condition.StringNotEquals["aws:RequestedRegion"]) == var.allowed_regions
    error_message = "only the allowed regions are open"
  }
}

run "ec2_defaults_for_the_whole_organisation" {
  command = plan

  variables {
    ec2_declarative_policy = {
      enabled      = true
      targets      = { root = "r-abcd" }
      allowed_amis = { state = "audit_mode" }
    }
  }

  assert {
    condition     = aws_organizations_policy.ec2[0].type == "DECLARATIVE_POLICY_EC2"
    error_message = "a declarative policy for EC2"
  }
  assert {
    condition     = jsondecode(aws_organizations_policy.ec2[0].content).ec2_attributes.instance_metadata_defaults.http_tokens["@@assign"] == "required"
    error_message = "IMDSv2 required in every account"
  }
  assert {
    condition     = jsondecode(aws_organizations_policy.ec2[0].content).ec2_attributes.allowed_images_settings.state["@@assign"] == "audit_mode"
    error_message = "Allowed AMIs as asked"
  }
  assert {
    condition     = aws_organizations_policy_attachment.ec2["root"].target_id == "r-abcd"
    error_message = "attached to the targets"
  }
}

run "an_ou_created_in_the_same_run_can_be_targeted" {
  command = plan

  module {
    source = "./tests/same_run_ou"
  }

  assert {
    condition     = length(module.preventive.policy_ids) == 1
    error_message = "the SCP plans even though its target's id is unknown"
  }
}

run "account_ec2_defaults_in_each_region" {
  command = plan

  variables {
    ec2_defaults = { regions = ["ap-northeast-1", "us-east-1"], allowed_amis = { state = "audit-mode" } }
  }

  assert {
    condition     = toset(keys(aws_ec2_instance_metadata_defaults.this)) == toset(["ap-northeast-1", "us-east-1"]) && aws_ec2_instance_metadata_defaults.this["us-east-1"].http_tokens == "required"
    error_message = "IMDSv2 default in each region"
  }
  assert {
    condition     = aws_ec2_allowed_images_settings.this["ap-northeast-1"].state == "audit-mode"
    error_message = "Allowed AMIs in audit mode"
  }
}

run "region_deny_needs_allowed_regions_and_an_exempt_role" {
  command = plan
  variables {
    allowed_regions = []
  }
  expect_failures = [var.scps]
}

run "iam_user_deny_needs_a_break_glass_role" {
  command = plan
  variables {
    scps = { deny_iam_users = { enabled = true, targets = { all = "r-abcd" }, break_glass_principal_arns = [] } }
  }
  expect_failures = [var.scps]
}

run "an_enabled_scp_needs_targets" {
  command = plan
  variables {
    scps = { deny_public_lambda_urls = { enabled = true } }
  }
  expect_failures = [var.scps]
}

run "allowed_amis_state_for_the_account" {
  command = plan
  variables {
    ec2_defaults = { allowed_amis = { state = "on" } }
  }
  expect_failures = [var.ec2_defaults]
}

run "allowed_amis_state_for_the_organisation" {
  command = plan
  variables {
    ec2_declarative_policy = { allowed_amis = { state = "audit-mode" } }
  }
  expect_failures = [var.ec2_declarative_policy]
}

run "declarative_policy_needs_targets" {
  command = plan
  variables {
    ec2_declarative_policy = { enabled = true }
  }
  expect_failures = [var.ec2_declarative_policy]
}

run "declarative_policy_must_set_something" {
  command = plan
  variables {
    ec2_declarative_policy = { enabled = true, targets = { root = "r-abcd" }, require_imdsv2 = false }
  }
  expect_failures = [var.ec2_declarative_policy]
}

run "protection_tags_need_a_role_that_may_still_set_them" {
  command = plan
  variables {
    scps = { deny_protection_tags = { enabled = true, targets = { all = "r-abcd" } } }
  }
  expect_failures = [var.scps]
}

run "protection_tags_are_reserved_to_the_named_roles" {
  command = plan

  variables {
    scps = { deny_protection_tags = { enabled = true, targets = { all = "r-abcd" }, exempt_principal_arns = ["arn:aws:iam::*:role/platform-admin"] } }
  }

  assert {
    condition     = jsondecode(aws_organizations_policy.this["deny_protection_tags"].content).Statement[0].Condition["ForAnyValue:StringEquals"]["aws:TagKeys"] == ["cryptoguard:allow", "cryptoguard:alarms"]
    error_message = "the allow-list and alarm opt-out keys are reserved"
  }
}
