# The canary: every day (or as scheduled) a safe DryRun detonation in a region outside the allowed ones, and an
# alarm when its alert has not come through the whole chain (trail, region rule, central bus, queue, detection
# function, topic) within the expected minutes. Apply beside the detection module, in the security account: the
# detection function counts the canary's alerts in this account's metrics.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  function_name = "${var.name}-canary"
  namespace     = "Cryptoguard" # cryptoguard/canary.py NAMESPACE
}

# The canary may look up an image and nothing else in EC2: its RunInstances is denied (UnauthorizedOperation),
# which CloudTrail logs like any launch attempt. Safe by construction, whoever gets hold of the role.
data "aws_iam_policy_document" "function" {
  statement {
    sid       = "FindAnImage"
    actions   = ["ec2:DescribeImages"]
    resources = ["*"]
  }
  statement {
    sid       = "NeverLaunch"
    effect    = "Deny"
    actions   = ["ec2:RunInstances", "ec2:CreateFleet", "ec2:RequestSpotInstances"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadAndReportTheOutcome"
    actions   = ["cloudwatch:GetMetricStatistics", "cloudwatch:PutMetricData"]
    resources = ["*"] # no resource-level permissions; PutMetricData is bound to the namespace below
  }
  statement {
    sid       = "OnlyItsOwnNamespace"
    effect    = "Deny"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringNotEquals"
      variable = "cloudwatch:namespace"
      values   = [local.namespace]
    }
  }
  dynamic "statement" {
    for_each = var.detonation_role_arn == null ? [] : [var.detonation_role_arn]
    content {
      sid       = "DetonateInTheChosenAccount"
      actions   = ["sts:AssumeRole"]
      resources = [statement.value]
    }
  }
}

module "function" {
  source = "../lambda_function"

  name        = local.function_name
  description = "Daily DryRun detonation in ${var.region}; reports whether its alert arrived"
  handler     = "cryptoguard.handlers.canary.handler"
  policy_json = data.aws_iam_policy_document.function.json
  # It waits for the alert: the expected minutes and a margin for the detonation and the report.
  timeout     = var.expected_minutes * 60 + 60
  memory_size = 128
  environment = merge(
    { REGION = var.region, EXPECTED_MINUTES = tostring(var.expected_minutes) },
    var.detonation_role_arn == null ? {} : { DETONATION_ROLE_ARN = var.detonation_role_arn },
  )
  tags = var.tags
}

data "aws_iam_policy_document" "scheduler_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [module.function.function_arn]
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.function_name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "invoke-canary"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_scheduler_schedule" "this" {
  name                         = local.function_name
  description                  = "Cryptoguard canary: DryRun detonation in ${var.region}"
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.function.function_arn
    role_arn = aws_iam_role.scheduler.arn

    # A second detonation would only prove the same thing: no retries.
    retry_policy {
      maximum_retry_attempts = 0
    }
  }
}

# The alert did not arrive: the chain is broken somewhere. This one is for people.
resource "aws_cloudwatch_metric_alarm" "missed" {
  alarm_name          = "${local.function_name}-alert-missed"
  alarm_description   = "The canary's DryRun in ${var.region} raised no alert within ${var.expected_minutes} minutes: check the trail, the region rule, the central bus, the detection queue and function, and the topic."
  namespace           = local.namespace
  metric_name         = "CanaryAlertMissing"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.notifications_topic_arn]
  tags                = var.tags
}

# The canary itself failed (no image, the region disabled, no permission): the chain went unproven.
resource "aws_cloudwatch_metric_alarm" "failed" {
  alarm_name          = "${local.function_name}-failed"
  alarm_description   = "The canary function failed, so the alert chain was not proven: see its log group."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = module.function.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.notifications_topic_arn]
  tags                = var.tags
}
