# terraform test: budgets and Cost Anomaly Detection, with a mocked provider.

mock_provider "aws" {}

variables {
  notifications_topic_arn = "arn:aws:sns:us-east-1:111111111111:cost-alerts"
  monthly_budget          = 5000
  service_budgets = {
    ec2_other = { amount = 300, services = ["EC2 - Other", "Amazon Virtual Private Cloud"] }
  }
}

run "budgets_warn_on_actual_and_forecast_spend" {
  command = plan

  assert {
    condition     = aws_budgets_budget.this["total"].limit_amount == "5000" && length(aws_budgets_budget.this["total"].cost_filter) == 0
    error_message = "the total budget covers every service"
  }
  assert {
    condition     = [for n in aws_budgets_budget.this["total"].notification : n.notification_type] == ["ACTUAL", "FORECASTED"]
    error_message = "actual and forecast notifications"
  }
  assert {
    condition     = one(aws_budgets_budget.this["ec2_other"].cost_filter).name == "Service" && one(aws_budgets_budget.this["ec2_other"].cost_filter).values == tolist(["EC2 - Other", "Amazon Virtual Private Cloud"])
    error_message = "the service budget filters on its services"
  }
}

run "the_existing_service_monitor_is_reused_not_duplicated" {
  command = plan

  variables {
    anomaly = { existing_service_monitor_arn = "arn:aws:ce::111111111111:anomalymonitor/default" }
  }

  assert {
    condition     = length(aws_ce_anomaly_monitor.services) == 0
    error_message = "no second SERVICE monitor: an account holds one"
  }
  assert {
    condition     = contains(aws_ce_anomaly_subscription.this.monitor_arn_list, "arn:aws:ce::111111111111:anomalymonitor/default")
    error_message = "the subscription covers the existing monitor"
  }
  assert {
    condition     = aws_ce_anomaly_subscription.this.frequency == "IMMEDIATE"
    error_message = "SNS subscribers need IMMEDIATE"
  }
}

run "a_service_monitor_is_created_only_when_asked" {
  command = plan

  assert {
    condition     = length(aws_ce_anomaly_monitor.services) == 0
    error_message = "by default no SERVICE monitor is created (most accounts already have AWS's)"
  }
  assert {
    condition     = length(aws_ce_anomaly_monitor.network) == 1 && length(aws_ce_cost_category.network) == 1
    error_message = "the network monitor watches bandwidth and address spend"
  }
}

run "creating_one_on_request" {
  command = plan

  variables {
    anomaly = { create_service_monitor = true }
  }

  assert {
    condition     = aws_ce_anomaly_monitor.services[0].monitor_dimension == "SERVICE"
    error_message = "a SERVICE monitor when asked"
  }
}

run "budget_must_be_positive" {
  command = plan
  variables {
    monthly_budget = 0
  }
  expect_failures = [var.monthly_budget]
}

run "service_budgets_need_an_amount_and_services" {
  command = plan
  variables {
    service_budgets = { gpu = { amount = 100, services = [] } }
  }
  expect_failures = [var.service_budgets]
}

run "anomaly_thresholds_are_positive" {
  command = plan
  variables {
    anomaly = { absolute_threshold = 0 }
  }
  expect_failures = [var.anomaly]
}

run "one_service_monitor_per_account" {
  command = plan
  variables {
    anomaly = { create_service_monitor = true, existing_service_monitor_arn = "arn:aws:ce::111111111111:anomalymonitor/default" }
  }
  expect_failures = [var.anomaly]
}

run "the_subscription_needs_a_monitor" {
  command = plan
  variables {
    anomaly = { network_monitor = false }
  }
  expect_failures = [var.anomaly]
}
