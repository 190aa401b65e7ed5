# The read-only role the detection function assumes in a member account to read back the user data that
# CloudTrail redacts (<sensitiveDataRemoved>), so that the payload rule sees miners on real trails. Deploy it
# in every member account: one module block per account, or the same resources from a StackSet.

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = var.trusted_role_arns
    }
  }
}

# Only the three reads that return user data; none of them changes anything.
data "aws_iam_policy_document" "read_user_data" {
  statement {
    sid = "ReadUserData"
    actions = [
      "ec2:DescribeInstanceAttribute",
      "ec2:DescribeLaunchTemplateVersions",
      "autoscaling:DescribeLaunchConfigurations",
    ]
    resources = ["*"] # these Describe actions do not support resource-level permissions for all resources
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = "cryptoguard: read back user data that CloudTrail redacts, for the mining payload rule"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "read-user-data"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.read_user_data.json
}
