output "notifications_topic_arn" {
  description = "The alert topic (security account, home region): subscribe more endpoints here, or pass it to `cryptoguard drill --target aws --topic-arn`."
  value       = module.notifications.topic_arn
}

output "central_event_bus_arn" {
  description = "Central bus that member accounts' region watches forward to (null when detection is off)."
  value       = var.detection.enabled ? module.detection[0].central_event_bus_arn : null
}

output "detection_function_name" {
  description = "Detection function; its logs hold one JSON line per detection."
  value       = var.detection.enabled ? module.detection[0].function_name : null
}

output "dead_letter_queue_url" {
  description = "Events the detection function set aside, each with its reason."
  value       = var.detection.enabled ? module.detection[0].dead_letter_queue_url : null
}

output "trail_bucket_name" {
  description = "Central CloudTrail bucket: `python -m cryptoguard hunt s3://<bucket>/AWSLogs/` hunts it with the same rules."
  value       = var.cloudtrail.enabled ? module.cloudtrail[0].bucket_name : null
}

output "guardduty_detector_ids" {
  description = "GuardDuty detector of the delegated administrator per region."
  value       = var.guardduty.enabled ? module.guardduty[0].detector_ids : {}
}

output "guardduty_enabled_features" {
  description = "Protection plans as configured (Runtime Monitoring and its agent managements included)."
  value       = var.guardduty.enabled ? module.guardduty[0].enabled_features : {}
}

output "response_mode" {
  description = "Mode of the responder: off, dry_run or enforce."
  value       = var.auto_response.mode
}

output "scp_ids" {
  description = "Service control policies created, by name (empty unless preventive is enabled)."
  value       = var.preventive.enabled ? module.preventive[0].policy_ids : {}
}

output "detection_function_role_arn" {
  description = "ARN of the detection function's role, for modules/enrichment_role's trusted_role_arns in member accounts (null when detection is off)."
  value       = var.detection.enabled ? module.detection[0].function_role_arn : null
}

output "spend_kill_switch" {
  description = "The spend kill switch's budget name and action id, for approving or reversing it (null unless cost.kill_switch is enabled)."
  value       = var.cost.enabled && var.cost.kill_switch.enabled ? { budget_name = module.spend_kill_switch[0].budget_name, action_id = module.spend_kill_switch[0].action_id } : null
}

output "canary_alarm_names" {
  description = "The canary's alarms (alert missed, canary failed); empty unless canary is enabled."
  value       = var.canary.enabled ? module.canary[0].alarm_names : []
}

output "security_hub_product_arn" {
  description = "Product ARN of the imported findings, to filter on in Security Hub (null unless security_hub is enabled)."
  value       = var.detection.enabled && var.security_hub.enabled ? module.security_hub[0].product_arn : null
}
