# Direct notification of findings (when modules/detection is not used): a rule in every region forwards the
# findings to the home region's default bus; a rule there sends them, readable, to the alert topic.

locals {
  notify         = var.notifications_topic_arn != null
  catalogue      = jsondecode(file(coalesce(var.patterns_file, "${path.module}/../../lambda_src/cryptoguard/data/patterns.json")))
  notify_pattern = local.catalogue.infrastructure.guardduty_findings.pattern
  # Crypto finding types OR severity >= threshold, one rule, so a severe crypto finding is sent once.
  findings_pattern = merge(local.notify_pattern, {
    "$or" = [local.notify_pattern["$or"][0], { detail = { severity = [{ numeric = [">=", var.severity_threshold] }] } }]
  })
  remote_regions = local.notify ? toset([for r in var.regions : r if r != local.home_region]) : toset([])
}

resource "aws_cloudwatch_event_rule" "findings" {
  for_each = local.notify ? toset(var.regions) : toset([])

  region        = each.key
  name          = "${var.name}-guardduty-findings"
  description   = "GuardDuty crypto findings and findings of severity ${var.severity_threshold} or more"
  event_pattern = jsonencode(local.findings_pattern)
  tags          = var.tags
}

module "forwarding_role" {
  source = "../event_forwarding_role"
  count  = length(local.remote_regions) > 0 ? 1 : 0

  name           = "${var.name}-guardduty-forward"
  target_bus_arn = "arn:${local.partition}:events:${local.home_region}:${local.admin_account_id}:event-bus/default"
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "forward" {
  for_each = local.remote_regions

  region    = each.key
  rule      = aws_cloudwatch_event_rule.findings[each.key].name
  target_id = "home-region"
  arn       = "arn:${local.partition}:events:${local.home_region}:${local.admin_account_id}:event-bus/default"
  role_arn  = module.forwarding_role[0].role_arn
}

resource "aws_cloudwatch_event_target" "notify" {
  count = local.notify ? 1 : 0

  region    = local.home_region
  rule      = aws_cloudwatch_event_rule.findings[local.home_region].name
  target_id = "alert-topic"
  arn       = var.notifications_topic_arn

  input_transformer {
    input_paths = {
      type     = "$.detail.type"
      severity = "$.detail.severity"
      account  = "$.detail.accountId"
      region   = "$.detail.region"
      title    = "$.detail.title"
      id       = "$.detail.id"
    }
    input_template = "\"GuardDuty finding <type> (severity <severity>) in account <account>, region <region>: <title>. Finding id <id>.\""
  }
}
