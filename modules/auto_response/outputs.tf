output "function_name" {
  description = "Responder function; its logs hold one JSON line per action, taken or planned."
  value       = module.function.function_name
}

output "mode" {
  description = "The mode the responder runs in."
  value       = var.mode
}
