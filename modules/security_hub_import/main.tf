# Alerts into Security Hub, next to GuardDuty's findings: one ASFF finding per incident, updated as the incident
# grows and archived when it closes. Apply in the delegated administrator's home region, with Security Hub on.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  function_name = "${var.name}-securityhub"
  # With the default product ARN, Security Hub accepts findings only from the account they name: this one.
  product_arn    = "arn:${data.aws_partition.current.partition}:securityhub:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:product/${data.aws_caller_identity.current.account_id}/default"
  alerts_pattern = jsondecode(file("${path.module}/../../lambda_src/cryptoguard/data/patterns.json")).infrastructure.alerts.pattern
}

data "aws_iam_policy_document" "function" {
  statement {
    sid       = "ImportOwnFindings"
    actions   = ["securityhub:BatchImportFindings"]
    resources = [local.product_arn]
  }
  statement {
    sid       = "ReadFindings"
    actions   = ["securityhub:GetFindings", "sts:GetCallerIdentity"]
    resources = ["*"] # GetFindings has no resource-level permissions
  }
}

module "function" {
  source = "../lambda_function"

  name        = local.function_name
  description = "Imports cryptoguard alerts into Security Hub as one finding per incident"
  handler     = "cryptoguard.handlers.securityhub.handler"
  policy_json = data.aws_iam_policy_document.function.json
  timeout     = 120
  tags        = var.tags
}

resource "aws_sqs_queue" "dead_letters" {
  name                      = "${local.function_name}-dlq"
  message_retention_seconds = 1209600 # 14 days: long enough to notice and replay
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "dead_letters" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.alerts.arn, aws_cloudwatch_event_rule.archive.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy    = data.aws_iam_policy_document.dead_letters.json
}

resource "aws_cloudwatch_event_rule" "alerts" {
  name           = local.function_name
  description    = "Every cryptoguard alert, into Security Hub"
  event_bus_name = var.alert_event_bus_name
  event_pattern  = jsonencode(local.alerts_pattern)
  tags           = var.tags
}

resource "aws_cloudwatch_event_rule" "archive" {
  name                = "${local.function_name}-archive"
  description         = "Archive the Security Hub findings of closed cryptoguard incidents"
  schedule_expression = "rate(1 hour)"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "alerts" {
  rule           = aws_cloudwatch_event_rule.alerts.name
  event_bus_name = var.alert_event_bus_name
  target_id      = "securityhub"
  arn            = module.function.function_arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 5
  }
  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
}

resource "aws_cloudwatch_event_target" "archive" {
  rule      = aws_cloudwatch_event_rule.archive.name
  target_id = "securityhub-archive"
  arn       = module.function.function_arn

  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
}

resource "aws_lambda_permission" "alerts" {
  statement_id  = "alert-bus"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.alerts.arn
}

resource "aws_lambda_permission" "archive" {
  statement_id  = "hourly-archive"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.archive.arn
}
