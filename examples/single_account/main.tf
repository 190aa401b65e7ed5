# Single-account mode: one account plays every role, no organisation.
module "cryptoguard" {
  source = "../.."
  providers = {
    aws             = aws
    aws.management  = aws
    aws.log_archive = aws
  }

  home_region     = var.home_region
  account_ids     = { security = var.account_id }
  regions         = var.regions
  allowed_regions = var.allowed_regions
  notifications   = { email_addresses = var.alert_emails }
  cost            = { monthly_budget = var.monthly_budget }
}
