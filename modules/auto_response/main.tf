data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id    = data.aws_caller_identity.current.account_id
  partition     = data.aws_partition.current.partition
  function_name = "${var.name}-respond"
  severities    = ["MEDIUM", "HIGH", "CRITICAL"]
  acted_on      = slice(local.severities, index(local.severities, var.min_severity), length(local.severities))
  settings = {
    mode                   = var.mode
    min_severity           = var.min_severity
    instance_action        = var.instance_action
    allow_tag              = var.allow_tag
    allowlisted_principals = var.allowlisted_principals
  }
  not_allowlisted = { test = "StringNotEquals", variable = "aws:ResourceTag/${var.allow_tag}", values = ["true"] }
  in_regions      = { test = "StringEquals", variable = "aws:RequestedRegion", values = var.regions }
}

data "archive_file" "package" {
  type        = "zip"
  source_dir  = "${path.module}/../../lambda_src"
  output_path = "${path.root}/.terraform/cryptoguard-respond.zip"
  excludes    = ["cryptoguard/drill/**", "**/__pycache__/**", "*.egg-info/**"]
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = 365
  tags              = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# Least privilege, with conditions: own account's resources, watched regions, never the allow-listed ones.
data "aws_iam_policy_document" "function" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }

  statement {
    sid       = "ReadComputeState"
    actions   = ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "autoscaling:DescribeAutoScalingGroups", "sts:GetCallerIdentity"]
    resources = ["*"] # these reads have no resource-level permissions
  }

  statement {
    sid       = "ContainInstances"
    actions   = ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:TerminateInstances", "ec2:CreateTags"]
    resources = ["arn:${local.partition}:ec2:*:${local.account_id}:instance/*"]
    condition {
      test     = local.not_allowlisted.test
      variable = local.not_allowlisted.variable
      values   = local.not_allowlisted.values
    }
    condition {
      test     = local.in_regions.test
      variable = local.in_regions.variable
      values   = local.in_regions.values
    }
  }

  statement {
    sid       = "ContainAutoScalingGroups"
    actions   = ["autoscaling:SuspendProcesses", "autoscaling:UpdateAutoScalingGroup"]
    resources = ["arn:${local.partition}:autoscaling:*:${local.account_id}:autoScalingGroup:*:autoScalingGroupName/*"]
    condition {
      test     = local.not_allowlisted.test
      variable = local.not_allowlisted.variable
      values   = local.not_allowlisted.values
    }
    condition {
      test     = local.in_regions.test
      variable = local.in_regions.variable
      values   = local.in_regions.values
    }
  }

  statement {
    sid       = "ContainEcsServices"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = ["arn:${local.partition}:ecs:*:${local.account_id}:service/*/*"]
    condition {
      test     = local.in_regions.test
      variable = local.in_regions.variable
      values   = local.in_regions.values
    }
  }

  statement {
    sid       = "RemovePublicFunctionUrls"
    actions   = ["lambda:GetFunctionUrlConfig", "lambda:DeleteFunctionUrlConfig", "lambda:ListTags"]
    resources = ["arn:${local.partition}:lambda:*:${local.account_id}:function:*"]
    condition {
      test     = local.in_regions.test
      variable = local.in_regions.variable
      values   = local.in_regions.values
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

resource "aws_iam_role" "function" {
  name               = local.function_name
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "function" {
  name   = "respond"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json
}

resource "aws_lambda_function" "respond" {
  function_name                  = local.function_name
  description                    = "Contains what cryptomining alerts flag (mode ${var.mode})"
  role                           = aws_iam_role.function.arn
  runtime                        = "python3.13"
  architectures                  = ["arm64"]
  handler                        = "cryptoguard.handlers.respond.handler"
  filename                       = data.archive_file.package.output_path
  source_code_hash               = data.archive_file.package.output_base64sha256
  timeout                        = 300
  memory_size                    = 256
  reserved_concurrent_executions = 2

  environment {
    variables = merge(
      { RESPONSE_SETTINGS = jsonencode(local.settings), TOPIC_ARN = var.notifications_topic_arn },
      var.member_role_name == null ? {} : { MEMBER_ROLE_NAME = var.member_role_name },
    )
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.function]
}

resource "aws_cloudwatch_event_rule" "alerts" {
  name           = local.function_name
  description    = "Cryptoguard alerts of severity ${var.min_severity} or more"
  event_bus_name = var.central_event_bus_name
  event_pattern = jsonencode({
    source        = ["cryptoguard"]
    "detail-type" = ["Cryptoguard Alert"]
    detail        = { severity = local.acted_on }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "respond" {
  rule           = aws_cloudwatch_event_rule.alerts.name
  event_bus_name = var.central_event_bus_name
  target_id      = "responder"
  arn            = aws_lambda_function.respond.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 3
  }
}

resource "aws_lambda_permission" "events" {
  statement_id  = "central-bus-alerts"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.respond.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.alerts.arn
}
