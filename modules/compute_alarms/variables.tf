variable "name" {
  description = "Prefix of the module's resources and of every alarm it creates."
  type        = string
  default     = "cryptoguard"

  validation {
    condition     = can(regex("^[a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, at most 40 characters."
  }
}

variable "regions" {
  description = "Every region whose instances get alarms and whose fleet usage is watched."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "regions must be a non-empty list of region names such as us-east-1."
  }

  validation {
    condition     = contains(var.regions, var.home_region)
    error_message = "regions must include home_region, where the provisioner and the alert rule run."
  }
}

variable "home_region" {
  description = "Region of the provider configuration: the provisioner function and the alert rule live there; other regions forward to it. An input, so that plans know the forwarding rules even when the module waits on others (depends_on)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.home_region))
    error_message = "home_region must be a region name such as eu-west-1."
  }
}

variable "notifications_topic_arn" {
  description = "Alert topic in this provider's region; alarm state changes from every region are sent to it."
  type        = string
}

variable "instance_alarms" {
  description = "Per-instance alarms made by the provisioner. An instance tagged opt_out_tag = off gets none. Network alarms fire only above the band AND above the floor (bytes or packets per 5 minutes)."
  type = object({
    cpu_threshold           = optional(number, 90)
    cpu_minutes             = optional(number, 30)
    gpu_threshold           = optional(number, 90)
    gpu_minutes             = optional(number, 30)
    network_out_floor_bytes = optional(number, 5000000000)
    network_packets_floor   = optional(number, 5000000)
    network_band_stddevs    = optional(number, 3)
    network_minutes         = optional(number, 30)
    opt_out_tag             = optional(string, "cryptoguard:alarms")
  })
  default = {}

  validation {
    condition     = var.instance_alarms.cpu_threshold > 0 && var.instance_alarms.cpu_threshold <= 100 && var.instance_alarms.gpu_threshold > 0 && var.instance_alarms.gpu_threshold <= 100
    error_message = "cpu_threshold and gpu_threshold are percentages: above 0 and at most 100."
  }

  validation {
    condition     = var.instance_alarms.cpu_minutes >= 5 && var.instance_alarms.gpu_minutes >= 5 && var.instance_alarms.network_minutes >= 5
    error_message = "Alarm durations must be at least 5 minutes (one basic-monitoring period)."
  }
}

variable "reconcile_schedule" {
  description = "How often the provisioner reconciles alarms with instances in every region (catches missed events and opt-out tag changes)."
  type        = string
  default     = "rate(1 hour)"
}

variable "fleet_vcpu_alarms" {
  description = "Alarms on AWS/Usage ResourceCount (vCPUs running) per region, keyed SERVICE/CLASS (CLASS as AWS/Usage names it: Standard/OnDemand, G/Spot...). They need no agent and catch a fleet before any per-instance alarm: set thresholds just above normal use. GPU classes default to a handful of vCPUs."
  type = map(object({
    threshold = number
  }))
  default = {
    "EC2/Standard/OnDemand"     = { threshold = 256 }
    "EC2/Standard/Spot"         = { threshold = 128 }
    "EC2/G/OnDemand"            = { threshold = 8 }
    "EC2/G/Spot"                = { threshold = 8 }
    "EC2/P/OnDemand"            = { threshold = 8 }
    "EC2/P/Spot"                = { threshold = 8 }
    "EC2/Inf/OnDemand"          = { threshold = 8 }
    "EC2/Trn/OnDemand"          = { threshold = 8 }
    "EC2/DL/OnDemand"           = { threshold = 8 }
    "Fargate/Standard/OnDemand" = { threshold = 128 }
    "Fargate/Standard/Spot"     = { threshold = 128 }
  }

  validation {
    condition     = alltrue([for k, v in var.fleet_vcpu_alarms : length(split("/", k)) == 3 && v.threshold >= 0])
    error_message = "fleet_vcpu_alarms keys are SERVICE/CLASS/PURCHASE (for example EC2/G/OnDemand) and thresholds are vCPU counts, not negative."
  }
}

variable "fleet_jump_alarm" {
  description = "Anomaly-band alarm on the standard on-demand and spot vCPU counts: a jump of many small instances (seed 004: 500 x t2.micro per region) that stays under the absolute thresholds. floor_vcpus: below it, never alarm."
  type = object({
    enabled     = optional(bool, true)
    floor_vcpus = optional(number, 32)
    stddevs     = optional(number, 3)
  })
  default = {}
}

variable "extra_usage_alarms" {
  description = "More AWS/Usage ResourceCount alarms, for usage your accounts publish there (for example Elastic IP addresses): name, dimensions, threshold."
  type = list(object({
    name       = string
    dimensions = map(string)
    threshold  = number
  }))
  default = []
}

variable "log_retention_days" {
  description = "Retention of the provisioner's logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
