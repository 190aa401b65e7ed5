output "role_arn" {
  description = "ARN of the read-only enrichment role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role, for the detection module's enrichment_role_name."
  value       = aws_iam_role.this.name
}
