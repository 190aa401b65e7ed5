variable "name" {
  description = "Prefix of every resource this project creates."
  type        = string
  default     = "cryptoguard"

  validation {
    condition     = can(regex("^[a-z0-9-]{1,30}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, at most 30 characters."
  }
}

variable "regions" {
  description = "Every region enabled in your accounts, used or not: GuardDuty, the region watch and the fleet alarms cover them all. Attackers launch where nobody looks (seeds 000 and 004). Must include home_region and us-east-1, where global services (IAM, STS, Organizations, sign-in) log their events."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "regions must be a non-empty list of region names such as us-east-1 or ap-northeast-1."
  }

  validation {
    condition     = contains(var.regions, var.home_region)
    error_message = "regions must include home_region: the alert topic, the central bus and the detection function live there."
  }

  validation {
    condition     = contains(var.regions, "us-east-1")
    error_message = "regions must include us-east-1: IAM, STS, Organizations and console sign-in record their events only there, so new users, keys and roles would go unseen."
  }
}

variable "home_region" {
  description = "Region of the three provider configurations: alerts, the central bus, detection and the findings export live there."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.home_region))
    error_message = "home_region must be a region name such as eu-west-1."
  }
}

variable "account_ids" {
  description = "The accounts of the three provider configurations: security (aws), management (aws.management) and log_archive (aws.log_archive). Omit management and log_archive in single-account mode. Inputs rather than data sources, so that plans know what to create even when this module waits on others."
  type = object({
    security    = string
    management  = optional(string)
    log_archive = optional(string)
  })

  validation {
    condition     = alltrue([for id in values(var.account_ids) : id == null || can(regex("^[0-9]{12}$", id))])
    error_message = "account_ids must hold 12-digit AWS account ids."
  }
}

variable "allowed_regions" {
  description = "Regions your organisation actually uses. Any write call elsewhere raises CG-REGION-001. Empty: that rule is off (not recommended)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.allowed_regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "allowed_regions must hold region names such as ap-northeast-1."
  }
}

variable "organization_id" {
  description = "AWS Organizations id (o-...). null: single-account mode (a standalone account: own trail, own detectors, no delegated administrator)."
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abc123defg, or be null for single-account mode."
  }
}

variable "notifications" {
  description = "Who is told: email addresses, HTTPS endpoints, and optionally one Slack channel through AWS Chatbot (workspace authorised in the Chatbot console first)."
  type = object({
    email_addresses = optional(list(string), [])
    https_endpoints = optional(list(string), [])
    slack = optional(object({
      workspace_id = string
      channel_id   = string
    }))
  })
  default = {}
}

variable "guardduty" {
  description = "GuardDuty across the organisation (see modules/guardduty_org for every field). Runtime Monitoring with EC2, ECS Fargate and EKS agent management is on by default."
  type = object({
    enabled                          = optional(bool, true)
    auto_enable_organization_members = optional(string, "ALL")
    finding_publishing_frequency     = optional(string, "FIFTEEN_MINUTES")
    # A daily, read-only audit of detectors, Runtime Monitoring and agents in every region (modules/coverage_audit).
    coverage_audit = optional(bool, true)
    protection = optional(object({
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
    }), {})
    findings_export = optional(object({
      enabled        = optional(bool, true)
      bucket_name    = optional(string)
      retention_days = optional(number, 730)
    }), {})
  })
  default = {}
}

variable "cloudtrail" {
  description = "The organisation trail and its central bucket in the log-archive account (see modules/cloudtrail_org)."
  type = object({
    enabled     = optional(bool, true)
    bucket_name = optional(string)
    lifecycle_rules = optional(object({
      archive_after_days = optional(number, 90)
      archive_storage    = optional(string, "GLACIER_IR")
      expire_after_days  = optional(number, 2555)
      noncurrent_days    = optional(number, 90)
    }), {})
    object_lock = optional(object({
      enabled = optional(bool, false)
      mode    = optional(string, "GOVERNANCE")
      days    = optional(number, 365)
    }), {})
    cloudwatch_logs = optional(object({
      enabled        = optional(bool, false)
      retention_days = optional(number, 365)
    }), {})
    data_events = optional(object({
      s3_bucket_arns = optional(list(string), [])
      lambda         = optional(bool, false)
    }), {})
    access_log_bucket = optional(string)
    existing_bucket = optional(object({
      name        = string
      kms_key_arn = optional(string)
    }))
  })
  default = {}
}

variable "detection" {
  description = "The region watch and detection Lambdas. settings: thresholds and allow-lists of the rules (cryptoguard/settings.py names; allowed_regions comes from the top-level variable). enrichment_role_name: the modules/enrichment_role role in member accounts, to read back user data CloudTrail redacts (null: off)."
  type = object({
    enabled = optional(bool, true)
    settings = optional(object({
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
    }), {})
    maximum_concurrency  = optional(number, 5)
    reserved_concurrency = optional(number)
    enrichment_role_name = optional(string)
  })
  default = {}
}

