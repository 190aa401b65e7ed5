variable "name" {
  description = "Prefix of every rule and of the forwarding role."
  type        = string
  default     = "cryptoguard"
}

variable "regions" {
  description = "Every region to watch: all regions enabled in the accounts, used or not. Attackers pick the regions nobody looks at."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "regions must be a non-empty list of region names such as us-east-1 or ap-northeast-1."
  }
}

variable "allowed_regions" {
  description = "Regions the organisation uses. In every other watched region, any write call by a person or workload is forwarded (rule CG-REGION-001). Empty: no unused-region rules."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.allowed_regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "allowed_regions must hold region names such as ap-northeast-1."
  }
}

variable "central_event_bus_arn" {
  description = "ARN of the central event bus (output of modules/detection), in this or another account of the organisation."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+$", var.central_event_bus_arn))
    error_message = "central_event_bus_arn must be an EventBridge bus ARN: arn:aws:events:<region>:<account>:event-bus/<name>."
  }
}

variable "guardduty_severity_threshold" {
  description = "GuardDuty findings at or above this severity are forwarded, whatever their type (crypto findings always are)."
  type        = number
  default     = 7

  validation {
    condition     = var.guardduty_severity_threshold >= 1 && var.guardduty_severity_threshold <= 10
    error_message = "guardduty_severity_threshold is a GuardDuty severity: between 1 and 10."
  }
}

variable "patterns_file" {
  description = "The event pattern catalogue. Leave the default: it is the file the detection Lambda and the CLI read too."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
