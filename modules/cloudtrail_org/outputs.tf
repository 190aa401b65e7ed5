output "trail_arn" {
  description = "ARN of the organisation trail."
  value       = aws_cloudtrail.org.arn
}

output "bucket_name" {
  description = "Central log bucket (log-archive account): hunt it with `python -m cryptoguard hunt s3://<bucket>/AWSLogs/<org-id>/`."
  value       = local.bucket_name
}

output "kms_key_arn" {
  description = "Key that encrypts the logs; readers need kms:Decrypt on it (the existing bucket's key, if any, in existing_bucket mode)."
  value       = local.create_bucket ? aws_kms_key.trail[0].arn : var.existing_bucket.kms_key_arn
}
