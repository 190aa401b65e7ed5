data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  # Alerts the canary caused carry the message attribute canary=true (cryptoguard/notify.py): people's
  # subscriptions take every message without it.
  not_canary        = jsonencode({ canary = [{ exists = false }] })
  kms_admin_actions = jsondecode(file("${path.module}/../shared/kms_key_admin_actions.json")).actions
  account_id        = data.aws_caller_identity.current.account_id
  partition         = data.aws_partition.current.partition
  topic_arn         = "arn:${local.partition}:sns:${data.aws_region.current.region}:${local.account_id}:${var.name}"
  # Each publisher is bound to this account's own resources, so another account's rule, alarm or budget that
  # names this topic is refused. EventBridge and CloudWatch send the ARN of the rule or alarm; Budgets and
  # Cost Anomaly Detection send the account.
  source_bindings = {
    "events.amazonaws.com"     = { test = "ArnLike", variable = "aws:SourceArn", values = ["arn:${local.partition}:events:*:${local.account_id}:rule/*"] }
    "cloudwatch.amazonaws.com" = { test = "ArnLike", variable = "aws:SourceArn", values = ["arn:${local.partition}:cloudwatch:*:${local.account_id}:alarm:*"] }
  }
  publishers = {
    for p in var.publisher_service_principals : p => lookup(local.source_bindings, p, {
      test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id]
    })
  }
}

data "aws_region" "current" {}

# EventBridge, Budgets and Cost Anomaly Detection cannot publish to a topic encrypted with the AWS-managed
# SNS key, so the topic gets a customer managed key whose policy lets those services use it.
data "aws_iam_policy_document" "key" {
  statement {
    sid       = "AccountAdministersKey"
    actions   = local.kms_admin_actions
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }

  # Publishers use the key only for this topic: SNS puts the topic's ARN in the encryption context.
  statement {
    sid       = "AlertPublishersUseKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = var.publisher_service_principals
    }
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sns:topicArn"
      values   = [local.topic_arn]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "Encrypts the ${var.name} alert topic"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "AccountManagesTopic"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:ListSubscriptionsByTopic"]
    resources = [local.topic_arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = local.publishers
    content {
      sid       = "Publish${replace(title(replace(split(".", statement.key)[0], "-", " ")), " ", "")}"
      actions   = ["sns:Publish"]
      resources = [local.topic_arn]
      principals {
        type        = "Service"
        identifiers = [statement.key]
      }
      condition {
        test     = statement.value.test
        variable = statement.value.variable
        values   = statement.value.values
      }
    }
  }

  statement {
    sid       = "TLSOnly"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.email_addresses)
  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
  # The canary's daily alert proves the chain; it must not reach people's inboxes or pagers.
  filter_policy = local.not_canary
}

resource "aws_sns_topic_subscription" "https" {
  for_each               = toset(var.https_endpoints)
  topic_arn              = aws_sns_topic.this.arn
  protocol               = "https"
  endpoint               = each.value
  endpoint_auto_confirms = false
  filter_policy          = local.not_canary
}

data "aws_iam_policy_document" "chatbot_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["chatbot.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "chatbot" {
  count              = var.slack == null ? 0 : 1
  name               = "${var.name}-chatbot"
  assume_role_policy = data.aws_iam_policy_document.chatbot_assume.json
  tags               = var.tags
}

resource "aws_chatbot_slack_channel_configuration" "this" {
  count                 = var.slack == null ? 0 : 1
  configuration_name    = var.name
  iam_role_arn          = aws_iam_role.chatbot[0].arn
  slack_team_id         = var.slack.workspace_id
  slack_channel_id      = var.slack.channel_id
  sns_topic_arns        = [aws_sns_topic.this.arn]
  guardrail_policy_arns = ["arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"]
  logging_level         = "ERROR"
  tags                  = var.tags
}
