"""`hunt s3://bucket/prefix` against LocalStack's S3: a trail archive laid out as the organisation trail writes it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from cryptoguard.drill import scenarios as sc

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.emulators


def test_hunt_reads_an_s3_prefix_and_reports_unreadable_objects(emulators, unique):
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = f"trail-{unique}"
    s3.create_bucket(Bucket=bucket)
    prefix = f"AWSLogs/o-abc123defg/{sc.ACCOUNT}/CloudTrail/sa-east-1/2021/12/10/"
    records = sc.unused_region_gpu().cloudtrail_records()
    s3.put_object(
        Bucket=bucket, Key=prefix + "a.json.gz", Body=gzip.compress(json.dumps({"Records": records}).encode())
    )
    s3.put_object(Bucket=bucket, Key=prefix + "broken.json.gz", Body=b"\x1f\x8b broken")
    s3.put_object(Bucket=bucket, Key="elsewhere/ignored.json.gz", Body=gzip.compress(b'{"Records": []}'))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "lambda_src"), **emulators.env()}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cryptoguard",
            "hunt",
            f"s3://{bucket}/AWSLogs/",
            "--allowed-regions",
            "ap-northeast-1,us-east-1",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    findings = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {f["rule_id"] for f in findings} == {"CG-REGION-001", "CG-LAUNCH-002"}
    assert {f["event_id"] for f in findings} == {r["eventID"] for r in records}
    assert f"s3://{bucket}/{prefix}broken.json.gz: not a readable gzip file" in proc.stderr
    assert "1 unreadable inputs" in proc.stderr
