output "budget_names" {
  description = "Names of the budgets created (total and per service)."
  value       = [for b in aws_budgets_budget.this : b.name]
}

output "anomaly_monitor_arns" {
  description = "Cost Anomaly Detection monitors the subscription watches."
  value       = aws_ce_anomaly_subscription.this.monitor_arn_list
}
