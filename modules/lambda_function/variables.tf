variable "name" {
  description = "Function name (also the name of its role and log group)."
  type        = string
}

variable "description" {
  description = "Function description."
  type        = string
}

variable "handler" {
  description = "Handler inside the cryptoguard package, for example cryptoguard.handlers.detect.handler."
  type        = string

  validation {
    condition     = startswith(var.handler, "cryptoguard.handlers.")
    error_message = "handler must be one of the package's entry points: cryptoguard.handlers.<module>.handler."
  }
}

variable "policy_json" {
  description = "IAM policy of the function (aws_iam_policy_document JSON). Writing to its own log group is added here."
  type        = string
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 300
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 256
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions. null (default): none; new accounts have a quota of 10 to share."
  type        = number
  default     = null
}

variable "kms_key_arn" {
  description = "Customer managed key for the environment variables and the log group (null: AWS-managed encryption)."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the function's logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
