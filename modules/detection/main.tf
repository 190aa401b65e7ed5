data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  kms_admin_actions = jsondecode(file("${path.module}/../shared/kms_key_admin_actions.json")).actions
  account_id        = data.aws_caller_identity.current.account_id
  partition         = data.aws_partition.current.partition
  region            = data.aws_region.current.region
  # Only the settings a user set: the Lambda fills in the rest from cryptoguard/settings.py.
  settings = { for k, v in var.settings : k => v if v != null }
  # The central bus's one rule: everything the regional rules forward. Overlapping regional rules may forward
  # an event twice; the detection function drops duplicates.
  catalogue       = jsondecode(file("${path.module}/../../lambda_src/cryptoguard/data/patterns.json"))
  central_pattern = local.catalogue.infrastructure.central.pattern
  # Forwarded read-only events (GetServiceQuota recon) reach a rule on this bus only in this state, as on
  # the default bus where the regional rules pick them up.
  central_state = anytrue([for p in values(local.catalogue.patterns) : p.read_only]) ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" : "ENABLED"
  # What may arrive on the central bus: the AWS service events the regional rules forward, nothing else.
  forwarded_detail_types = sort(distinct(flatten([for p in values(local.catalogue.patterns) : p.pattern["detail-type"]])))
  function_name          = "${var.name}-detect"
  # Known before the role exists (the alert bus policy names it, and the role's policy names the bus).
  function_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${local.function_name}"
}

