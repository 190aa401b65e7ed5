output "central_event_bus_arn" {
  description = "ARN of the central bus: the target of every account's region watch."
  value       = aws_cloudwatch_event_bus.central.arn
}

output "central_event_bus_name" {
  description = "Name of the central bus."
  value       = aws_cloudwatch_event_bus.central.name
}

output "function_name" {
  description = "Name of the detection function (its logs hold one JSON line per detection)."
  value       = module.function.function_name
}

output "dead_letter_queue_url" {
  description = "Queue of events the function set aside or could not process, each with its reason."
  value       = aws_sqs_queue.dead_letters.url
}

output "state_table_name" {
  description = "DynamoDB table of correlation windows and incident counters."
  value       = aws_dynamodb_table.state.name
}

output "alert_event_bus_name" {
  description = "Bus the detection function puts every alert on, for modules/auto_response (null unless emit_alerts). Only the detection function may write to it."
  value       = var.emit_alerts ? aws_cloudwatch_event_bus.alerts[0].name : null
}

output "function_role_arn" {
  description = "ARN of the detection function's role: what modules/enrichment_role trusts in member accounts."
  value       = local.function_role_arn
}
