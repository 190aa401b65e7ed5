output "rules" {
  description = "Every forwarding rule, keyed by region/pattern, with its ARN and state."
  value       = { for k, r in aws_cloudwatch_event_rule.watch : k => { arn = r.arn, state = r.state } }
}

output "forwarding_role_arn" {
  description = "ARN of the role the rules use to put events on the central bus."
  value       = module.forwarding_role.role_arn
}

output "watched_patterns" {
  description = "Which patterns are installed in which region (scopes applied), for review in plans."
  value       = { for region in var.regions : region => sort([for k, r in local.rules : r.name if r.region == region]) }
}
