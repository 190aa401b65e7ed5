output "function_name" {
  description = "The import function."
  value       = module.function.function_name
}

output "product_arn" {
  description = "The product ARN the findings are imported under (filter on it in Security Hub)."
  value       = local.product_arn
}

output "dead_letter_queue_url" {
  description = "Alerts that could not be imported after retries, for a person to look at and replay."
  value       = aws_sqs_queue.dead_letters.id
}
