variable "home_region" {
  description = "Region of the alert topic, the central bus and the detection function."
  type        = string
  default     = "ap-northeast-1"
}

variable "organization_id" {
  description = "AWS Organizations id (o-...)."
  type        = string
}

variable "management_account_id" {
  description = "Organisation management account."
  type        = string
}

variable "security_account_id" {
  description = "Security account: GuardDuty delegated administrator, alerts and detection."
  type        = string
}

variable "log_archive_account_id" {
  description = "Log archive account: the central CloudTrail bucket."
  type        = string
}

variable "workload_account_id" {
  description = "One member account running workloads, to show the per-account part (region watch and compute alarms)."
  type        = string
}

variable "deployment_role_name" {
  description = "Role Terraform assumes in each account (for example the Control Tower execution role)."
  type        = string
  default     = "AWSControlTowerExecution"
}

variable "regions" {
  description = "Every region enabled in the organisation."
  type        = list(string)
}

variable "allowed_regions" {
  description = "Regions the organisation uses."
  type        = list(string)
}

variable "alert_emails" {
  description = "Who receives alerts."
  type        = list(string)
}
