# terraform test: the spend kill switch (a Budget Action that attaches a deny-new-compute SCP), with a mocked
# provider.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

override_resource {
  target          = aws_organizations_policy.deny_new_compute
  override_during = plan
  values          = { id = "p-killswitch1", arn = "arn:aws:organizations::111111111111:policy/o-abcd/service_control_policy/p-killswitch1" }
}

variables {
  monthly_limit           = 20000
  targets                 = { workloads = "ou-abcd-12345678", sandbox = "222222222222" }
  notifications_topic_arn = "arn:aws:sns:us-east-1:111111111111:cost-alerts"
}

run "manual_approval_by_default_attaching_the_scp_to_the_targets" {
  command = plan

  assert {
    condition     = aws_budgets_budget_action.this.approval_model == "MANUAL" && aws_budgets_budget_action.this.action_type == "APPLY_SCP_POLICY"
    error_message = "a person approves by default"
  }
  assert {
    condition     = one(one(aws_budgets_budget_action.this.definition).scp_action_definition).target_ids == toset(["ou-abcd-12345678", "222222222222"])
    error_message = "the SCP goes to every target"
  }
  assert {
    condition     = one(aws_budgets_budget_action.this.action_threshold).action_threshold_value == 100 && aws_budgets_budget_action.this.notification_type == "ACTUAL"
    error_message = "at 100% of actual spend"
  }
  assert {
    condition     = aws_budgets_budget.this.limit_amount == "20000" && aws_budgets_budget.this.time_unit == "MONTHLY"
    error_message = "measured against the monthly limit"
  }
}

run "the_policy_denies_new_compute_but_not_to_break_glass_roles" {
  command = plan

  assert {
    condition     = length(aws_organizations_policy.deny_new_compute.content) <= 5120 && !strcontains(aws_organizations_policy.deny_new_compute.content, "\n")
    error_message = "minified and within the SCP limit"
  }
  assert {
    condition = alltrue([
      for a in ["ec2:RunInstances", "ec2:CreateFleet", "ec2:RequestSpotInstances", "ecs:RunTask", "ecs:RegisterTaskDefinition", "ecs:CreateService", "sagemaker:CreateTrainingJob"] :
      contains(jsondecode(aws_organizations_policy.deny_new_compute.content).Statement[0].Action, a)
    ])
    error_message = "new compute is denied"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_organizations_policy.deny_new_compute.content).Statement : s.Condition.ArnNotLike["aws:PrincipalARN"] == ["arn:aws:iam::*:role/OrganizationAccountAccessRole"]])
    error_message = "every statement exempts the break-glass roles"
  }
}

run "the_execution_role_is_for_budgets_and_this_account_only" {
  command = plan

  assert {
    condition     = one(one(data.aws_iam_policy_document.trust.statement).principals).identifiers == toset(["budgets.amazonaws.com"])
    error_message = "assumed by AWS Budgets"
  }
  assert {
    condition     = one(one(data.aws_iam_policy_document.trust.statement).condition).values == tolist(["111111111111"])
    error_message = "confused deputy: only this account's budget actions"
  }
  assert {
    condition     = contains(data.aws_iam_policy_document.execution.statement[0].resources, "arn:aws:organizations::111111111111:policy/o-abcd/service_control_policy/p-killswitch1")
    error_message = "the role attaches the kill switch policy"
  }
}

run "automatic_on_forecast_when_asked" {
  command = plan

  variables {
    approval_model    = "AUTOMATIC"
    notification_type = "FORECASTED"
    threshold_percent = 150
  }

  assert {
    condition     = aws_budgets_budget_action.this.approval_model == "AUTOMATIC" && aws_budgets_budget_action.this.notification_type == "FORECASTED"
    error_message = "automatic on forecast as asked"
  }
}

run "rejects_an_unknown_approval_model" {
  command = plan
  variables {
    approval_model = "SOMETIMES"
  }
  expect_failures = [var.approval_model]
}

run "rejects_a_forecast_typo" {
  command = plan
  variables {
    notification_type = "FORECAST"
  }
  expect_failures = [var.notification_type]
}

run "rejects_no_targets" {
  command = plan
  variables {
    targets = {}
  }
  expect_failures = [var.targets]
}

run "rejects_a_target_that_is_not_an_ou_or_account" {
  command = plan
  variables {
    targets = { root = "r-abcd" }
  }
  expect_failures = [var.targets]
}

run "rejects_no_break_glass_role" {
  command = plan
  variables {
    exempt_principal_arns = []
  }
  expect_failures = [var.exempt_principal_arns]
}

run "rejects_a_zero_limit" {
  command = plan
  variables {
    monthly_limit = 0
  }
  expect_failures = [var.monthly_limit]
}

run "rejects_a_zero_threshold" {
  command = plan
  variables {
    threshold_percent = 0
  }
  expect_failures = [var.threshold_percent]
}
