output "role_arn" {
  description = "ARN of the role, for the rules' targets."
  value       = aws_iam_role.this.arn
}
