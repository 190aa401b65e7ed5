# The spend kill switch: when the organisation's spend passes a line, a Budget Action attaches an SCP that denies
# new compute to the OUs named. The last line of defence, for when every detection and every person missed the
# fleet: it stops growth, it does not stop what already runs (the responder and people do that). Apply with the
# management account's provider: Budgets sees the organisation's spend there, and only it can attach SCPs.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  account   = data.aws_caller_identity.current.account_id
}

# Created detached: only the Budget Action attaches it, and releasing the action detaches it again.
resource "aws_organizations_policy" "deny_new_compute" {
  name        = "${var.name}-spend-kill-switch"
  description = "Deny new compute (instances, fleets, groups, tasks, SageMaker) after spend passed ${var.threshold_percent}% of ${var.monthly_limit} ${var.currency}"
  type        = "SERVICE_CONTROL_POLICY"
  # Minified: the 5,120-character SCP limit counts whitespace.
  content = jsonencode(jsondecode(templatefile("${path.module}/policies/deny_new_compute.json.tftpl", {
    exempt_principal_arns = var.exempt_principal_arns
  })))
  tags = var.tags
}

resource "aws_budgets_budget" "this" {
  name         = "${var.name}-spend-kill-switch"
  budget_type  = "COST"
  limit_amount = tostring(var.monthly_limit)
  limit_unit   = var.currency
  time_unit    = "MONTHLY"
  tags         = var.tags
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com"]
    }
    # Only this account's budget actions may use the role (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

# Attach and detach this one policy, to any target: the targets are OUs and accounts of the organisation.
data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "AttachTheKillSwitchOnly"
    actions   = ["organizations:AttachPolicy", "organizations:DetachPolicy"]
    resources = [aws_organizations_policy.deny_new_compute.arn, "arn:${local.partition}:organizations::${local.account}:ou/*", "arn:${local.partition}:organizations::${local.account}:account/*"]
  }
  statement {
    sid       = "ReadPolicies"
    actions   = ["organizations:DescribePolicy", "organizations:ListPolicies", "organizations:ListTargetsForPolicy"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-spend-kill-switch"
  description        = "Lets AWS Budgets attach and detach the spend kill switch SCP"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "attach-kill-switch"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_budgets_budget_action" "this" {
  budget_name        = aws_budgets_budget.this.name
  action_type        = "APPLY_SCP_POLICY"
  approval_model     = var.approval_model
  notification_type  = var.notification_type
  execution_role_arn = aws_iam_role.execution.arn

  action_threshold {
    action_threshold_type  = "PERCENTAGE"
    action_threshold_value = var.threshold_percent
  }

  definition {
    scp_action_definition {
      policy_id  = aws_organizations_policy.deny_new_compute.id
      target_ids = values(var.targets)
    }
  }

  subscriber {
    subscription_type = "SNS"
    address           = var.notifications_topic_arn
  }

  tags = var.tags

  # The role must be able to act before Budgets first evaluates the action.
  depends_on = [aws_iam_role_policy.execution]
}
