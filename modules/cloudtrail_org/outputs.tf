output "trail_arn" {
  description = "ARN of the organisation trail."
  value       = aws_cloudtrail.org.arn
}

output "bucket_name" {
  description = "Central log bucket (log-archive account): hunt it with `python -m cryptoguard hunt s3://<bucket>/AWSLogs/<org-id>/`."
  value       = aws_s3_bucket.trail.bucket
}

output "kms_key_arn" {
  description = "Key that encrypts the logs; readers need kms:Decrypt on it."
  value       = aws_kms_key.trail.arn
}
