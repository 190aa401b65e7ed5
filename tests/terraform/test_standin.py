"""Real Terraform against the stand-in providers: it must load their schemas exactly as recovered, and
reject the mistakes that only Terraform sees, wherever they are planted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tools.tfstandin import harness

ROOT = Path(__file__).resolve().parents[2]

PLANTED = {
    "a string given to a bool": (
        'resource "aws_sns_topic" "planted" {\n  name = "x"\n  fifo_topic = "sometimes"\n}\n',
        "Incorrect attribute value type",
    ),
    "an attribute the resource does not have": (
        'output "planted" {\n  description = "x"\n  value = aws_sns_topic.this.no_such_attribute\n}\n',
        'This object has no argument, nested block, or exported attribute named "no_such_attribute"',
    ),
    "an unknown function": (
        'locals {\n  planted = frobnicate("x")\n}\n',
        'There is no function named "frobnicate"',
    ),
    "a block where an attribute belongs": (
        'resource "aws_sns_topic" "planted" {\n  name = "x"\n  tags {\n    a = "b"\n  }\n}\n',
        'Blocks of type "tags" are not expected here',
    ),
    "an argument the resource does not take": (
        'resource "aws_sns_topic" "planted" {\n  nmae = "x"\n}\n',
        'An argument named "nmae" is not expected here',
    ),
    "a nested block without its required argument": (
        'data "aws_iam_policy_document" "planted" {\n  statement {\n    principals {\n'
        '      type = "Service"\n    }\n  }\n}\n',
        'The argument "identifiers" is required',
    ),
}


@pytest.fixture
def module_copy(tmp_path: Path) -> Path:
    target = tmp_path / "notifications"
    shutil.copytree(ROOT / "modules" / "notifications", target, ignore=shutil.ignore_patterns(".terraform*"))
    shutil.copytree(ROOT / "modules" / "shared", tmp_path / "shared")
    return target


def test_the_copied_module_is_valid_before_anything_is_planted(module_copy):
    result = harness.validate(module_copy)
    assert result.ok, result.output


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_terraform_rejects_a_planted_mistake(module_copy, kind):
    text, message = PLANTED[kind]
    (module_copy / "planted.tf").write_text(text)
    result = harness.validate(module_copy)
    assert not result.ok
    assert message in " ".join(result.output.split()), result.output


def test_an_argument_newer_than_the_floor_fails_only_against_the_floor(module_copy):
    """tags on a GuardDuty publishing destination came after hashicorp/aws 6.28: the floor set must say so."""
    (module_copy / "planted.tf").write_text(
        'resource "aws_guardduty_publishing_destination" "planted" {\n  detector_id = "d"\n'
        '  destination_arn = "arn:aws:s3:::b"\n  kms_key_arn = "k"\n  tags = {}\n}\n'
    )
    assert harness.validate(module_copy, "current").ok
    floor = harness.validate(module_copy, "floor")
    assert not floor.ok and 'An argument named "tags" is not expected here' in floor.output


def test_terraform_reads_back_the_schema_the_stand_in_was_built_from(module_copy):
    """The recovered schema survives protobuf and Terraform: `terraform providers schema -json` gives it back."""
    assert harness.init(module_copy).ok
    shown = harness.run(["providers", "schema", "-json"], module_copy)
    assert shown.ok, shown.output
    served = json.loads(shown.output)["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
    recovered = harness.schema("current")
    for kind, names in {
        "resource_schemas": ["aws_s3_bucket", "aws_guardduty_detector_feature", "aws_cloudwatch_event_rule"],
        "data_source_schemas": ["aws_iam_policy_document"],
    }.items():
        for name in names:
            assert _flags(served[kind][name]["block"]) == _flags(recovered[kind][name]["block"]), name
    bucket = served["resource_schemas"]["aws_s3_bucket"]["block"]
    assert bucket["attributes"]["arn"] == {"type": "string", "computed": True, "description_kind": "plain"}
    assert bucket["block_types"]["versioning"]["max_items"] == 1
    assert bucket["block_types"]["grant"]["nesting_mode"] == "set"


def _flags(block: dict) -> dict:
    """Types, flags and nesting of a schema block, without what Terraform adds (description kinds)."""
    keys = ("type", "required", "optional", "computed", "nesting_mode", "min_items", "max_items")
    return {
        "attributes": {n: {k: a[k] for k in keys if a.get(k)} for n, a in block.get("attributes", {}).items()},
        "blocks": {
            n: ({k: b[k] for k in keys if b.get(k)}, _flags(b["block"]))
            for n, b in block.get("block_types", {}).items()
        },
    }
