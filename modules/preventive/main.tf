# Preventive guardrails: SCPs (apply with the management account's provider) and EC2 account defaults.
# The policy texts are the templates in policies/, which the tests render and evaluate too.

locals {
  templates = {
    deny_unused_regions = {
      allowed_regions = var.allowed_regions
      # This project's own roles act in every region: its region watch, responder and member roles.
      exempt_principal_arns = distinct(concat(var.scps.deny_unused_regions.exempt_principal_arns, local.project_roles))
    }
    deny_public_lambda_urls = {}
    deny_accelerated_instances = {
      instance_type_patterns = var.scps.deny_accelerated_instances.instance_type_patterns
      exempt_account_ids     = var.scps.deny_accelerated_instances.exempt_account_ids
    }
    deny_iam_users = {
      break_glass_principal_arns = var.scps.deny_iam_users.break_glass_principal_arns
    }
    deny_protection_tags = {
      tag_keys              = var.scps.deny_protection_tags.tag_keys
      exempt_principal_arns = var.scps.deny_protection_tags.exempt_principal_arns
    }
  }
  project_roles = ["arn:aws:iam::*:role/${var.name}-*"]
  enabled       = { for name, values in local.templates : name => values if var.scps[name].enabled }
  # Keyed by the static labels of `targets`, never by the ids: an OU created in the same run has an id that
  # is unknown at plan time, and for_each keys must be known.
  attachments = merge([
    for name in keys(local.enabled) : { for label, target in var.scps[name].targets : "${name}/${label}" => { policy = name, target = target } }
  ]...)
  descriptions = {
    deny_unused_regions        = "Deny API calls outside the allowed regions (global services and exempt roles excepted)"
    deny_public_lambda_urls    = "Deny Lambda function URLs with AuthType NONE"
    deny_accelerated_instances = "Deny launching GPU and accelerated instance families"
    deny_iam_users             = "Deny IAM users, access keys and passwords outside break-glass roles"
    deny_protection_tags       = "Only named roles may set or remove the tags that switch cryptoguard's protection off"
  }
}

resource "aws_organizations_policy" "this" {
  for_each = local.enabled

  name        = "${var.name}-${replace(each.key, "_", "-")}"
  description = local.descriptions[each.key]
  type        = "SERVICE_CONTROL_POLICY"
  # Minified: the 5,120-character SCP limit counts whitespace.
  content = jsonencode(jsondecode(templatefile("${path.module}/policies/${each.key}.json.tftpl", each.value)))
  tags    = var.tags
}

resource "aws_organizations_policy_attachment" "this" {
  for_each = local.attachments

  policy_id = aws_organizations_policy.this[each.value.policy].id
  target_id = each.value.target
}

resource "aws_ec2_instance_metadata_defaults" "this" {
  for_each = var.ec2_defaults.require_imdsv2 ? toset(var.ec2_defaults.regions) : toset([])

  region                      = each.key
  http_tokens                 = "required"
  http_put_response_hop_limit = 2 # containers on the instance still reach IMDS
}

resource "aws_ec2_allowed_images_settings" "this" {
  for_each = var.ec2_defaults.allowed_amis.state == "disabled" ? toset([]) : toset(var.ec2_defaults.regions)

  region = each.key
  state  = var.ec2_defaults.allowed_amis.state

  image_criterion {
    image_providers = var.ec2_defaults.allowed_amis.image_providers
  }
}

# ---- organisation-wide EC2 defaults (declarative policy) ----------------------------------------------------
# The per-account settings above only reach the provider's own account; a declarative policy for EC2 sets
# IMDSv2 and Allowed AMIs for every account under its targets, and accounts cannot change them.

locals {
  ec2_policy = var.ec2_declarative_policy
  ec2_attributes = merge(
    local.ec2_policy.require_imdsv2 ? {
      instance_metadata_defaults = {
        http_tokens                 = { "@@assign" = "required" }
        http_put_response_hop_limit = { "@@assign" = "2" }
      }
    } : {},
    local.ec2_policy.allowed_amis.state == "disabled" ? {} : {
      allowed_images_settings = {
        state = { "@@assign" = local.ec2_policy.allowed_amis.state }
        image_criteria = {
          criteria_1 = { allowed_image_providers = { "@@append" = local.ec2_policy.allowed_amis.image_providers } }
        }
      }
    },
  )
}

resource "aws_organizations_policy" "ec2" {
  count = local.ec2_policy.enabled ? 1 : 0

  name        = "${var.name}-ec2-defaults"
  description = "IMDSv2 and Allowed AMIs for every account of the targets"
  type        = "DECLARATIVE_POLICY_EC2"
  content     = jsonencode({ ec2_attributes = local.ec2_attributes })
  tags        = var.tags
}

resource "aws_organizations_policy_attachment" "ec2" {
  for_each = local.ec2_policy.enabled ? local.ec2_policy.targets : {}

  policy_id = aws_organizations_policy.ec2[0].id
  target_id = each.value
}
