locals {
  # The one definition of the patterns: the same file the Lambda, the CLI and the tests read.
  catalogue = jsondecode(file(coalesce(var.patterns_file, "${path.module}/../../lambda_src/cryptoguard/data/patterns.json")))

  # The severity threshold is the one per-deployment number inside a pattern. Both branches are JSON text:
  # as objects their types differ (one has `severity`), which Terraform rejects at plan time.
  patterns = {
    for name, p in local.catalogue.patterns : name => merge(p, {
      pattern = can(p.pattern.detail.severity) ? jsonencode(merge(p.pattern, {
        detail = merge(p.pattern.detail, { severity = [{ numeric = [">=", var.guardduty_severity_threshold] }] })
      })) : jsonencode(p.pattern)
    })
  }

  # One rule per (region, pattern) where the pattern's scope applies, as cryptoguard.patterns.Pattern.applies_in.
  rules = merge([
    for region in var.regions : {
      for name, p in local.patterns : "${region}/${name}" => {
        region      = region
        name        = name
        pattern     = p.pattern
        state       = p.read_only ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" : "ENABLED"
        description = p.description
        } if(
        p.scope == "every_region" ||
        (p.scope == "global" && region == "us-east-1") ||
        (p.scope == "unused_regions" && length(var.allowed_regions) > 0 && !contains(var.allowed_regions, region))
      )
    }
  ]...)
}

# Cross-region and cross-account bus targets need a role that may put events on the central bus.
module "forwarding_role" {
  source = "../event_forwarding_role"

  name           = "${var.name}-region-watch-forward"
  target_bus_arn = var.central_event_bus_arn
  tags           = var.tags
}

resource "aws_cloudwatch_event_rule" "watch" {
  for_each = local.rules

  region        = each.value.region
  name          = "${var.name}-${replace(each.value.name, "_", "-")}"
  description   = substr(each.value.description, 0, 512)
  event_pattern = each.value.pattern
  state         = each.value.state
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "central" {
  for_each = local.rules

  region    = each.value.region
  rule      = aws_cloudwatch_event_rule.watch[each.key].name
  target_id = "central-bus"
  arn       = var.central_event_bus_arn
  role_arn  = module.forwarding_role.role_arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 20
  }
}
