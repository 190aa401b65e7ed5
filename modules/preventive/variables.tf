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
  description = "Service control policies, each optional, each attached to the OUs or accounts in its targets: a map from a label you choose to the id (ou-... or a 12-digit account id), so that an OU created in the same run can be targeted. Roll out one at a time to a test OU first. SCPs do not apply to the management account or to service-linked roles. deny_unused_regions exempts Control Tower's list of global services and this project's roles (<name>-*)."
  type = object({
    deny_unused_regions = optional(object({
      enabled               = optional(bool, false)
      targets               = optional(map(string), {})
      exempt_principal_arns = optional(list(string), ["arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::*:role/AWSControlTowerExecution"])
    }), {})
    deny_public_lambda_urls = optional(object({
      enabled = optional(bool, false)
      targets = optional(map(string), {})
    }), {})
    deny_accelerated_instances = optional(object({
      enabled                = optional(bool, false)
      targets                = optional(map(string), {})
      instance_type_patterns = optional(list(string), ["p*", "g*", "inf*", "trn*", "dl*", "vt*", "f1*", "f2*"])
      exempt_account_ids     = optional(list(string), [])
    }), {})
    # An attacker who can tag its instances cryptoguard:allow=true or opt them out of alarms switches the
    # protection off: only the roles named here may set or remove these keys (on create too).
    deny_protection_tags = optional(object({
      enabled               = optional(bool, false)
      targets               = optional(map(string), {})
      tag_keys              = optional(list(string), ["cryptoguard:allow", "cryptoguard:alarms"])
      exempt_principal_arns = optional(list(string), [])
    }), {})
    deny_iam_users = optional(object({
      enabled                    = optional(bool, false)
      targets                    = optional(map(string), {})
      break_glass_principal_arns = optional(list(string), ["arn:aws:iam::*:role/OrganizationAccountAccessRole"])
    }), {})
  })
  default = {}

  validation {
    condition     = !var.scps.deny_unused_regions.enabled || (length(var.allowed_regions) > 0 && length(var.scps.deny_unused_regions.exempt_principal_arns) > 0)
    error_message = "deny_unused_regions needs allowed_regions and at least one exempt principal (the role that manages GuardDuty and other regional baselines must keep working in every region)."
  }

  validation {
    condition     = !var.scps.deny_protection_tags.enabled || (length(var.scps.deny_protection_tags.exempt_principal_arns) > 0 && length(var.scps.deny_protection_tags.tag_keys) > 0)
    error_message = "deny_protection_tags needs the tag keys and at least one role that may still set them (the platform team's), or nobody could allow-list anything again."
  }

  validation {
    condition     = !var.scps.deny_iam_users.enabled || length(var.scps.deny_iam_users.break_glass_principal_arns) > 0
    error_message = "deny_iam_users needs at least one break-glass principal, or nobody could create an IAM user again."
  }

  validation {
    condition     = alltrue([for k, p in var.scps : !p.enabled || length(p.targets) > 0])
    error_message = "An enabled SCP needs targets: a map from a label to the OU (ou-...) or account id to attach it to."
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

variable "ec2_declarative_policy" {
  description = "EC2 defaults for the whole organisation through a declarative policy (type DECLARATIVE_POLICY_EC2, enabled on the organisation root first): instance metadata requires IMDSv2, and optionally Allowed AMIs. targets: label => root (r-...), OU or account id. Unlike ec2_defaults, member accounts cannot undo it."
  type = object({
    enabled        = optional(bool, false)
    targets        = optional(map(string), {})
    require_imdsv2 = optional(bool, true)
    allowed_amis = optional(object({
      state           = optional(string, "disabled")
      image_providers = optional(list(string), ["amazon", "aws-marketplace", "aws-backup-vault"])
    }), {})
  })
  default = {}

  validation {
    condition     = contains(["disabled", "audit_mode", "enabled"], var.ec2_declarative_policy.allowed_amis.state)
    error_message = "ec2_declarative_policy.allowed_amis.state must be disabled, audit_mode (report only: start here) or enabled."
  }

  validation {
    condition     = !var.ec2_declarative_policy.enabled || length(var.ec2_declarative_policy.targets) > 0
    error_message = "An enabled ec2_declarative_policy needs targets: the root, OU or account ids to attach it to."
  }

  validation {
    condition     = !var.ec2_declarative_policy.enabled || var.ec2_declarative_policy.require_imdsv2 || var.ec2_declarative_policy.allowed_amis.state != "disabled"
    error_message = "ec2_declarative_policy is enabled but sets nothing: keep require_imdsv2 or choose an allowed_amis state."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
