# cryptoguard: defences of an AWS Organization against cryptomining abuse, one capability per module.
#
# Accounts, as provider configurations (single-account mode: pass the same one three times):
#   aws             security / GuardDuty delegated administrator, home region: alerts, detection, GuardDuty
#   aws.management  organisation management account: trail, GuardDuty designation, budgets, its own region watch
#   aws.log_archive log archive account: the central trail bucket and its key

locals {
  organization = var.organization_id != null
  # Budgets and Cost Anomaly Detection publish to a topic in their own account. Decided from inputs, never
  # from data sources: what exists must be known at plan time even when this module waits on others.
  separate_management = coalesce(var.account_ids.management, var.account_ids.security) != var.account_ids.security
  tags                = merge({ "cryptoguard:managed-by" = "terraform" }, var.tags)
  # The tampering rules watch this deployment's own rule names and the protection tags the SCP guards.
  detection_settings = merge(var.detection.settings, {
    allowed_regions       = var.allowed_regions
    protected_rule_prefix = coalesce(var.detection.settings.protected_rule_prefix, "${var.name}-")
    protection_tag_keys   = coalesce(var.detection.settings.protection_tag_keys, var.preventive.scps.deny_protection_tags.tag_keys)
    # The canary's alerts are labelled and kept from paging people.
    canary_principals = var.detection.settings.canary_principals != null ? var.detection.settings.canary_principals : (
      var.canary.enabled ? module.canary[0].canary_principals : null
    )
  })
  severity_threshold = coalesce(var.detection.settings.guardduty_severity_threshold, 7)
}

module "notifications" {
  source = "./modules/notifications"

  name            = "${var.name}-alerts"
  email_addresses = var.notifications.email_addresses
  https_endpoints = var.notifications.https_endpoints
  slack           = var.notifications.slack
  tags            = local.tags
}

module "guardduty" {
  source = "./modules/guardduty_org"
  count  = var.guardduty.enabled ? 1 : 0
  providers = {
    aws            = aws
    aws.management = aws.management
  }

  name                             = var.name
  regions                          = var.regions
  home_region                      = var.home_region
  organization                     = local.organization
  auto_enable_organization_members = var.guardduty.auto_enable_organization_members
  finding_publishing_frequency     = var.guardduty.finding_publishing_frequency
  protection                       = var.guardduty.protection
  findings_export                  = var.guardduty.findings_export
  # With detection on, findings become alerts there (one format, one incident); otherwise send them directly.
  notifications_topic_arn = var.detection.enabled ? null : module.notifications.topic_arn
  severity_threshold      = local.severity_threshold
  tags                    = local.tags
}

module "coverage_audit" {
  source = "./modules/coverage_audit"
  count  = var.guardduty.enabled && var.guardduty.coverage_audit ? 1 : 0

  name                      = var.name
  regions                   = var.regions
  notifications_topic_arn   = module.notifications.topic_arn
  notifications_kms_key_arn = module.notifications.kms_key_arn
  tags                      = local.tags
}

module "cloudtrail" {
  source = "./modules/cloudtrail_org"
  count  = var.cloudtrail.enabled ? 1 : 0
  providers = {
    aws             = aws.management
    aws.log_archive = aws.log_archive
  }

  name            = "${var.name}-org-trail"
  organization_id = var.organization_id
  bucket_name     = var.cloudtrail.bucket_name
  lifecycle_rules = var.cloudtrail.lifecycle_rules
  object_lock     = var.cloudtrail.object_lock
  cloudwatch_logs = var.cloudtrail.cloudwatch_logs
  data_events     = var.cloudtrail.data_events
  # S3 server access logs of the trail bucket, in a bucket of the log-archive account.
  access_log_bucket = var.cloudtrail.access_log_bucket
  existing_bucket   = var.cloudtrail.existing_bucket
  tags              = local.tags
}

module "detection" {
  source = "./modules/detection"
  count  = var.detection.enabled ? 1 : 0

  name                      = var.name
  notifications_topic_arn   = module.notifications.topic_arn
  notifications_kms_key_arn = module.notifications.kms_key_arn
  organization_id           = var.organization_id
  settings                  = local.detection_settings
  maximum_concurrency       = var.detection.maximum_concurrency
  enrichment_role_name      = var.detection.enrichment_role_name
  reserved_concurrency      = var.detection.reserved_concurrency
  emit_alerts               = var.auto_response.mode != "off" || var.security_hub.enabled
  tags                      = local.tags
}

module "region_watch" {
  source = "./modules/region_watch"
  count  = var.detection.enabled ? 1 : 0

  name                         = var.name
  regions                      = var.regions
  allowed_regions              = var.allowed_regions
  central_event_bus_arn        = module.detection[0].central_event_bus_arn
  guardduty_severity_threshold = local.severity_threshold
  tags                         = local.tags
}

