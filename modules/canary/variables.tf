variable "name" {
  description = "Prefix of the function, schedule and alarms; the detection settings recognise the canary by the role <name>-canary."
  type        = string
  default     = "cryptoguard"
}

variable "region" {
  description = "Where the canary detonates: a region outside allowed_regions that the region watch covers."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be a region name such as sa-east-1."
  }

  validation {
    condition     = !contains(var.allowed_regions, var.region)
    error_message = "region must be outside allowed_regions: the canary's call has to look like a launch in a region nobody uses."
  }
}

variable "allowed_regions" {
  description = "The regions in use (as given to detection): the canary's region must not be one of them, or no alert would come."
  type        = list(string)
  default     = []
}

variable "schedule_expression" {
  description = "When the canary runs, in EventBridge Scheduler syntax: cron(...) or rate(...)."
  type        = string
  default     = "cron(0 9 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be cron(...) or rate(...), e.g. cron(0 9 * * ? *) for 09:00 every day."
  }
}

variable "schedule_timezone" {
  description = "Time zone of a cron schedule_expression (IANA name)."
  type        = string
  default     = "UTC"
}

variable "expected_minutes" {
  description = "How long the canary waits for its alert before it reports it missing. CloudTrail delivers management events to EventBridge within minutes; the detection queue adds its batching window."
  type        = number
  default     = 10

  validation {
    condition     = var.expected_minutes >= 2 && var.expected_minutes <= 13
    error_message = "expected_minutes must be between 2 and 13: the canary waits inside one Lambda invocation (15 minutes at most)."
  }
}

variable "detonation_role_arn" {
  description = "A role in another account to detonate from (it needs ec2:DescribeImages and must trust <name>-canary); null: this account."
  type        = string
  default     = null
}

variable "notifications_topic_arn" {
  description = "Where the alarms go when the canary's alert is missing or the canary failed."
  type        = string
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
