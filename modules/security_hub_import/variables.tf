variable "name" {
  description = "Prefix of the function, rules and queue."
  type        = string
  default     = "cryptoguard"
}

variable "alert_event_bus_name" {
  description = "The alert bus of modules/detection (its alert_event_bus_name output, with emit_alerts on)."
  type        = string

  validation {
    condition     = length(var.alert_event_bus_name) > 0
    error_message = "alert_event_bus_name is the detection module's alert bus: turn on emit_alerts there."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
