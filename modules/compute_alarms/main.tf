data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id              = data.aws_caller_identity.current.account_id
  partition               = data.aws_partition.current.partition
  home_region             = var.home_region # an input: the remote regions decide for_each, so they must be known at plan
  remote_regions          = toset([for r in var.regions : r if r != local.home_region])
  home_bus_arn            = "arn:${local.partition}:events:${local.home_region}:${local.account_id}:event-bus/default"
  function_name           = "${var.name}-instance-alarms"
  timeout_seconds         = 300
  batching_window_seconds = 20
  alarm_settings          = merge(var.instance_alarms, { prefix = var.name, regions = var.regions })

  # Two kinds of events travel to the home region: instance state changes (for the provisioner) and the
  # state changes of this module's alarms (for the alert topic).
  infrastructure = jsondecode(file("${path.module}/../../lambda_src/cryptoguard/data/patterns.json")).infrastructure
  alarm_state    = local.infrastructure.alarm_state.pattern
  patterns = {
    instances = local.infrastructure.instance_state.pattern
    alarms = merge(local.alarm_state, {
      detail = merge(local.alarm_state.detail, { alarmName = [{ prefix = "${var.name}-" }] })
    })
  }
  regional_rules = merge([
    for region in var.regions : { for kind, pattern in local.patterns : "${region}/${kind}" => { region = region, kind = kind, pattern = pattern } }
  ]...)

  fleet = merge([
    for region in var.regions : {
      for key, alarm in var.fleet_vcpu_alarms : "${region}/${key}" => {
        region    = region
        key       = key
        service   = split("/", key)[0]
        class     = join("/", slice(split("/", key), 1, 3))
        threshold = alarm.threshold
      }
    }
  ]...)
  jump_classes = var.fleet_jump_alarm.enabled ? ["Standard/OnDemand", "Standard/Spot"] : []
  jumps = merge([
    for region in var.regions : { for class in local.jump_classes : "${region}/${class}" => { region = region, class = class } }
  ]...)
  extra = merge([
    for region in var.regions : { for a in var.extra_usage_alarms : "${region}/${a.name}" => merge(a, { region = region }) }
  ]...)
}

# ---- provisioner function ------------------------------------------------------------------------------

data "aws_iam_policy_document" "function" {
  statement {
    sid       = "ReadInstances"
    actions   = ["ec2:DescribeInstances"]
    resources = ["*"] # DescribeInstances has no resource-level permissions
  }

  statement {
    sid       = "ManageOwnAlarms"
    actions   = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource"]
    resources = ["arn:${local.partition}:cloudwatch:*:${local.account_id}:alarm:${var.name}-*"]
  }

  statement {
    sid       = "ListAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["*"]
  }

  statement {
    sid       = "ConsumeStateChanges"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    resources = [aws_sqs_queue.state_changes.arn]
  }
}

module "function" {
  source = "../lambda_function"

  name               = local.function_name
  description        = "Creates and deletes per-instance CPU, GPU and network alarms"
  handler            = "cryptoguard.handlers.instance_alarms.handler"
  policy_json        = data.aws_iam_policy_document.function.json
  environment        = { ALARM_SETTINGS = jsonencode(local.alarm_settings) }
  timeout            = local.timeout_seconds
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# ---- events from every region --------------------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "regional" {
  for_each = local.regional_rules

  region        = each.value.region
  name          = "${var.name}-${each.value.kind == "instances" ? "instance-state" : "alarm-state"}"
  description   = each.value.kind == "instances" ? "Instance starts and terminations, for per-instance alarms" : "This module's alarms going into ALARM"
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

module "forwarding_role" {
  source = "../event_forwarding_role"
  count  = length(local.remote_regions) > 0 ? 1 : 0

