"""Security and consistency properties of the real Terraform files, read with the same parser as the checker."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from cryptoguard import patterns
from cryptoguard.alarms import AlarmSettings
from cryptoguard.pipeline import BATCH_SIZE
from cryptoguard.settings import Settings
from tools.tfcheck.check import code_parts, expressions, load_module
from tools.tfstandin import harness

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p for p in (ROOT / "modules").iterdir() if (p / "variables.tf").exists())
DIRS = [d for d in harness.terraform_dirs(ROOT) if "tests" not in d.relative_to(ROOT).parts]


# Wildcards AWS itself prescribes, each granted only to a service principal under an aws:SourceArn condition.
DOCUMENTED_WILDCARDS = {"kms:GenerateDataKey*"}  # CloudTrail's key policy for SSE-KMS with an S3 Bucket Key


def floor(provider: str) -> str:
    """major.minor of a provider in the floor set that `make validate` checks (6.28.0 -> 6.28)."""
    return ".".join(harness.provider_version("floor", provider).split(".")[:2])


def _unquote(value: object) -> str:
    text = str(value)
    return text[1:-1] if text.startswith('"') and text.endswith('"') else text


def _statements(module):
    for file, (_, name), body in module.blocks("data"):
        for statement in body.get("statement", []) if isinstance(body.get("statement"), list) else []:
            yield file, name, statement
        for dyn in body.get("dynamic", []):
            for block in dyn.values():
                for content in block.get("content", []):
                    yield file, name, content


@pytest.mark.parametrize("module_dir", MODULES, ids=lambda p: p.name)
def test_standard_module_structure(module_dir):
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (module_dir / name).exists(), f"{module_dir.name} lacks {name}"
    versions = (module_dir / "versions.tf").read_text()
    # 1.9: validations that read other variables. Provider floors: the versions `make validate` checks.
    assert re.search(r'required_version\s*=\s*">= 1\.9"', versions)
    pinned = re.findall(r'source\s*=\s*"hashicorp/(\w+)"\s*\n\s*version\s*=\s*"([^"]+)"', versions)
    assert "aws" in dict(pinned)
    for name, constraint in pinned:
        assert constraint == f">= {floor(name)}", f"{module_dir.name}: hashicorp/{name} {constraint}"


@pytest.mark.parametrize("directory", DIRS, ids=lambda p: str(p.relative_to(ROOT)) or "root")
def test_no_wildcard_actions_are_granted(directory):
    module = load_module(directory)
    for file, name, statement in _statements(module):
        if _unquote(statement.get("effect", '"Allow"')) == "Deny":
            continue
        actions = statement.get("actions", [])
        for action in actions if isinstance(actions, list) else [actions]:
            text = _unquote(action)
            assert "*" not in text or text in DOCUMENTED_WILDCARDS, f"{file}: {name} grants wildcard action {text}"


def test_kms_admin_actions_are_explicit():
    actions = json.loads((ROOT / "modules" / "shared" / "kms_key_admin_actions.json").read_text())["actions"]
    assert actions and all("*" not in a for a in actions) and "kms:PutKeyPolicy" in actions


@pytest.mark.parametrize("module_dir", MODULES, ids=lambda p: p.name)
def test_every_taggable_resource_is_tagged(module_dir):
    """Taggable at the provider floor: a resource that only later versions can tag stays untagged, or the
    module would break everyone on the floor version."""
    schema = harness.schema("floor")["resource_schemas"]
    module = load_module(module_dir)
    for file, (type_name, name), body in module.blocks("resource"):
        if "tags" in schema.get(type_name, {}).get("block", {}).get("attributes", {}):
            assert "tags" in body, f"{file}: {type_name}.{name} is taggable but untagged"


@pytest.mark.parametrize("module_dir", MODULES, ids=lambda p: p.name)
def test_regional_resources_loop_over_the_regions(module_dir):
    """A resource that names its region must come from a for_each over the regions, so no region is missed."""
    module = load_module(module_dir)
    for file, (type_name, name), body in module.blocks("resource"):
        if "region" in body:
            assert "for_each" in body or "count" in body, f"{file}: {type_name}.{name} sets region without a loop"


def _bucket_policies():
    for module_dir in ("cloudtrail_org", "guardduty_org"):
        module = load_module(ROOT / "modules" / module_dir)
        yield module_dir, [s for _, name, s in _statements(module) if name in ("bucket", "export_bucket")]


@pytest.mark.parametrize(
    "module_dir,statements", list(_bucket_policies()), ids=lambda x: x if isinstance(x, str) else ""
)
def test_buckets_are_tls_only(module_dir, statements):
    tls = [
        s
        for s in statements
        if _unquote(s.get("effect")) == "Deny"
        and any(_unquote(c.get("variable")) == "aws:SecureTransport" for c in s.get("condition", []))
    ]
    assert tls, f"{module_dir}: bucket policy lacks a TLS-only deny"


def test_trail_bucket_denies_deletion_and_scopes_writes_to_the_trail():
    module = load_module(ROOT / "modules" / "cloudtrail_org")
    statements = {_unquote(s.get("sid")): s for _, name, s in _statements(module) if name == "bucket"}
    assert "s3:DeleteObject" in [_unquote(a) for a in statements["NoDeletion"]["actions"]]
    write = statements["CloudTrailWritesOrganisationAndManagementLogs"]
    assert "AWSLogs/${var.organization_id}" in str(write["resources"]) and "AWSLogs/${local.management_id}" in str(
        write["resources"]
    )
    assert any(_unquote(c["variable"]) == "aws:SourceArn" for c in write["condition"])


def test_terraform_reads_the_same_pattern_file_as_the_lambda():
    for module_dir in ("region_watch", "guardduty_org"):
        module = load_module(ROOT / "modules" / module_dir)
        code = " ".join(code_parts(e) for _, _, body in module.blocks("locals") for e in expressions(body))
        match = re.search(r'file\(coalesce\(var\.patterns_file,\s*"\$\{path\.module\}/([^"]+)"', code) or re.search(
            r'"\$\{path\.module\}/([^"]*patterns\.json)"',
            " ".join(str(v) for _, _, b in module.blocks("locals") for v in b.values()),
        )
        assert match, module_dir
        assert (ROOT / "modules" / module_dir / match.group(1)).resolve() == patterns.DATA_FILE.resolve()


def test_detection_settings_variable_matches_the_python_settings():
    text = (ROOT / "modules" / "detection" / "variables.tf").read_text()
    block = text[text.index('variable "settings"') : text.index('variable "batch_size"')]
    names = set(re.findall(r"^\s+(\w+)\s+= optional\(", block, re.MULTILINE))
    assert names == {f.name for f in dataclasses.fields(Settings)}
    root = (ROOT / "variables.tf").read_text()
    root_block = root[root.index('variable "detection"') : root.index('variable "compute_alarms"')]
    root_names = set(re.findall(r"^\s+(\w+)\s+= optional\(", root_block, re.MULTILINE)) - {
        "enabled",
        "settings",
        "reserved_concurrency",
        "enrichment_role_name",
        "maximum_concurrency",
    }
    assert root_names == names - {"allowed_regions"}


def test_alarm_settings_match_the_provisioner():
    text = (ROOT / "modules" / "compute_alarms" / "variables.tf").read_text()
    block = text[text.index('variable "instance_alarms"') : text.index('variable "reconcile_schedule"')]
    names = set(re.findall(r"^\s+(\w+)\s+= optional\(", block, re.MULTILINE))
    assert names | {"prefix", "regions"} == {f.name for f in dataclasses.fields(AlarmSettings)}
    defaults = AlarmSettings()
    for name in names:
        value = re.search(rf"{name}\s+= optional\(\w+, \"?([^\")]+)\"?\)", block).group(1)
        default = getattr(defaults, name)
        assert (float(value) == float(default)) if isinstance(default, int | float) else value == default, name


def test_batch_size_default_matches_the_pipeline():
    text = (ROOT / "modules" / "detection" / "variables.tf").read_text()
    block = text[text.index('variable "batch_size"') :]
    assert int(re.search(r"default\s+=\s+(\d+)", block).group(1)) == BATCH_SIZE


def test_the_log_bucket_and_its_key_cannot_be_destroyed_by_a_plan():
    """Years of evidence: a rename or a mistaken `enabled = false` must stop at plan, never delete them."""
    module = load_module(ROOT / "modules" / "cloudtrail_org")
    protected = {
        (type_name, name)
        for _, (type_name, name), body in module.blocks("resource")
        for lifecycle in body.get("lifecycle", [])
        if lifecycle.get("prevent_destroy") is True
    }
    assert {("aws_s3_bucket", "trail"), ("aws_kms_key", "trail")} <= protected
