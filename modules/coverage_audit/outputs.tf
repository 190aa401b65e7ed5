output "function_name" {
  description = "The audit function (invoke it to audit now)."
  value       = module.function.function_name
}
