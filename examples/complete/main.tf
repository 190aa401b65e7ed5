module "cryptoguard" {
  source = "../.."
  providers = {
    aws             = aws
    aws.management  = aws.management
    aws.log_archive = aws.log_archive
  }

  home_region     = var.home_region
  regions         = var.regions
  allowed_regions = var.allowed_regions
  organization_id = var.organization_id
  account_ids = {
    security    = var.security_account_id
    management  = var.management_account_id
    log_archive = var.log_archive_account_id
  }
  notifications = { email_addresses = var.alert_emails }

  detection = {
    settings = {
      # Deployment pipelines that legitimately launch fleets never raise alerts.
      allowlisted_principals = ["arn:aws:iam::*:role/github-deploy"]
      trusted_registries     = ["${var.workload_account_id}.dkr.ecr."]
    }
  }

  cost = {
    monthly_budget = 5000
    anomaly        = { absolute_threshold = 200, percentage_threshold = 30 }
  }

  tags = { owner = "security" }
}

# ---- the per-account part, in each workload account (shown for one) ----------------------------------

module "workload_alerts" {
  source    = "../../modules/notifications"
  providers = { aws = aws.workloads }

  name            = "cryptoguard-alerts"
  email_addresses = var.alert_emails
}

module "workload_region_watch" {
  source    = "../../modules/region_watch"
  providers = { aws = aws.workloads }

  regions               = var.regions
  allowed_regions       = var.allowed_regions
  central_event_bus_arn = module.cryptoguard.central_event_bus_arn
}

module "workload_compute_alarms" {
  source    = "../../modules/compute_alarms"
  providers = { aws = aws.workloads }

  regions                 = var.regions
  home_region             = var.home_region
  notifications_topic_arn = module.workload_alerts.topic_arn
}
