output "policy_ids" {
  description = "Ids of the SCPs created, by name."
  value       = { for k, p in aws_organizations_policy.this : k => p.id }
}

output "policy_sizes" {
  description = "Characters of each SCP as stored (the limit is 5,120)."
  value       = { for k, p in aws_organizations_policy.this : k => length(p.content) }
}
