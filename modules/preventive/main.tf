# Preventive guardrails: SCPs (apply with the management account's provider) and EC2 account defaults.
# The policy texts are the templates in policies/, which the tests render and evaluate too.

locals {
  templates = {
    deny_unused_regions = {
      allowed_regions       = var.allowed_regions
      exempt_principal_arns = var.scps.deny_unused_regions.exempt_principal_arns
    }
    deny_public_lambda_urls = {}
    deny_accelerated_instances = {
      instance_type_patterns = var.scps.deny_accelerated_instances.instance_type_patterns
      exempt_account_ids     = var.scps.deny_accelerated_instances.exempt_account_ids
    }
    deny_iam_users = {
      break_glass_principal_arns = var.scps.deny_iam_users.break_glass_principal_arns
    }
  }
  enabled = { for name, values in local.templates : name => values if var.scps[name].enabled }
  attachments = merge([
    for name in keys(local.enabled) : { for target in var.scps[name].target_ids : "${name}/${target}" => { policy = name, target = target } }
  ]...)
  descriptions = {
    deny_unused_regions        = "Deny API calls outside the allowed regions (global services and exempt roles excepted)"
    deny_public_lambda_urls    = "Deny Lambda function URLs with AuthType NONE"
    deny_accelerated_instances = "Deny launching GPU and accelerated instance families"
    deny_iam_users             = "Deny IAM users, access keys and passwords outside break-glass roles"
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
