variable "name" {
  description = "Prefix of the function and its schedule."
  type        = string
  default     = "cryptoguard"
}

variable "regions" {
  description = "Regions to audit: every region GuardDuty should cover (the root module's regions)."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "regions must list at least one region name, such as ap-northeast-1."
  }
}

variable "schedule_expression" {
  description = "When the audit runs (EventBridge schedule expression)."
  type        = string
  default     = "rate(1 day)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be cron(...) or rate(...), e.g. rate(1 day)."
  }
}

variable "notifications_topic_arn" {
  description = "Topic the gaps are published to, as alerts."
  type        = string
}

variable "notifications_kms_key_arn" {
  description = "Key of the topic (modules/notifications' kms_key_arn)."
  type        = string
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
