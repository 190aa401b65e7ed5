variable "name" {
  description = "Prefix of the budget, policy and role names."
  type        = string
  default     = "cryptoguard"
}

variable "monthly_limit" {
  description = "The organisation's monthly spend (in currency) that the kill switch measures against: set it well above normal spend, so that only a runaway month reaches it."
  type        = number

  validation {
    condition     = var.monthly_limit > 0
    error_message = "monthly_limit must be a positive amount."
  }
}

variable "currency" {
  description = "Currency of monthly_limit, as billed (usually USD)."
  type        = string
  default     = "USD"
}

variable "threshold_percent" {
  description = "The action fires when spend passes this percentage of monthly_limit."
  type        = number
  default     = 100

  validation {
    condition     = var.threshold_percent > 0 && var.threshold_percent <= 1000
    error_message = "threshold_percent must be between 0 (exclusive) and 1000 percent of monthly_limit."
  }
}

variable "notification_type" {
  description = "ACTUAL (default: spend incurred) or FORECASTED (the month's forecast: earlier, but a forecast jumps on one expensive day and would stop compute for a spike that ends)."
  type        = string
  default     = "ACTUAL"

  validation {
    condition     = contains(["ACTUAL", "FORECASTED"], var.notification_type)
    error_message = "notification_type must be ACTUAL or FORECASTED."
  }
}

variable "approval_model" {
  description = "MANUAL (default): Budgets notifies the topic and waits for a person to approve the action in the Budgets console or with `aws budgets execute-budget-action --execution-type APPROVE_BUDGET_ACTION`. AUTOMATIC: the SCP is attached at once, with nobody in the loop; choose it only after a MANUAL trial."
  type        = string
  default     = "MANUAL"

  validation {
    condition     = contains(["MANUAL", "AUTOMATIC"], var.approval_model)
    error_message = "approval_model must be MANUAL (a person approves) or AUTOMATIC (applied at once)."
  }
}

variable "targets" {
  description = "Where the SCP is attached when the action runs: a map from a label you choose to an OU id (ou-...) or a 12-digit account id. The management account itself is never restricted by SCPs."
  type        = map(string)

  validation {
    condition     = length(var.targets) > 0
    error_message = "targets needs at least one OU or account id: the kill switch has to stop compute somewhere."
  }

  validation {
    condition     = alltrue([for id in values(var.targets) : can(regex("^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|[0-9]{12})$", id))])
    error_message = "Each target must be an OU id (ou-xxxx-xxxxxxxx) or a 12-digit account id."
  }
}

variable "exempt_principal_arns" {
  description = "Roles that keep launching under the kill switch: break-glass roles (to restore service once the incident is understood) and the roles that contain it (this project's responder). ARN patterns with * for the account."
  type        = list(string)
  default     = ["arn:aws:iam::*:role/OrganizationAccountAccessRole"]

  validation {
    condition     = length(var.exempt_principal_arns) > 0
    error_message = "exempt_principal_arns needs at least one break-glass role, or nobody in the target accounts could launch anything until the action is reversed."
  }
}

variable "notifications_topic_arn" {
  description = "Topic that Budgets notifies when the action is pending approval or runs (its policy must allow budgets.amazonaws.com; modules/notifications does)."
  type        = string
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
