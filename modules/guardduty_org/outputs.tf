output "detector_ids" {
  description = "Detector id of the delegated administrator in each region."
  value       = { for r, d in aws_guardduty_detector.this : r => d.id }
}

output "admin_account_id" {
  description = "The delegated administrator account."
  value       = local.admin_account_id
}

output "findings_bucket_name" {
  description = "Bucket of exported findings (null when export is off)."
  value       = local.export ? aws_s3_bucket.export[0].bucket : null
}

output "enabled_features" {
  description = "Protection plans and runtime agent managements as configured for the organisation."
  value = merge(
    { for f, on in local.features : f => on },
    { for a in local.runtime_agents : "RUNTIME_MONITORING/${a.name}" => local.rm.enabled && a.enabled },
  )
}
