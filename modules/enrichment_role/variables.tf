variable "name" {
  description = "Name of the role. The detection module's enrichment_role_name must be the same."
  type        = string
  default     = "cryptoguard-enrichment"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be a valid IAM role name: up to 64 letters, digits and +=,.@_-"
  }
}

variable "trusted_role_arns" {
  description = "Roles that may assume this one: the detection function's role in the security account (the detection module's function_role_arn output)."
  type        = list(string)

  validation {
    condition     = length(var.trusted_role_arns) > 0 && alltrue([for arn in var.trusted_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", arn))])
    error_message = "trusted_role_arns needs at least one IAM role ARN (arn:aws:iam::<account>:role/<name>), the detection function's."
  }
}

variable "tags" {
  description = "Tags applied to the role."
  type        = map(string)
  default     = {}
}
