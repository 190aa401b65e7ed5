# terraform test: the read-only role that lets the detection function read back redacted user data.

mock_provider "aws" {}

variables {
  trusted_role_arns = ["arn:aws:iam::111111111111:role/cryptoguard-detect"]
}

run "only_the_detection_role_may_assume_it_and_it_only_reads_user_data" {
  command = plan

  assert {
    condition     = one(one(data.aws_iam_policy_document.assume.statement).principals).identifiers == toset(var.trusted_role_arns)
    error_message = "only the detection function's role assumes it"
  }
  assert {
    condition = one(data.aws_iam_policy_document.read_user_data.statement).actions == toset([
      "ec2:DescribeInstanceAttribute", "ec2:DescribeLaunchTemplateVersions", "autoscaling:DescribeLaunchConfigurations",
    ])
    error_message = "the three reads that return user data, nothing else"
  }
  assert {
    condition     = aws_iam_role.this.name == "cryptoguard-enrichment"
    error_message = "the default name is the one the detection module and hunt --enrich use"
  }
}

run "needs_a_trusted_role" {
  command = plan
  variables {
    trusted_role_arns = []
  }
  expect_failures = [var.trusted_role_arns]
}

run "name_must_be_a_role_name" {
  command = plan
  variables {
    name = "no spaces allowed"
  }
  expect_failures = [var.name]
}
