variable "name" {
  description = "Prefix of the module's named resources."
  type        = string
  default     = "cryptoguard"
}

variable "regions" {
  description = "Every region where GuardDuty runs: all regions enabled in the organisation. A detector in every region is what catches miners in the regions nobody uses."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "regions must be a non-empty list of region names such as us-east-1."
  }

  validation {
    condition     = contains(var.regions, var.home_region)
    error_message = "regions must include home_region: the findings export and notifications live there."
  }
}

variable "home_region" {
  description = "Region of the provider configuration (the delegated administrator's home region): the findings export bucket and the notification rule live there. An input rather than a data source, so that plans know which resources exist even when the module waits on others (depends_on)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.home_region))
    error_message = "home_region must be a region name such as eu-west-1."
  }
}

variable "organization" {
  description = "Manage GuardDuty for an AWS Organization (delegated administrator, auto-enabled members). false: a standalone account, where only its own detectors and protection plans are managed."
  type        = bool
  default     = true
}

variable "auto_enable_organization_members" {
  description = "Which member accounts GuardDuty enables itself: ALL (existing and new), NEW, or NONE."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ALL", "NEW", "NONE"], var.auto_enable_organization_members)
    error_message = "auto_enable_organization_members must be ALL, NEW or NONE."
  }
}

variable "finding_publishing_frequency" {
  description = "How often updates of existing findings are published: FIFTEEN_MINUTES (fastest), ONE_HOUR or SIX_HOURS. New findings are always published within about five minutes."
  type        = string
  default     = "FIFTEEN_MINUTES"

  validation {
    condition     = contains(["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"], var.finding_publishing_frequency)
    error_message = "finding_publishing_frequency must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  }
}

variable "protection" {
  description = "Protection plans, each switchable; the README says what each costs and catches. Runtime Monitoring with its three agent managements is what sees a miner process (Impact:Runtime/CryptoMinerExecuted) and feeds Extended Threat Detection's attack sequences."
  type = object({
    s3_data_events         = optional(bool, true)
    eks_audit_logs         = optional(bool, true)
    ebs_malware_protection = optional(bool, true)
    rds_login_events       = optional(bool, true)
    lambda_network_logs    = optional(bool, true)
    runtime_monitoring = optional(object({
      enabled                      = optional(bool, true)
      eks_addon_management         = optional(bool, true)
      ecs_fargate_agent_management = optional(bool, true)
      ec2_agent_management         = optional(bool, true)
    }), {})
  })
  default = {}
}

variable "findings_export" {
  description = "Export every finding to a KMS-encrypted S3 bucket in this account's home region (GuardDuty keeps findings only 90 days). retention_days: how long exported findings are kept."
  type = object({
    enabled        = optional(bool, true)
    bucket_name    = optional(string)
    retention_days = optional(number, 730)
  })
  default = {}

  validation {
    condition     = var.findings_export.retention_days >= 90
    error_message = "findings_export.retention_days must be at least 90: shorter than GuardDuty's own retention makes the export pointless."
  }
}

variable "notifications_topic_arn" {
  description = "Alert topic in this account's home region. When set, crypto findings and findings at or above severity_threshold from every region are sent to it directly. Leave null when modules/detection already turns findings into alerts."
  type        = string
  default     = null
}

variable "severity_threshold" {
  description = "Findings at or above this severity are notified, whatever their type (crypto findings always are)."
  type        = number
  default     = 7

  validation {
    condition     = var.severity_threshold >= 1 && var.severity_threshold <= 10
    error_message = "severity_threshold is a GuardDuty severity: between 1 and 10."
  }
}

variable "patterns_file" {
  description = "The event pattern catalogue; leave the default (the file the detection Lambda reads)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
