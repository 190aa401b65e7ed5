variable "home_region" {
  description = "Region of the alert topic and the detection function."
  type        = string
  default     = "ap-northeast-1"
}

variable "account_id" {
  description = "The account: it plays the security, management and log-archive roles at once."
  type        = string
}

variable "regions" {
  description = "Every region enabled in the account."
  type        = list(string)
}

variable "allowed_regions" {
  description = "Regions the account uses."
  type        = list(string)
}

variable "alert_emails" {
  description = "Who receives alerts."
  type        = list(string)
}

variable "monthly_budget" {
  description = "Expected monthly spend of the account."
  type        = number
  default     = 300
}
