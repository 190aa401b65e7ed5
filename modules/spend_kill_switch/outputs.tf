output "policy_id" {
  description = "The kill-switch SCP (created detached; the Budget Action attaches it)."
  value       = aws_organizations_policy.deny_new_compute.id
}

output "budget_name" {
  description = "The budget the action watches."
  value       = aws_budgets_budget.this.name
}

output "action_id" {
  description = "The Budget Action: approve or reverse it with `aws budgets execute-budget-action --budget-name <budget_name> --action-id <action_id> --execution-type APPROVE_BUDGET_ACTION | REVERSE_BUDGET_ACTION`."
  value       = aws_budgets_budget_action.this.action_id
}

output "policy_content" {
  description = "The SCP's JSON, as attached when the action runs."
  value       = aws_organizations_policy.deny_new_compute.content
}
