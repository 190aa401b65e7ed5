"""The offline Terraform checker must fail on each kind of mistake `terraform validate` would catch."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.tfcheck.check import check_module, load_schemas

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schemas():
    return load_schemas(ROOT / ".cache" / "schemas")


GOOD = """
variable "name" {
  description = "Topic name."
  type        = string
}
resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = "alias/x"
}
resource "aws_guardduty_detector_feature" "rm" {
  detector_id = "abc"
  name        = "RUNTIME_MONITORING"
  status      = "ENABLED"
  dynamic "additional_configuration" {
    for_each = ["EKS_ADDON_MANAGEMENT"]
    content {
      name   = additional_configuration.value
      status = "ENABLED"
    }
  }
}
module "child" {
  source = "./child"
  topic  = aws_sns_topic.this.arn
}
output "topic_arn" {
  description = "ARN."
  value       = module.child.arn
}
"""
CHILD = """
variable "topic" {
  description = "Topic ARN."
  type        = string
}
output "arn" {
  description = "Echo."
  value       = var.topic
}
"""


def findings(tmp_path: Path, schemas, main: str) -> list[str]:
    (tmp_path / "child").mkdir(exist_ok=True)
    (tmp_path / "child" / "main.tf").write_text(CHILD)
    (tmp_path / "main.tf").write_text(main)
    return [f.message for f in check_module(tmp_path, schemas)]


def test_a_correct_module_has_no_findings(tmp_path, schemas):
    assert findings(tmp_path, schemas, GOOD) == []


@pytest.mark.parametrize(
    "change,expected",
    [
        (
            ("kms_master_key_id", "kms_master_keyid"),
            "unknown argument `kms_master_keyid` (did you mean `kms_master_key_id`?)",
        ),
        (('  status      = "ENABLED"\n  dynamic', "  dynamic"), "missing required argument `status`"),
        (('aws_sns_topic" "this', 'aws_sns_topicz" "this'), "unknown resource type `aws_sns_topicz`"),
        (
            ('dynamic "additional_configuration"', 'dynamic "additional_config"'),
            "unknown nested block `additional_config`",
        ),
        (("name              = var.name", "name              = var.nam"), "undefined variable `var.nam`"),
        (("topic  = aws_sns_topic.this.arn", "topicc = aws_sns_topic.this.arn"), "`./child` has no input `topicc`"),
        (("topic  = aws_sns_topic.this.arn", "# no topic"), "missing required input `topic` of `./child`"),
        (("module.child.arn", "module.child.nope"), "module `child` has no output `nope`"),
        (("aws_sns_topic.this.arn", "aws_sns_topic.this.arnn"), "`aws_sns_topic` has no attribute `arnn`"),
        (("aws_sns_topic.this.arn", "aws_sns_topic.that.arn"), "undefined resource `aws_sns_topic.that`"),
        (('description = "ARN."', ""), "output.topic_arn: has no description"),
        (
            ("name              = var.name", "name = var.name\n  tags_all = {}"),
            "`tags_all` is computed by the provider",
        ),
        (('detector_id = "abc"', 'detector_id = "abc"\n  x = each.key'), "`each.` used outside a block with for_each"),
    ],
)
def test_each_kind_of_mistake_is_caught(tmp_path, schemas, change, expected):
    old, new = change
    assert old in GOOD
    found = findings(tmp_path, schemas, GOOD.replace(old, new, 1))
    assert any(expected in f for f in found), found


def test_a_parse_error_is_a_finding(tmp_path, schemas):
    assert any("does not parse" in f for f in findings(tmp_path, schemas, GOOD + "\nresource {"))


def test_words_in_strings_are_not_references(tmp_path, schemas):
    text = GOOD.replace('kms_master_key_id = "alias/x"', 'kms_master_key_id = "see var.undefined and module.x"')
    assert findings(tmp_path, schemas, text) == []
