variable "name" {
  description = "Name of the workgroup and prefix of the results bucket and key; the Glue database is this name with underscores."
  type        = string
  default     = "cryptoguard-hunt"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,40}$", var.name))
    error_message = "name must be 3 to 41 lower-case letters, digits or dashes (it names a bucket and a Glue database)."
  }
}

variable "trail_bucket_name" {
  description = "The bucket the organisation trail writes to (modules/cloudtrail_org's bucket_name output)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.trail_bucket_name))
    error_message = "trail_bucket_name must be an S3 bucket name."
  }
}

variable "trail_prefix" {
  description = "The trail's S3 key prefix, if it has one (the folder above AWSLogs/), without slashes at either end."
  type        = string
  default     = ""

  validation {
    condition     = !startswith(var.trail_prefix, "/") && !endswith(var.trail_prefix, "/")
    error_message = "trail_prefix must not start or end with a slash: use \"logs\", not \"/logs/\"."
  }
}

variable "organization_id" {
  description = "The organisation's id (o-...): the folder under AWSLogs/ where an organisation trail writes."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abc123defg."
  }
}

variable "accounts" {
  description = "Accounts the table's account partition lists (enum projection: a query without an account filter reads them all; re-apply after adding accounts). Empty: injected projection, where every query names its accounts (hunt --account)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.accounts : can(regex("^[0-9]{12}$", a))])
    error_message = "accounts must be 12-digit account ids."
  }
}

variable "regions" {
  description = "Regions the table's region partition lists (enum projection). Empty: every region AWS has, enabled or not, since the unused ones are where miners go."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "regions must be region names such as eu-west-1."
  }
}

variable "allowed_regions" {
  description = "The regions in use (as given to detection), for the named query on activity elsewhere."
  type        = list(string)
  default     = []
}

variable "start_date" {
  description = "The first day the date partition covers (yyyy/MM/dd): the trail's first day or earlier."
  type        = string
  default     = "2020/01/01"

  validation {
    condition     = can(regex("^20[0-9]{2}/(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])$", var.start_date))
    error_message = "start_date must be a date written yyyy/MM/dd, such as 2024/01/01."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query of the workgroup that scans more than this many bytes (a runaway costs at most this; USD 5 per TB)."
  type        = number
  default     = 1000000000000

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760
    error_message = "bytes_scanned_cutoff_per_query must be at least 10485760 (10 MB), Athena's minimum."
  }
}

variable "results_retention_days" {
  description = "Days query results (and hunt's UNLOADs) are kept in the results bucket."
  type        = number
  default     = 30

  validation {
    condition     = var.results_retention_days >= 1
    error_message = "results_retention_days must be 1 or more."
  }
}

variable "kms_key_arn" {
  description = "A customer managed key for the results bucket and query results; null: the module creates one."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:...)."
  }
}

variable "trail_kms_key_arn" {
  description = "The key the trail encrypts its logs with, if any: hunters need kms:Decrypt on it (added to hunter_policy_json)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
