variable "name" {
  description = "Name of the organisation trail."
  type        = string
  default     = "cryptoguard-org-trail"
}

variable "organization_id" {
  description = "AWS Organizations id (o-...): the trail covers every account of the organisation and writes under AWSLogs/<organization_id>/. null: a standalone account, with a multi-region trail of its own."
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abc123defg (see the Organizations console), or be null for a standalone account."
  }
}

variable "existing_bucket" {
  description = "Write the trail to a bucket that already exists (your own log archive, or an adopted one) instead of creating bucket, key and bucket policy here. The bucket's policy (and the key's, if kms_key_arn is set) must already admit this trail: see the README's adoption section."
  type = object({
    name        = string
    kms_key_arn = optional(string)
  })
  default = null
}

variable "bucket_name" {
  description = "Name of the central log bucket in the log-archive account. Default: <name>-<log archive account id>."
  type        = string
  default     = null
}

variable "lifecycle_rules" {
  description = "When logs move to archive storage and when they expire. Investigations of mining campaigns reach months back (seed 000): keep at least a year."
  type = object({
    archive_after_days = optional(number, 90)
    archive_storage    = optional(string, "GLACIER_IR")
    expire_after_days  = optional(number, 2555)
    noncurrent_days    = optional(number, 90)
  })
  default = {}

  validation {
    condition     = var.lifecycle_rules.expire_after_days > var.lifecycle_rules.archive_after_days && var.lifecycle_rules.expire_after_days >= 365
    error_message = "lifecycle_rules.expire_after_days must be at least 365 and later than archive_after_days."
  }

  validation {
    condition     = contains(["GLACIER_IR", "GLACIER", "DEEP_ARCHIVE", "STANDARD_IA", "INTELLIGENT_TIERING"], var.lifecycle_rules.archive_storage)
    error_message = "lifecycle_rules.archive_storage must be GLACIER_IR, GLACIER, DEEP_ARCHIVE, STANDARD_IA or INTELLIGENT_TIERING."
  }
}

variable "object_lock" {
  description = "Optional S3 Object Lock on the log bucket, switched on in place (no new bucket); once on it cannot be switched off. COMPLIANCE mode cannot be shortened even by root."
  type = object({
    enabled = optional(bool, false)
    mode    = optional(string, "GOVERNANCE")
    days    = optional(number, 365)
  })
  default = {}

  validation {
    condition     = contains(["GOVERNANCE", "COMPLIANCE"], var.object_lock.mode)
    error_message = "object_lock.mode must be GOVERNANCE or COMPLIANCE."
  }
}

variable "cloudwatch_logs" {
  description = "Also deliver the trail to CloudWatch Logs in the management account (for metric filters and Logs Insights)."
  type = object({
    enabled        = optional(bool, false)
    retention_days = optional(number, 365)
  })
  default = {}
}

variable "data_events" {
  description = "Data events are off by default (they can cost more than everything else here). s3_bucket_arns: buckets whose object-level calls to log; lambda: log every Lambda invocation."
  type = object({
    s3_bucket_arns = optional(list(string), [])
    lambda         = optional(bool, false)
  })
  default = {}
}

variable "access_log_bucket" {
  description = "Optional bucket (in the log-archive account) that receives S3 server access logs of the trail bucket."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
