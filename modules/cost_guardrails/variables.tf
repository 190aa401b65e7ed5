variable "name" {
  description = "Prefix of budgets, monitors and the cost category."
  type        = string
  default     = "cryptoguard"
}

variable "notifications_topic_arn" {
  description = "Alert topic that Budgets and Cost Anomaly Detection publish to. Its policy must allow budgets.amazonaws.com and costalerts.amazonaws.com (modules/notifications does), and it must not use the AWS-managed SNS key."
  type        = string
}

variable "currency" {
  description = "Currency of every amount here, as billed (usually USD)."
  type        = string
  default     = "USD"
}

variable "monthly_budget" {
  description = "Expected total monthly spend of the account (the organisation, when applied in the management account)."
  type        = number

  validation {
    condition     = var.monthly_budget > 0
    error_message = "monthly_budget must be a positive amount."
  }
}

variable "service_budgets" {
  description = "Monthly budgets per service, by Cost Explorer service name. Defaults cover what mining campaigns spend on: EC2 instances, EC2-Other (data transfer, EBS, public IPv4 via VPC), ECS/Fargate, SageMaker and Lambda."
  type = map(object({
    amount   = number
    services = list(string)
  }))
  default = {
    ec2_compute = { amount = 1000, services = ["Amazon Elastic Compute Cloud - Compute"] }
    ec2_other   = { amount = 300, services = ["EC2 - Other", "Amazon Virtual Private Cloud"] }
    ecs_fargate = { amount = 300, services = ["Amazon Elastic Container Service"] }
    sagemaker   = { amount = 100, services = ["Amazon SageMaker"] }
    lambda      = { amount = 100, services = ["AWS Lambda"] }
  }

  validation {
    condition     = alltrue([for b in values(var.service_budgets) : b.amount > 0 && length(b.services) > 0])
    error_message = "Every service budget needs a positive amount and at least one service name."
  }
}

variable "actual_threshold_percent" {
  description = "Notify when actual spend passes this percentage of a budget."
  type        = number
  default     = 80
}

variable "forecast_threshold_percent" {
  description = "Notify when forecast spend passes this percentage of a budget: the early warning for a fleet launched mid-month."
  type        = number
  default     = 100
}

variable "anomaly" {
  description = "Cost Anomaly Detection. Only one DIMENSIONAL SERVICE monitor may exist per account, and AWS creates one (Default-Services-Monitor) in most accounts: the module subscribes to it when existing_service_monitor_arn is set (`aws ce get-anomaly-monitors` shows it), and creates its own only with create_service_monitor = true, in an account that has none. linked_accounts: also watch these accounts' total spend with a CUSTOM monitor."
  type = object({
    absolute_threshold           = optional(number, 100)
    percentage_threshold         = optional(number, 40)
    existing_service_monitor_arn = optional(string)
    create_service_monitor       = optional(bool, false)
    linked_accounts              = optional(list(string), [])
    network_monitor              = optional(bool, true)
  })
  default = {}

  validation {
    condition     = var.anomaly.absolute_threshold > 0 && var.anomaly.percentage_threshold > 0
    error_message = "anomaly thresholds must be positive: an anomaly is notified when its impact is at least absolute_threshold OR percentage_threshold percent."
  }

  validation {
    condition     = !(var.anomaly.create_service_monitor && var.anomaly.existing_service_monitor_arn != null)
    error_message = "anomaly: set existing_service_monitor_arn or create_service_monitor, not both: an account holds one SERVICE monitor."
  }

  validation {
    condition     = var.anomaly.existing_service_monitor_arn != null || var.anomaly.create_service_monitor || var.anomaly.network_monitor || length(var.anomaly.linked_accounts) > 0
    error_message = "anomaly: the subscription needs a monitor: give existing_service_monitor_arn (preferred), or turn on create_service_monitor, network_monitor or linked_accounts."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
