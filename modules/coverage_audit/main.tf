# The GuardDuty coverage audit: on a schedule, in the delegated administrator's account, every region's detector,
# members, Runtime Monitoring and agent coverage are read, and each gap is an alert on the topic (CG-COVERAGE-*).
# It checks that GuardDuty watches what it is believed to watch; it changes nothing.

locals {
  function_name = "${var.name}-coverage-audit"
}

data "aws_iam_policy_document" "function" {
  statement {
    sid = "ReadCoverage"
    actions = [
      "guardduty:ListDetectors",
      "guardduty:GetDetector",
      "guardduty:ListMembers",
      "guardduty:GetMemberDetectors",
      "guardduty:ListCoverage",
      "sts:GetCallerIdentity",
    ]
    resources = ["*"] # list calls have no resource-level permissions
  }
  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notifications_topic_arn]
  }
  statement {
    sid       = "UseTopicKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.notifications_kms_key_arn]
  }
}

module "function" {
  source = "../lambda_function"

  name        = local.function_name
  description = "Audits GuardDuty coverage (detectors, Runtime Monitoring, agents) in every region"
  handler     = "cryptoguard.handlers.coverage.handler"
  policy_json = data.aws_iam_policy_document.function.json
  timeout     = 600 # a region at a time, paginated: an organisation of hundreds of accounts in ~17 regions
  environment = { REGIONS = jsonencode(var.regions), TOPIC_ARN = var.notifications_topic_arn }
  tags        = var.tags
}

resource "aws_cloudwatch_event_rule" "schedule" {
  name                = local.function_name
  description         = "Run the GuardDuty coverage audit"
  schedule_expression = var.schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  rule      = aws_cloudwatch_event_rule.schedule.name
  target_id = "coverage-audit"
  arn       = module.function.function_arn
}

resource "aws_lambda_permission" "schedule" {
  statement_id  = "scheduled-audit"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule.arn
}
