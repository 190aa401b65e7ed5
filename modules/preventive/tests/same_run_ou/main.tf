# A landing zone that creates an OU and targets it with an SCP in the same run: the OU's id is unknown at
# plan time, which for_each keys must never depend on.

resource "aws_organizations_organizational_unit" "workloads" {
  name      = "workloads"
  parent_id = "r-abcd"
}

module "preventive" {
  source = "../.."

  allowed_regions = ["ap-northeast-1", "us-east-1"]
  scps = {
    deny_accelerated_instances = { enabled = true, targets = { workloads = aws_organizations_organizational_unit.workloads.id } }
  }
}
