variable "name" {
  description = "Prefix of the module's resources."
  type        = string
  default     = "cryptoguard"
}

variable "mode" {
  description = "off: nothing is deployed by the root module. dry_run: the responder reports the exact actions it would take. enforce: it takes them. Start with dry_run, read a few reports, then enforce."
  type        = string
  default     = "dry_run"

  validation {
    condition     = contains(["off", "dry_run", "enforce"], var.mode)
    error_message = "mode must be off, dry_run or enforce."
  }
}

variable "min_severity" {
  description = "Alerts at or above this severity are acted on."
  type        = string
  default     = "HIGH"

  validation {
    condition     = contains(["MEDIUM", "HIGH", "CRITICAL"], var.min_severity)
    error_message = "min_severity must be MEDIUM, HIGH or CRITICAL: acting on LOW alerts would stop legitimate work."
  }
}

variable "instance_action" {
  description = "What happens to flagged instances after termination protection is cleared: stop (keeps the disk for forensics) or terminate."
  type        = string
  default     = "stop"

  validation {
    condition     = contains(["stop", "terminate"], var.instance_action)
    error_message = "instance_action must be stop or terminate."
  }
}

variable "allow_tag" {
  description = "Tag key that protects a resource: with value true, the responder never touches it (and its IAM policy forbids it where the service supports tag conditions)."
  type        = string
  default     = "cryptoguard:allow"
}

variable "allowlisted_principals" {
  description = "Principals (ARN glob patterns) whose alerts are never acted on."
  type        = list(string)
  default     = []
}

variable "alert_event_bus_name" {
  description = "The alert bus the detection function puts alerts on (output alert_event_bus_name of modules/detection), which only that function may write to."
  type        = string
}

variable "regions" {
  description = "Regions the responder may act in (every watched region)."
  type        = list(string)
}

variable "notifications_topic_arn" {
  description = "Alert topic: every response (taken or planned) is reported there."
  type        = string
}

variable "notifications_kms_key_arn" {
  description = "KMS key of the alert topic."
  type        = string
}

variable "member_role_name" {
  description = "Role the responder assumes in other accounts of the organisation (deploy it there with the same permissions). null: it acts in this account only."
  type        = string
  default     = null
}

variable "organization_id" {
  description = "Organisation id; with member_role_name, the responder may assume that role only in accounts of this organisation."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
