variable "name" {
  description = "Prefix of every resource of the module."
  type        = string
  default     = "cryptoguard"

  validation {
    condition     = can(regex("^[a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, at most 40 characters (it prefixes bus, queue, table and function names)."
  }
}

variable "notifications_topic_arn" {
  description = "ARN of the alert topic (output of modules/notifications), in the same region as this module."
  type        = string
}

variable "notifications_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the alert topic; the detection function needs to use it to publish."
  type        = string
}

variable "organization_id" {
  description = "AWS Organizations id (o-...). When set, every account of the organisation may forward events to the central bus; when null, only this account."
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abc123defg (see the Organizations console), or be null."
  }
}

variable "settings" {
  description = "Detection settings passed to the Lambda as CRYPTOGUARD_SETTINGS. Unset fields take the defaults of cryptoguard/settings.py (listed in the README's rule catalogue), so the defaults live in one place."
  type = object({
    allowed_regions                        = optional(list(string))
    accelerated_families                   = optional(list(string))
    allowed_instance_families              = optional(list(string))
    max_instances_per_call                 = optional(number)
    max_instances_per_window               = optional(number)
    launch_window_minutes                  = optional(number)
    multi_region_launch_threshold          = optional(number)
    max_asg_size                           = optional(number)
    max_batch_vcpus                        = optional(number)
    accelerated_compute_types              = optional(list(string))
    large_build_compute_types              = optional(list(string))
    task_cpu_threshold                     = optional(number)
    max_service_desired_count              = optional(number)
    cluster_burst_threshold                = optional(number)
    termination_protection_burst_threshold = optional(number)
    quota_recon_burst_threshold            = optional(number)
    address_burst_threshold                = optional(number)
    volume_burst_threshold                 = optional(number)
    burst_window_minutes                   = optional(number)
    iam_window_minutes                     = optional(number)
    recon_chain_window_minutes             = optional(number)
    trusted_registries                     = optional(list(string))
    known_bad_images                       = optional(list(string))
    allowlisted_principals                 = optional(list(string))
    administrator_principals               = optional(list(string))
    canary_principals                      = optional(list(string))
    protected_rule_prefix                  = optional(string)
    protection_tag_keys                    = optional(list(string))
    guardduty_severity_threshold           = optional(number)
  })
  default = {}

  # The same rules as the Python loader (cryptoguard/settings.py), so a bad value fails at plan, not in the Lambda.
  validation {
    condition     = alltrue([for v in values(var.settings) : try(v >= 0, true)])
    error_message = "Numeric settings must not be negative."
  }

  validation {
    condition     = alltrue([for k, v in var.settings : try(floor(v) == v, true) if k != "guardduty_severity_threshold"])
    error_message = "Count and minute settings must be whole numbers (only guardduty_severity_threshold takes a fraction)."
  }

  validation {
    condition     = var.settings.guardduty_severity_threshold == null || try(var.settings.guardduty_severity_threshold >= 1 && var.settings.guardduty_severity_threshold <= 10, false)
    error_message = "settings.guardduty_severity_threshold is a GuardDuty severity: between 1 and 10."
  }

  validation {
    condition     = alltrue([for k, v in var.settings : alltrue([for item in v : length(trimspace(item)) > 0]) if v != null && can(tolist(v))])
    error_message = "List settings (regions, families, registries, images, principals) must not hold empty strings."
  }
}

variable "emit_alerts" {
  description = "Also put every alert sent on an alert bus of its own (source cryptoguard, detail-type Cryptoguard Alert) that only the detection function may write to, for modules/auto_response."
  type        = bool
  default     = false
}

variable "batch_size" {
  description = "Events one invocation takes from the queue. With the batching window, a burst of API calls arrives as one batch and so becomes one alert. Keep in step with cryptoguard.pipeline.BATCH_SIZE."
  type        = number
  default     = 1000

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000 (the SQS event source limit with a batching window)."
  }
}

variable "batching_window_seconds" {
  description = "How long the event source gathers messages before invoking the function: the longest an alert waits."
  type        = number
  default     = 30

  validation {
    condition     = var.batching_window_seconds >= 1 && var.batching_window_seconds <= 300
    error_message = "batching_window_seconds must be between 1 and 300."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the SQS event source makes: bounds the detection function's cost under a flood without reserving account concurrency."
  type        = number
  default     = 5

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000
    error_message = "maximum_concurrency must be between 2 and 1000 (the limits of an SQS event source's maximum concurrency)."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of the detection function. null (default): none, since new accounts have a concurrency quota of 10 and reserving from it fails or starves other functions; maximum_concurrency already bounds the function."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= var.maximum_concurrency, false)
    error_message = "reserved_concurrency, when set, must be at least maximum_concurrency, or the event source is throttled."
  }
}

variable "timeout_seconds" {
  description = "Timeout of the detection function. The queue's visibility timeout follows from it (six times, plus the batching window)."
  type        = number
  default     = 120

  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 10 and 900 (Lambda's limit)."
  }
}

variable "max_receive_count" {
  description = "Deliveries of one event before it goes to the dead-letter queue (bounded retries)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's logs, which hold one line per detection."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}

variable "enrichment_role_name" {
  description = "Name of the read-only role (modules/enrichment_role) in member accounts through which the function reads back user data that CloudTrail redacts. null: records are evaluated as CloudTrail wrote them, and the payload rule sees only unredacted user data."
  type        = string
  default     = null

  validation {
    condition     = var.enrichment_role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.enrichment_role_name))
    error_message = "enrichment_role_name must be an IAM role name (up to 64 letters, digits and +=,.@_-), or null."
  }
}