variable "compute_alarms" {
  description = "Per-instance CPU, GPU and network alarms and fleet vCPU alarms for the security account's own workloads (member accounts use modules/compute_alarms, see examples/complete)."
  type = object({
    enabled = optional(bool, true)
    instance_alarms = optional(object({
      cpu_threshold           = optional(number, 90)
      cpu_minutes             = optional(number, 30)
      gpu_threshold           = optional(number, 90)
      gpu_minutes             = optional(number, 30)
      network_out_floor_bytes = optional(number, 5000000000)
      network_packets_floor   = optional(number, 5000000)
      network_band_stddevs    = optional(number, 3)
      network_minutes         = optional(number, 30)
      opt_out_tag             = optional(string, "cryptoguard:alarms")
    }), {})
  })
  default = {}
}

variable "cost" {
  description = "Budgets and Cost Anomaly Detection in the management account (organisation-wide spend)."
  type = object({
    enabled        = optional(bool, true)
    currency       = optional(string, "USD")
    monthly_budget = optional(number, 1000)
    anomaly = optional(object({
      absolute_threshold           = optional(number, 100)
      percentage_threshold         = optional(number, 40)
      existing_service_monitor_arn = optional(string)
      create_service_monitor       = optional(bool, false)
      linked_accounts              = optional(list(string), [])
      network_monitor              = optional(bool, true)
    }), {})
    # The spend kill switch (modules/spend_kill_switch): off unless enabled; MANUAL approval unless AUTOMATIC.
    kill_switch = optional(object({
      enabled               = optional(bool, false)
      monthly_limit         = optional(number)
      threshold_percent     = optional(number, 100)
      notification_type     = optional(string, "ACTUAL")
      approval_model        = optional(string, "MANUAL")
      targets               = optional(map(string), {})
      exempt_principal_arns = optional(list(string), ["arn:aws:iam::*:role/OrganizationAccountAccessRole"])
    }), {})
  })
  default = {}

  validation {
    condition     = !var.cost.kill_switch.enabled || (coalesce(var.cost.kill_switch.monthly_limit, 0) > 0 && length(var.cost.kill_switch.targets) > 0)
    error_message = "cost.kill_switch needs monthly_limit (the spend that trips it) and targets (the OUs or accounts it stops) when enabled."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = {}
}

variable "auto_response" {
  description = "Opt-in response to alerts (modules/auto_response): off (default, nothing deployed), dry_run (reports the exact actions) or enforce."
  type = object({
    mode             = optional(string, "off")
    min_severity     = optional(string, "HIGH")
    instance_action  = optional(string, "stop")
    member_role_name = optional(string)
  })
  default = {}

  validation {
    condition     = contains(["off", "dry_run", "enforce"], var.auto_response.mode)
    error_message = "auto_response.mode must be off, dry_run or enforce."
  }
}

variable "canary" {
  description = "Opt-in canary (modules/canary): on a schedule, a DryRun launch in `region` (outside allowed_regions, inside regions) and an alarm when its alert has not arrived within expected_minutes. Its alerts are labelled [CANARY] and reach no email or HTTPS subscriber. Needs detection."
  type = object({
    enabled             = optional(bool, false)
    region              = optional(string)
    schedule_expression = optional(string, "cron(0 9 * * ? *)")
    expected_minutes    = optional(number, 10)
    detonation_role_arn = optional(string)
  })
  default = {}

  validation {
    condition     = !var.canary.enabled || (var.canary.region != null && var.detection.enabled && contains(var.regions, coalesce(var.canary.region, "-")))
    error_message = "canary needs detection and a region that the region watch covers (one of regions) and that is not in allowed_regions."
  }
}

variable "security_hub" {
  description = "Opt-in import of alerts into Security Hub (modules/security_hub_import) in the security account's home region, as one finding per incident. The account must have Security Hub on; needs detection."
  type = object({
    enabled = optional(bool, false)
  })
  default = {}
}

variable "preventive" {
  description = "Preventive guardrails (modules/preventive), all off by default: SCPs and the organisation-wide EC2 declarative policy in the management account, and the management account's own EC2 defaults. targets: label => OU or account id."
  type = object({
    enabled = optional(bool, false)
    scps = optional(object({
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
    }), {})
    ec2_declarative_policy = optional(object({
      enabled        = optional(bool, false)
      targets        = optional(map(string), {})
      require_imdsv2 = optional(bool, true)
      allowed_amis = optional(object({
        state           = optional(string, "disabled")
        image_providers = optional(list(string), ["amazon", "aws-marketplace", "aws-backup-vault"])
      }), {})
    }), {})
    ec2_defaults = optional(object({
      regions        = optional(list(string), [])
      require_imdsv2 = optional(bool, true)
      allowed_amis = optional(object({
        state           = optional(string, "disabled")
        image_providers = optional(list(string), ["amazon", "aws-marketplace", "aws-backup-vault"])
      }), {})
    }), {})
  })
  default = {}
}
