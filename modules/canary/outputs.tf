output "canary_principals" {
  description = "ARN patterns of the canary's role, for the detection settings' canary_principals."
  value = concat(
    ["arn:${data.aws_partition.current.partition}:iam::*:role/${var.name}-canary"],
    var.detonation_role_arn == null ? [] : [var.detonation_role_arn],
  )
}

output "schedule_arn" {
  description = "The EventBridge Scheduler schedule."
  value       = aws_scheduler_schedule.this.arn
}

output "alarm_names" {
  description = "The alarms: alert missed, canary failed."
  value       = [aws_cloudwatch_metric_alarm.missed.alarm_name, aws_cloudwatch_metric_alarm.failed.alarm_name]
}