# ---- encryption ------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "AccountAdministersKey"
    actions   = local.kms_admin_actions
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # EventBridge writes to the encrypted queue; CloudWatch Logs encrypts the function's log group.
  statement {
    sid       = "ServicesUseKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "logs.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "this" {
  description         = "Encrypts the ${var.name} detection queue, state table and logs"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
  tags                = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-detection"
  target_key_id = aws_kms_key.this.key_id
}

# ---- central bus ---------------------------------------------------------------------------------------

resource "aws_cloudwatch_event_bus" "central" {
  name = "${var.name}-central"
  tags = var.tags
}

# Trust boundary: member accounts' rules forward AWS service events here; nobody may put anything else, in
# this account either (a Deny binds same-account principals whatever their IAM policies allow). Customers
# cannot put events with an aws.* source, so forged events from any account stop at this policy.
data "aws_iam_policy_document" "bus" {
  statement {
    sid       = "AccountForwards"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.central.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # One Deny per property: either one off makes the event refused.
  dynamic "statement" {
    for_each = {
      OnlyForwardedServiceEvents = { test = "StringNotLike", variable = "events:source", values = ["aws.*"] }
      OnlyForwardedDetailTypes   = { test = "StringNotEquals", variable = "events:detail-type", values = local.forwarded_detail_types }
    }
    content {
      sid       = statement.key
      effect    = "Deny"
      actions   = ["events:PutEvents"]
      resources = [aws_cloudwatch_event_bus.central.arn]
      principals {
        type        = "AWS"
        identifiers = ["*"]
      }
      condition {
        test     = statement.value.test
        variable = statement.value.variable
        values   = statement.value.values
      }
    }
  }

  dynamic "statement" {
    for_each = var.organization_id == null ? [] : [var.organization_id]
    content {
      sid       = "OrganizationForwards"
      actions   = ["events:PutEvents"]
      resources = [aws_cloudwatch_event_bus.central.arn]
      principals {
        type        = "AWS"
        identifiers = ["*"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:PrincipalOrgID"
        values   = [statement.value]
      }
    }
  }
}

resource "aws_cloudwatch_event_bus_policy" "central" {
  event_bus_name = aws_cloudwatch_event_bus.central.name
  policy         = data.aws_iam_policy_document.bus.json
}

resource "aws_cloudwatch_event_rule" "detect" {
  name           = local.function_name
  description    = "Everything the region watch forwards goes to the detection queue"
  event_bus_name = aws_cloudwatch_event_bus.central.name
  event_pattern  = jsonencode(local.central_pattern)
  state          = local.central_state
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "detect" {
  rule           = aws_cloudwatch_event_rule.detect.name
  event_bus_name = aws_cloudwatch_event_bus.central.name
  target_id      = "detection-queue"
  arn            = aws_sqs_queue.detect.arn

  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }
}

# ---- alert bus: what the responder acts on ------------------------------------------------------------
# Only the detection function may put events here: the responder trusts this bus, so no other principal of
# this account (nor any other account) may write to it.

resource "aws_cloudwatch_event_bus" "alerts" {
  count = var.emit_alerts ? 1 : 0

  name = "${var.name}-alerts"
  tags = var.tags
}

data "aws_iam_policy_document" "alerts_bus" {
  count = var.emit_alerts ? 1 : 0

  statement {
    sid       = "OnlyTheDetectionFunction"
    effect    = "Deny"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.alerts[0].arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [local.function_role_arn]
    }
  }
}

resource "aws_cloudwatch_event_bus_policy" "alerts" {
  count = var.emit_alerts ? 1 : 0

  event_bus_name = aws_cloudwatch_event_bus.alerts[0].name
  policy         = data.aws_iam_policy_document.alerts_bus[0].json
}

# ---- queues --------------------------------------------------------------------------------------------

resource "aws_sqs_queue" "dead_letters" {
  name                      = "${var.name}-detect-dlq"
  kms_master_key_id         = aws_kms_key.this.arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_sqs_queue" "detect" {
  name              = "${var.name}-detect"
  kms_master_key_id = aws_kms_key.this.arn
  # AWS's advice for a Lambda consumer: at least six times the function timeout plus the batching window.
  visibility_timeout_seconds = 6 * var.timeout_seconds + var.batching_window_seconds
  message_retention_seconds  = 345600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = var.tags
}

data "aws_iam_policy_document" "queues" {
  for_each = {
    detect       = { arn = aws_sqs_queue.detect.arn, source = aws_cloudwatch_event_rule.detect.arn }
    dead_letters = { arn = aws_sqs_queue.dead_letters.arn, source = aws_cloudwatch_event_rule.detect.arn }
  }

  statement {
    sid       = "CentralRuleDelivers"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [each.value.source]
    }
  }

  statement {
    sid       = "TLSOnly"
    effect    = "Deny"
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage"]
    resources = [each.value.arn]
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

resource "aws_sqs_queue_policy" "detect" {
  queue_url = aws_sqs_queue.detect.id
  policy    = data.aws_iam_policy_document.queues["detect"].json
}

resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy    = data.aws_iam_policy_document.queues["dead_letters"].json
}

# ---- correlation state ---------------------------------------------------------------------------------

resource "aws_dynamodb_table" "state" {
  name         = "${var.name}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  tags = var.tags
}

# ---- function ------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "function" {
  statement {
    sid       = "ConsumeQueue"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    resources = [aws_sqs_queue.detect.arn]
  }

  statement {
    sid       = "SetMalformedEventsAside"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }

  statement {
    sid       = "CorrelationState"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.state.arn]
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notifications_topic_arn]
  }

  # The canary (modules/canary) waits for this count of its alerts; only this namespace.
  statement {
    sid       = "CountCanaryAlerts"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData has no resource-level permissions
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["Cryptoguard"]
    }
  }

  statement {
    sid       = "UseKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn, var.notifications_kms_key_arn]
  }

  # User data CloudTrail redacted: read through modules/enrichment_role in member accounts, directly here.
  dynamic "statement" {
    for_each = var.enrichment_role_name == null ? [] : [var.enrichment_role_name]
    content {
      sid       = "ReadUserDataInMemberAccounts"
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

  dynamic "statement" {
    for_each = var.enrichment_role_name == null ? [] : [var.enrichment_role_name]
    content {
      sid       = "ReadUserDataHere"
      actions   = ["ec2:DescribeInstanceAttribute", "ec2:DescribeLaunchTemplateVersions", "autoscaling:DescribeLaunchConfigurations"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = aws_cloudwatch_event_bus.alerts[*].arn
    content {
      sid       = "EmitAlerts"
      actions   = ["events:PutEvents"]
      resources = [statement.value]
    }
  }
}

resource "aws_lambda_event_source_mapping" "detect" {
  event_source_arn                   = aws_sqs_queue.detect.arn
  function_name                      = module.function.function_arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  # Bounds the function's share of the account's concurrency without reserving any: new accounts have a
  # quota of 10, and a reservation would fail there or starve every other function.
  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }

  tags = var.tags
}

locals {
  function_environment = merge({
    TOPIC_ARN             = var.notifications_topic_arn
    STATE_TABLE           = aws_dynamodb_table.state.name
    DEAD_LETTER_QUEUE_URL = aws_sqs_queue.dead_letters.url
    CRYPTOGUARD_SETTINGS  = jsonencode(local.settings)
    },
    var.emit_alerts ? { ALERT_EVENT_BUS = aws_cloudwatch_event_bus.alerts[0].name } : {},
    var.enrichment_role_name == null ? {} : { ENRICHMENT_ROLE_NAME = var.enrichment_role_name },
  )
}

module "function" {
  source = "../lambda_function"

  name                 = local.function_name
  description          = "Cryptomining campaign detection over CloudTrail and GuardDuty events"
  handler              = "cryptoguard.handlers.detect.handler"
  policy_json          = data.aws_iam_policy_document.function.json
  memory_size          = 512
  timeout              = var.timeout_seconds
  reserved_concurrency = var.reserved_concurrency
  kms_key_arn          = aws_kms_key.this.arn
  log_retention_days   = var.log_retention_days
  environment          = local.function_environment
  tags                 = var.tags
}

# ---- people see what went wrong -----------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "health" {
  for_each = {
    dead-letters = {
      description = "Events the detection function set aside (malformed) or could not process: read them in ${aws_sqs_queue.dead_letters.name}; each carries its reason."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      statistic   = "Maximum"
      dimensions  = { QueueName = aws_sqs_queue.dead_letters.name }
    }
    errors = {
      description = "The detection function is failing: detections may be delayed. See its log group."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.function.function_name }
    }
  }

  alarm_name          = "${var.name}-detect-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.notifications_topic_arn]
  tags                = var.tags
}