  name           = "${var.name}-compute-alarms-forward"
  target_bus_arn = local.home_bus_arn
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "forward" {
  for_each = { for k, r in local.regional_rules : k => r if r.region != local.home_region }

  region    = each.value.region
  rule      = aws_cloudwatch_event_rule.regional[each.key].name
  target_id = "home-region"
  arn       = local.home_bus_arn
  role_arn  = module.forwarding_role[0].role_arn
}

# In the home region the same rules also match what the other regions forwarded. State changes queue up, so
# a fleet of thousands reaches the provisioner in batches (one DescribeInstances per 1,000), not one
# invocation per instance; a batch that fails is retried, then set aside in the dead-letter queue.
resource "aws_cloudwatch_event_target" "provisioner" {
  rule      = aws_cloudwatch_event_rule.regional["${local.home_region}/instances"].name
  target_id = "provisioner-queue"
  arn       = aws_sqs_queue.state_changes.arn
}

resource "aws_sqs_queue" "state_changes_dlq" {
  name                      = "${var.name}-instance-state-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_sqs_queue" "state_changes" {
  name                       = "${var.name}-instance-state"
  sqs_managed_sse_enabled    = true
  visibility_timeout_seconds = 6 * local.timeout_seconds + local.batching_window_seconds # as AWS advises
  redrive_policy             = jsonencode({ deadLetterTargetArn = aws_sqs_queue.state_changes_dlq.arn, maxReceiveCount = 5 })
  tags                       = var.tags
}

data "aws_iam_policy_document" "state_changes" {
  statement {
    sid       = "HomeRuleDelivers"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.state_changes.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.regional["${local.home_region}/instances"].arn]
    }
  }
}

resource "aws_sqs_queue_policy" "state_changes" {
  queue_url = aws_sqs_queue.state_changes.id
  policy    = data.aws_iam_policy_document.state_changes.json
}

resource "aws_lambda_event_source_mapping" "state_changes" {
  event_source_arn                   = aws_sqs_queue.state_changes.arn
  function_name                      = module.function.function_arn
  batch_size                         = 1000
  maximum_batching_window_in_seconds = local.batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 2 # alarms are per region and idempotent: two at a time keeps CloudWatch unthrottled
  }

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "alert" {
  rule      = aws_cloudwatch_event_rule.regional["${local.home_region}/alarms"].name
  target_id = "alert-topic"
  arn       = var.notifications_topic_arn

  input_transformer {
    input_paths = {
      alarm   = "$.detail.alarmName"
      reason  = "$.detail.state.reason"
      account = "$.account"
      region  = "$.region"
    }
    input_template = "\"ALARM <alarm> in account <account>, region <region>: <reason>\""
  }
}

resource "aws_cloudwatch_event_rule" "reconcile" {
  name                = "${var.name}-instance-alarms-reconcile"
  description         = "Reconcile per-instance alarms with instances in every region"
  schedule_expression = var.reconcile_schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "reconcile" {
  rule      = aws_cloudwatch_event_rule.reconcile.name
  target_id = "provisioner"
  arn       = module.function.function_arn
}

resource "aws_lambda_permission" "events" {
  for_each = {
    reconcile = aws_cloudwatch_event_rule.reconcile.arn
  }

  statement_id  = "events-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = each.value
}

# ---- fleet alarms (no agent, no provisioner) -----------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "fleet_vcpus" {
  for_each = local.fleet

  region              = each.value.region
  alarm_name          = "${var.name}-fleet-${lower(replace(each.value.key, "/", "-"))}"
  alarm_description   = "${each.value.service} ${each.value.class} vCPUs running in ${each.value.region} above ${each.value.threshold}: a fleet is being launched."
  namespace           = "AWS/Usage"
  metric_name         = "ResourceCount"
  dimensions          = { Service = each.value.service, Type = "Resource", Resource = "vCPU", Class = each.value.class }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "fleet_jump" {
  for_each = local.jumps

  region              = each.value.region
  alarm_name          = "${var.name}-fleet-jump-ec2-${lower(replace(each.value.class, "/", "-"))}"
  alarm_description   = "EC2 ${each.value.class} vCPUs in ${each.value.region} jumped above their usual band (and above ${var.fleet_jump_alarm.floor_vcpus}): many small instances count too."
  comparison_operator = "GreaterThanUpperThreshold"
  evaluation_periods  = 2
  threshold_metric_id = "band"
  treat_missing_data  = "notBreaching"

  metric_query {
    id = "m1"
    metric {
      namespace   = "AWS/Usage"
      metric_name = "ResourceCount"
      dimensions  = { Service = "EC2", Type = "Resource", Resource = "vCPU", Class = each.value.class }
      period      = 300
      stat        = "Maximum"
    }
  }

  metric_query {
    id          = "floored"
    expression  = "IF(m1 > ${var.fleet_jump_alarm.floor_vcpus}, m1, 0)"
    label       = "vCPUs above floor"
    return_data = true
  }

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(floored, ${var.fleet_jump_alarm.stddevs})"
    label       = "expected band"
    return_data = true
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "extra" {
  for_each = local.extra

  region              = each.value.region
  alarm_name          = "${var.name}-usage-${each.value.name}"
  alarm_description   = "AWS/Usage ${jsonencode(each.value.dimensions)} above ${each.value.threshold} in ${each.value.region}."
  namespace           = "AWS/Usage"
  metric_name         = "ResourceCount"
  dimensions          = each.value.dimensions
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  tags                = var.tags
}
