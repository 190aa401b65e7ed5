output "topic_arn" {
  description = "ARN of the alert topic: give it to every module that notifies."
  value       = aws_sns_topic.this.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the topic; publishers outside the listed services need kms:GenerateDataKey on it."
  value       = aws_kms_key.this.arn
}
