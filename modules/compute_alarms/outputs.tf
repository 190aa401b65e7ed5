output "provisioner_function_name" {
  description = "Name of the function that creates and deletes per-instance alarms."
  value       = module.function.function_name
}

output "fleet_alarm_names" {
  description = "Fleet alarms per region (absolute vCPU thresholds and jump bands)."
  value       = concat([for a in aws_cloudwatch_metric_alarm.fleet_vcpus : a.alarm_name], [for a in aws_cloudwatch_metric_alarm.fleet_jump : a.alarm_name])
}

output "alarm_prefix" {
  description = "Prefix of every alarm this module and its provisioner create."
  value       = "${var.name}-"
}