# The management account is the most valuable account to abuse: watch its own API calls too.
module "region_watch_management" {
  source = "./modules/region_watch"
  count  = var.detection.enabled && local.separate_management ? 1 : 0
  providers = {
    aws = aws.management
  }

  name                         = var.name
  regions                      = var.regions
  allowed_regions              = var.allowed_regions
  central_event_bus_arn        = module.detection[0].central_event_bus_arn
  guardduty_severity_threshold = local.severity_threshold
  tags                         = local.tags
}

module "compute_alarms" {
  source = "./modules/compute_alarms"
  count  = var.compute_alarms.enabled ? 1 : 0

  name                    = var.name
  regions                 = var.regions
  home_region             = var.home_region
  notifications_topic_arn = module.notifications.topic_arn
  instance_alarms         = var.compute_alarms.instance_alarms
  tags                    = local.tags
}

module "cost_notifications" {
  source = "./modules/notifications"
  count  = var.cost.enabled && local.separate_management ? 1 : 0
  providers = {
    aws = aws.management
  }

  name            = "${var.name}-cost-alerts"
  email_addresses = var.notifications.email_addresses
  https_endpoints = var.notifications.https_endpoints
  # The Slack workspace must be authorised in the management account's Chatbot console too.
  slack = var.notifications.slack
  tags  = local.tags
}

module "cost" {
  source = "./modules/cost_guardrails"
  count  = var.cost.enabled ? 1 : 0
  providers = {
    aws = aws.management
  }

  name                    = var.name
  notifications_topic_arn = local.separate_management ? module.cost_notifications[0].topic_arn : module.notifications.topic_arn
  currency                = var.cost.currency
  monthly_budget          = var.cost.monthly_budget
  anomaly                 = var.cost.anomaly
  tags                    = local.tags
}

module "spend_kill_switch" {
  source = "./modules/spend_kill_switch"
  count  = var.cost.enabled && var.cost.kill_switch.enabled ? 1 : 0
  providers = {
    aws = aws.management
  }

  name                    = var.name
  monthly_limit           = var.cost.kill_switch.monthly_limit
  currency                = var.cost.currency
  threshold_percent       = var.cost.kill_switch.threshold_percent
  notification_type       = var.cost.kill_switch.notification_type
  approval_model          = var.cost.kill_switch.approval_model
  targets                 = var.cost.kill_switch.targets
  notifications_topic_arn = local.separate_management ? module.cost_notifications[0].topic_arn : module.notifications.topic_arn
  # The responder's member role contains what runs (it scales groups to zero) while the switch is on.
  exempt_principal_arns = concat(
    var.cost.kill_switch.exempt_principal_arns,
    var.auto_response.member_role_name == null ? [] : ["arn:aws:iam::*:role/${var.auto_response.member_role_name}"],
  )
  tags = local.tags
}

module "auto_response" {
  source = "./modules/auto_response"
  count  = var.detection.enabled && var.auto_response.mode != "off" ? 1 : 0

  name                      = var.name
  mode                      = var.auto_response.mode
  min_severity              = var.auto_response.min_severity
  instance_action           = var.auto_response.instance_action
  allowlisted_principals    = coalesce(var.detection.settings.allowlisted_principals, [])
  alert_event_bus_name      = module.detection[0].alert_event_bus_name
  regions                   = var.regions
  notifications_topic_arn   = module.notifications.topic_arn
  notifications_kms_key_arn = module.notifications.kms_key_arn
  member_role_name          = var.auto_response.member_role_name
  organization_id           = var.organization_id
  tags                      = local.tags
}

module "canary" {
  source = "./modules/canary"
  count  = var.canary.enabled ? 1 : 0

  name                    = var.name
  region                  = var.canary.region
  allowed_regions         = var.allowed_regions
  schedule_expression     = var.canary.schedule_expression
  expected_minutes        = var.canary.expected_minutes
  detonation_role_arn     = var.canary.detonation_role_arn
  notifications_topic_arn = module.notifications.topic_arn
  tags                    = local.tags
}

module "security_hub" {
  source = "./modules/security_hub_import"
  count  = var.detection.enabled && var.security_hub.enabled ? 1 : 0

  name                 = var.name
  alert_event_bus_name = module.detection[0].alert_event_bus_name
  tags                 = local.tags
}

# SCPs live in the management account.
module "preventive" {
  source = "./modules/preventive"
  count  = var.preventive.enabled ? 1 : 0
  providers = {
    aws = aws.management
  }

  name                   = var.name
  allowed_regions        = var.allowed_regions
  scps                   = var.preventive.scps
  ec2_declarative_policy = var.preventive.ec2_declarative_policy
  ec2_defaults           = var.preventive.ec2_defaults
  tags                   = local.tags
}
