output "notifications_topic_arn" {
  description = "The alert topic; `cryptoguard drill --target aws --topic-arn <this>` tests the whole chain."
  value       = module.cryptoguard.notifications_topic_arn
}

output "trail_bucket_name" {
  description = "The account's CloudTrail bucket."
  value       = module.cryptoguard.trail_bucket_name
}
