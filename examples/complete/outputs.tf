output "notifications_topic_arn" {
  description = "The organisation's alert topic."
  value       = module.cryptoguard.notifications_topic_arn
}

output "central_event_bus_arn" {
  description = "Where every account's region watch forwards events."
  value       = module.cryptoguard.central_event_bus_arn
}

output "trail_bucket_name" {
  description = "Central CloudTrail bucket."
  value       = module.cryptoguard.trail_bucket_name
}
