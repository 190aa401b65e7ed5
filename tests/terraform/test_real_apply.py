"""The real-apply tier: terraform init, validate, plan and apply against the emulators. It needs the
hashicorp/aws (>= 6.28) and hashicorp/archive providers, which `terraform init` downloads from the registry or
takes from a plugin cache or mirror. Where it cannot get them, every test here is skipped with that reason;
the offline checks in test_validate.py cover what can be verified without them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.real_terraform


def _terraform() -> str | None:
    local = ROOT / ".venv" / "bin" / "terraform"
    return shutil.which("terraform") or (str(local) if local.exists() else None)


def _run(args: list[str], cwd: Path, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    merged = {**os.environ, **(env or {}), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    if not Path(merged.get("TF_CLI_CONFIG_FILE", "/")).is_file():
        merged.pop("TF_CLI_CONFIG_FILE", None)
    return subprocess.run(
        [_terraform(), *args, "-no-color"], cwd=cwd, env=merged, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A copy of the repository's Terraform, initialised, or a skip saying what is missing."""
    if _terraform() is None:
        pytest.skip("needs a terraform binary (>= 1.9): run `make setup` or put terraform on PATH")
    work = tmp_path_factory.mktemp("tf")
    for item in ("modules", "examples", "lambda_src", "tests/terraform/fixtures"):
        shutil.copytree(
            ROOT / item, work / item, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".terraform")
        )
    for tf in ROOT.glob("*.tf"):
        shutil.copy(tf, work / tf.name)
    probe = _run(["init", "-backend=false", "-input=false"], work / "examples" / "single_account", timeout=300)
    if probe.returncode != 0:
        reason = next((line for line in probe.stderr.splitlines() if line.strip()), "no output")
        pytest.skip(
            "needs the hashicorp/aws >= 6.28 and hashicorp/archive providers, which `terraform init` could "
            f"not install here (registry, plugin cache or mirror): {reason.strip()[:200]}"
        )
    return work


@pytest.mark.parametrize("example", ["single_account", "complete"])
def test_examples_validate(workspace, example):
    directory = workspace / "examples" / example
    assert _run(["init", "-backend=false", "-input=false"], directory).returncode == 0
    proc = _run(["validate"], directory)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_single_account_example_plans_against_the_emulators(workspace, emulators):
    directory = workspace / "examples" / "single_account"
    tfvars = directory / "terraform.tfvars"
    tfvars.write_text(
        'home_region = "us-east-1"\naccount_id = "000000000000"\nregions = ["us-east-1", "sa-east-1"]\n'
        'allowed_regions = ["us-east-1"]\nalert_emails = ["secops@example.com"]\n'
    )
    env = {**emulators.env(), "TF_VAR_home_region": "us-east-1"}
    proc = _run(["plan", "-input=false", "-out=plan.bin"], directory, env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    shown = json.loads(_run(["show", "-json", "plan.bin"], directory, env).stdout)
    types = {
        r["type"] for r in shown["planned_values"]["root_module"].get("child_modules", [{}])[0].get("resources", [])
    }
    changes = {c["type"] for c in shown["resource_changes"]}
    assert {"aws_guardduty_detector", "aws_cloudtrail", "aws_lambda_function", "aws_budgets_budget"} <= changes, types


def test_detection_stack_applies_and_forwards_an_unused_region_event(workspace, emulators):
    directory = workspace / "tests" / "terraform" / "fixtures" / "apply"
    name = f"cg{uuid.uuid4().hex[:6]}"
    env = {**emulators.env(), "TF_VAR_name": name}
    assert _run(["init", "-backend=false", "-input=false"], directory, env).returncode == 0
    applied = _run(["apply", "-auto-approve", "-input=false"], directory, env)
    assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr[-4000:]
    try:
        events = boto3.client("events", region_name="sa-east-1")
        detail = {
            "eventVersion": "1.09",
            "eventSource": "ec2.amazonaws.com",
            "eventName": "RunInstances",
            "awsRegion": "sa-east-1",
            "eventTime": "2025-11-02T10:00:00Z",
            "eventID": name,
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::000000000000:user/x"},
            "recipientAccountId": "000000000000",
            "readOnly": False,
        }
        events.put_events(
            Entries=[{"Source": "aws.ec2", "DetailType": "AWS API Call via CloudTrail", "Detail": json.dumps(detail)}]
        )
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.get_queue_url(QueueName=f"{name}-detect")["QueueUrl"]
        deadline, bodies = time.monotonic() + 30, []
        while time.monotonic() < deadline and not any(name in b for b in bodies):
            bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2).get("Messages", [])]
        assert any(name in b for b in bodies), "the forwarded event never reached the detection queue"
    finally:
        _run(["destroy", "-auto-approve", "-input=false"], directory, env)
