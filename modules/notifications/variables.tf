variable "name" {
  description = "Name of the SNS topic and prefix of the KMS key alias."
  type        = string
  default     = "cryptoguard-alerts"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name))
    error_message = "name may hold letters, digits, hyphens and underscores only (at most 200), as SNS topic names require."
  }
}

variable "email_addresses" {
  description = "Email addresses subscribed to every alert. Each address must confirm the subscription from the email AWS sends."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "Every entry of email_addresses must be an email address such as security@example.com."
  }
}

variable "https_endpoints" {
  description = "HTTPS endpoints (incident tools, webhooks) subscribed to every alert."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.https_endpoints : startswith(u, "https://")])
    error_message = "Every entry of https_endpoints must start with https://: alerts are not sent over plain HTTP."
  }
}

variable "slack" {
  description = "Optional AWS Chatbot delivery to one Slack channel. The workspace must already be authorised in the Chatbot console (a one-time OAuth step that Terraform cannot do)."
  type = object({
    workspace_id = string
    channel_id   = string
  })
  default = null
}

variable "publisher_service_principals" {
  description = "Service principals allowed to publish to the topic and use its key. The defaults are every service this project sends through the topic."
  type        = list(string)
  default     = ["events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com"]
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the topic's KMS key is deleted after a destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30, as KMS allows."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
