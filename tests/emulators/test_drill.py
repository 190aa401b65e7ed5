"""The drill as a user runs it (`python -m cryptoguard drill`), on the session's emulators."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.emulators


def _drill(emulators, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT / "lambda_src"),
        "CRYPTOGUARD_LOCALSTACK_URL": emulators.localstack_url,
        "CRYPTOGUARD_MOTO_URL": emulators.moto_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "cryptoguard", "drill", *args], capture_output=True, text=True, env=env, timeout=600
    )


def test_drill_prints_the_matrix_and_writes_the_report(emulators, tmp_path):
    report = tmp_path / "drill.md"
    proc = _drill(
        emulators, "--scenario", "unused_region_gpu", "--scenario", "admin_creates_user", "--report", str(report)
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = report.read_text()
    assert "| unused_region_gpu | RunInstances p3.16xlarge in sa-east-1 | 000:" in text
    assert "CG-REGION-001, CG-LAUNCH-002 | yes | yes |" in text
    assert "| admin_creates_user |" in text and "quiet" in text and "All 4 steps as expected." in text
    assert "[ok  ]" in proc.stdout


def test_drill_rejects_an_unknown_scenario(emulators):
    proc = _drill(emulators, "--scenario", "nope")
    assert proc.returncode != 0 and "unknown scenario" in proc.stderr


def test_drill_against_aws_explains_what_it_needs():
    proc = subprocess.run(
        [sys.executable, "-m", "cryptoguard", "drill", "--target", "aws"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "lambda_src")},
    )
    assert proc.returncode == 2 and "needs --topic-arn" in proc.stderr


def test_drill_against_aws_without_credentials_says_so(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT / "lambda_src"),
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cryptoguard",
            "drill",
            "--target",
            "aws",
            "--yes",
            "--topic-arn",
            "arn:aws:sns:us-east-1:111122223333:cryptoguard-alerts",
            "--allowed-regions",
            "us-east-1",
            "--region",
            "sa-east-1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2 and "no usable AWS credentials" in proc.stderr
