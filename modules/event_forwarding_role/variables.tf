variable "name" {
  description = "Name of the role."
  type        = string
}

variable "target_bus_arn" {
  description = "The event bus the rules forward to (in this or another region or account)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+$", var.target_bus_arn))
    error_message = "target_bus_arn must be an EventBridge bus ARN: arn:aws:events:<region>:<account>:event-bus/<name>."
  }
}

variable "tags" {
  description = "Tags applied to the role."
  type        = map(string)
  default     = {}
}
