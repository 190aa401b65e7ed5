# Budgets and Cost Explorer are global APIs: apply this module in the management account (organisation-wide
# spend) or in a member account (its own spend). Cost data lags by hours: this is the safety net behind the
# minute-scale detections, and the one that cannot be evaded.

locals {
  budgets = merge(
    { total = { amount = var.monthly_budget, services = [] } },
    var.service_budgets,
  )
  notifications = [
    { type = "ACTUAL", threshold = var.actual_threshold_percent },
    { type = "FORECASTED", threshold = var.forecast_threshold_percent },
  ]
}

resource "aws_budgets_budget" "this" {
  for_each = local.budgets

  name         = "${var.name}-${replace(each.key, "_", "-")}"
  budget_type  = "COST"
  limit_amount = tostring(each.value.amount)
  limit_unit   = var.currency
  time_unit    = "MONTHLY"

  dynamic "cost_filter" {
    for_each = length(each.value.services) > 0 ? [each.value.services] : []
    content {
      name   = "Service"
      values = cost_filter.value
    }
  }

  dynamic "notification" {
    for_each = local.notifications
    content {
      comparison_operator       = "GREATER_THAN"
      notification_type         = notification.value.type
      threshold                 = notification.value.threshold
      threshold_type            = "PERCENTAGE"
      subscriber_sns_topic_arns = [var.notifications_topic_arn]
    }
  }

  tags = var.tags
}

# Created only when asked: a second SERVICE monitor fails in the many accounts where AWS made one already.
resource "aws_ce_anomaly_monitor" "services" {
  count = var.anomaly.create_service_monitor ? 1 : 0

  name              = "${var.name}-services"
  monitor_type      = "DIMENSIONAL"
  monitor_dimension = "SERVICE"
  tags              = var.tags
}

resource "aws_ce_anomaly_monitor" "accounts" {
  count = length(var.anomaly.linked_accounts) > 0 ? 1 : 0

  name         = "${var.name}-linked-accounts"
  monitor_type = "CUSTOM"
  monitor_specification = jsonencode({
    Dimensions = { Key = "LINKED_ACCOUNT", Values = var.anomaly.linked_accounts, MatchOptions = null }
    And        = null, Or = null, Not = null, CostCategories = null, Tags = null
  })
  tags = var.tags
}

# Bandwidth and address "mining" (seed 004) hides in EC2-Other and VPC: split those charges out, so that an
# anomaly in them is not averaged away inside a large EC2 bill.
resource "aws_ce_cost_category" "network" {
  count = var.anomaly.network_monitor ? 1 : 0

  name          = "${var.name}-network"
  rule_version  = "CostCategoryExpression.v1"
  default_value = "Other"

  rule {
    value = "PublicIPv4"
    rule {
      dimension {
        key           = "USAGE_TYPE"
        values        = ["PublicIPv4"]
        match_options = ["CONTAINS"]
      }
    }
  }

  rule {
    value = "DataTransferOut"
    rule {
      dimension {
        key           = "USAGE_TYPE"
        values        = ["DataTransfer-Out", "DataTransfer-Regional", "CloudFront-Out"]
        match_options = ["CONTAINS"]
      }
    }
  }

  tags = var.tags
}

resource "aws_ce_anomaly_monitor" "network" {
  count = var.anomaly.network_monitor ? 1 : 0

  name         = "${var.name}-network"
  monitor_type = "CUSTOM"
  monitor_specification = jsonencode({
    CostCategories = { Key = aws_ce_cost_category.network[0].name, Values = ["PublicIPv4", "DataTransferOut"], MatchOptions = null }
    And            = null, Or = null, Not = null, Dimensions = null, Tags = null
  })
  tags = var.tags
}

resource "aws_ce_anomaly_subscription" "this" {
  name      = "${var.name}-immediate"
  frequency = "IMMEDIATE" # SNS subscribers require IMMEDIATE
  monitor_arn_list = concat(
    var.anomaly.existing_service_monitor_arn == null ? [] : [var.anomaly.existing_service_monitor_arn],
    aws_ce_anomaly_monitor.services[*].arn,
    aws_ce_anomaly_monitor.accounts[*].arn,
    aws_ce_anomaly_monitor.network[*].arn,
  )

  subscriber {
    type    = "SNS"
    address = var.notifications_topic_arn
  }

  threshold_expression {
    or {
      dimension {
        key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
        match_options = ["GREATER_THAN_OR_EQUAL"]
        values        = [tostring(var.anomaly.absolute_threshold)]
      }
    }
    or {
      dimension {
        key           = "ANOMALY_TOTAL_IMPACT_PERCENTAGE"
        match_options = ["GREATER_THAN_OR_EQUAL"]
        values        = [tostring(var.anomaly.percentage_threshold)]
      }
    }
  }

  tags = var.tags
}
