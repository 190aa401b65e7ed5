# Two accounts: the default provider is the delegated administrator (security account), aws.management is the
# organisation's management account, which designates it. Every regional resource loops over var.regions with
# the aws 6.x `region` argument instead of one provider alias per region.

data "aws_caller_identity" "admin" {}
data "aws_partition" "current" {}

locals {
  admin_account_id = data.aws_caller_identity.admin.account_id
  partition        = data.aws_partition.current.partition
  # An input, not the provider's region: which rules exist in which region must be known at plan time.
  home_region = var.home_region
  rm          = var.protection.runtime_monitoring

  # Feature name => enabled, and the runtime agent managements in the order GuardDuty returns them: the
  # organisation feature's additional_configuration is a list, so any other order is a diff on every plan.
  features = {
    S3_DATA_EVENTS         = var.protection.s3_data_events
    EKS_AUDIT_LOGS         = var.protection.eks_audit_logs
    EBS_MALWARE_PROTECTION = var.protection.ebs_malware_protection
    RDS_LOGIN_EVENTS       = var.protection.rds_login_events
    LAMBDA_NETWORK_LOGS    = var.protection.lambda_network_logs
    RUNTIME_MONITORING     = local.rm.enabled
  }
  runtime_agents = [
    { name = "ECS_FARGATE_AGENT_MANAGEMENT", enabled = local.rm.ecs_fargate_agent_management },
    { name = "EC2_AGENT_MANAGEMENT", enabled = local.rm.ec2_agent_management },
    { name = "EKS_ADDON_MANAGEMENT", enabled = local.rm.eks_addon_management },
  ]

  region_features = merge([
    for region in var.regions : { for f, on in local.features : "${region}/${f}" => { region = region, name = f, enabled = on } }
  ]...)
  # RDS_LOGIN_EVENTS is configured for the organisation only, not on the administrator's own detector.
  detector_features = { for k, v in local.region_features : k => v if v.name != "RDS_LOGIN_EVENTS" }
}

# ---- management account: designate the delegated administrator in every region ----------------------

resource "aws_guardduty_organization_admin_account" "this" {
  provider = aws.management
  for_each = var.organization ? toset(var.regions) : toset([])

  region           = each.key
  admin_account_id = local.admin_account_id

  # The administrator's detector exists first, so designation does not race GuardDuty creating its own.
  depends_on = [aws_guardduty_detector.this]
}

# ---- delegated administrator: detectors, organisation configuration, protection plans ----------------

resource "aws_guardduty_detector" "this" {
  for_each = toset(var.regions)

  region                       = each.key
  enable                       = true
  finding_publishing_frequency = var.finding_publishing_frequency
  tags                         = var.tags
}

resource "aws_guardduty_organization_configuration" "this" {
  for_each = var.organization ? toset(var.regions) : toset([])

  region                           = each.key
  detector_id                      = aws_guardduty_detector.this[each.key].id
  auto_enable_organization_members = var.auto_enable_organization_members

  depends_on = [aws_guardduty_organization_admin_account.this]
}

resource "aws_guardduty_organization_configuration_feature" "this" {
  for_each = var.organization ? local.region_features : {}

  region      = each.value.region
  detector_id = aws_guardduty_detector.this[each.value.region].id
  name        = each.value.name
  auto_enable = each.value.enabled ? var.auto_enable_organization_members : "NONE"

  dynamic "additional_configuration" {
    for_each = each.value.name == "RUNTIME_MONITORING" ? local.runtime_agents : []
    content {
      name        = additional_configuration.value.name
      auto_enable = each.value.enabled && additional_configuration.value.enabled ? var.auto_enable_organization_members : "NONE"
    }
  }

  # Feature settings are rejected until the organisation configuration exists in the region.
  depends_on = [aws_guardduty_organization_configuration.this]
}

resource "aws_guardduty_detector_feature" "this" {
  for_each = local.detector_features

  region      = each.value.region
  detector_id = aws_guardduty_detector.this[each.value.region].id
  name        = each.value.name
  status      = each.value.enabled ? "ENABLED" : "DISABLED"

  dynamic "additional_configuration" {
    for_each = each.value.name == "RUNTIME_MONITORING" ? local.runtime_agents : []
    content {
      name   = additional_configuration.value.name
      status = each.value.enabled && additional_configuration.value.enabled ? "ENABLED" : "DISABLED"
    }
  }
}
