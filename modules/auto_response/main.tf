data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id    = data.aws_caller_identity.current.account_id
  partition     = data.aws_partition.current.partition
  function_name = "${var.name}-respond"
  severities    = ["MEDIUM", "HIGH", "CRITICAL"]
  acted_on      = slice(local.severities, index(local.severities, var.min_severity), length(local.severities))
  # The alert events the detection function emits, as defined once in patterns.json.
  alerts_pattern = jsondecode(file("${path.module}/../../lambda_src/cryptoguard/data/patterns.json")).infrastructure.alerts.pattern
  settings = {
    mode                   = var.mode
    min_severity           = var.min_severity
    instance_action        = var.instance_action
    allow_tag              = var.allow_tag
    allowlisted_principals = var.allowlisted_principals
  }
  # Changes only in the watched regions, and never to a resource carrying the allow-list tag (EC2 and Auto Scaling
  # evaluate aws:ResourceTag; for the others the responder itself reads the tag before acting).
  region_conditions  = [{ test = "StringEquals", variable = "aws:RequestedRegion", values = var.regions }]
  contain_conditions = concat(local.region_conditions, [{ test = "StringNotEquals", variable = "aws:ResourceTag/${var.allow_tag}", values = ["true"] }])
}

# Least privilege, with conditions: own account's resources, watched regions, never the allow-listed ones.
data "aws_iam_policy_document" "function" {
  statement {
    sid       = "ReadComputeState"
    actions   = ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "autoscaling:DescribeAutoScalingGroups", "sts:GetCallerIdentity"]
    resources = ["*"] # these reads have no resource-level permissions
  }

  statement {
    sid       = "ContainInstances"
    actions   = ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:TerminateInstances", "ec2:CreateTags"]
    resources = ["arn:${local.partition}:ec2:*:${local.account_id}:instance/*"]
    dynamic "condition" {
      for_each = local.contain_conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }

  statement {
    sid       = "ContainAutoScalingGroups"
    actions   = ["autoscaling:SuspendProcesses", "autoscaling:UpdateAutoScalingGroup"]
    resources = ["arn:${local.partition}:autoscaling:*:${local.account_id}:autoScalingGroup:*:autoScalingGroupName/*"]
    dynamic "condition" {
      for_each = local.contain_conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }

  statement {
    sid       = "ContainEcsServices"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = ["arn:${local.partition}:ecs:*:${local.account_id}:service/*/*"]
    dynamic "condition" {
      for_each = local.region_conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }

  statement {
    sid       = "RemovePublicFunctionUrls"
    actions   = ["lambda:GetFunctionUrlConfig", "lambda:DeleteFunctionUrlConfig", "lambda:ListTags"]
    resources = ["arn:${local.partition}:lambda:*:${local.account_id}:function:*"]
    dynamic "condition" {
      for_each = local.region_conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }

  statement {
    sid       = "DeactivateKeys"
    actions   = ["iam:ListAccessKeys", "iam:ListUserTags", "iam:UpdateAccessKey"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:user/*"]
  }

  statement {
    sid       = "Report"
    actions   = ["sns:Publish"]
    resources = [var.notifications_topic_arn]
  }

  statement {
    sid       = "UseTopicKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.notifications_kms_key_arn]
  }

  dynamic "statement" {
    for_each = var.member_role_name == null ? [] : [var.member_role_name]
    content {
      sid       = "ActInMemberAccounts"
      actions   = ["sts:AssumeRole"]
      resources = ["arn:${local.partition}:iam::*:role/${statement.value}"]
      dynamic "condition" {
        for_each = var.organization_id == null ? [] : [var.organization_id]
        content {
          test     = "StringEquals"
          variable = "aws:ResourceOrgID"
          values   = [condition.value]
        }
      }
    }
  }
}

module "function" {
  source = "../lambda_function"

  name        = local.function_name
  description = "Contains what cryptomining alerts flag (mode ${var.mode})"
  handler     = "cryptoguard.handlers.respond.handler"
  policy_json = data.aws_iam_policy_document.function.json
  environment = merge(
    { RESPONSE_SETTINGS = jsonencode(local.settings), TOPIC_ARN = var.notifications_topic_arn },
    var.member_role_name == null ? {} : { MEMBER_ROLE_NAME = var.member_role_name },
  )
  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "alerts" {
  name           = local.function_name
  description    = "Cryptoguard alerts of severity ${var.min_severity} or more"
  event_bus_name = var.alert_event_bus_name
  event_pattern  = jsonencode(merge(local.alerts_pattern, { detail = { severity = local.acted_on } }))
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "respond" {
  rule           = aws_cloudwatch_event_rule.alerts.name
  event_bus_name = var.alert_event_bus_name
  target_id      = "responder"
  arn            = module.function.function_arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 3
  }
}

resource "aws_lambda_permission" "events" {
  statement_id  = "central-bus-alerts"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.alerts.arn
}
