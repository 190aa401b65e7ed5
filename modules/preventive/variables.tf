variable "name" {
  description = "Prefix of the policy names."
  type        = string
  default     = "cryptoguard"
}

variable "allowed_regions" {
  description = "Regions the organisation uses (for deny_unused_regions)."
  type        = list(string)
  default     = []
}

variable "scps" {
  description = "Service control policies, each optional, each attached to the OU or account ids in its target_ids. Roll out one at a time to a test OU first. SCPs do not apply to the management account or to service-linked roles."
  type = object({
    deny_unused_regions = optional(object({
      enabled               = optional(bool, false)
      target_ids            = optional(list(string), [])
      exempt_principal_arns = optional(list(string), ["arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::*:role/AWSControlTowerExecution"])
    }), {})
    deny_public_lambda_urls = optional(object({
      enabled    = optional(bool, false)
      target_ids = optional(list(string), [])
    }), {})
    deny_accelerated_instances = optional(object({
      enabled                = optional(bool, false)
      target_ids             = optional(list(string), [])
      instance_type_patterns = optional(list(string), ["p*", "g*", "inf*", "trn*", "dl*", "vt*", "f1*", "f2*"])
      exempt_account_ids     = optional(list(string), [])
    }), {})
    deny_iam_users = optional(object({
      enabled                    = optional(bool, false)
      target_ids                 = optional(list(string), [])
      break_glass_principal_arns = optional(list(string), ["arn:aws:iam::*:role/OrganizationAccountAccessRole"])
    }), {})
  })
  default = {}

  validation {
    condition     = !var.scps.deny_unused_regions.enabled || (length(var.allowed_regions) > 0 && length(var.scps.deny_unused_regions.exempt_principal_arns) > 0)
    error_message = "deny_unused_regions needs allowed_regions and at least one exempt principal (the role that manages GuardDuty and other regional baselines must keep working in every region)."
  }

  validation {
    condition     = !var.scps.deny_iam_users.enabled || length(var.scps.deny_iam_users.break_glass_principal_arns) > 0
    error_message = "deny_iam_users needs at least one break-glass principal, or nobody could create an IAM user again."
  }

  validation {
    condition     = alltrue([for k, p in var.scps : !p.enabled || length(p.target_ids) > 0])
    error_message = "An enabled SCP needs target_ids: the OU (ou-...) or account ids to attach it to."
  }
}

variable "ec2_defaults" {
  description = "EC2 account settings for the provider's account, in each region: instance metadata defaults that require IMDSv2 (stolen instance-role credentials start campaigns, seed 000) and optionally Allowed AMIs. Apply in every account that runs instances."
  type = object({
    regions        = optional(list(string), [])
    require_imdsv2 = optional(bool, true)
    allowed_amis = optional(object({
      state           = optional(string, "disabled")
      image_providers = optional(list(string), ["amazon", "aws-marketplace", "aws-backup-vault"])
    }), {})
  })
  default = {}

  validation {
    condition     = contains(["disabled", "audit-mode", "enabled"], var.ec2_defaults.allowed_amis.state)
    error_message = "allowed_amis.state must be disabled, audit-mode (report only: start here) or enabled."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
