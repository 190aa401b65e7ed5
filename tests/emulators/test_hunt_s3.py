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


def hunt(emulators, *args: str) -> subprocess.CompletedProcess:
    """The CLI as a user runs it, against the emulators' S3."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "lambda_src"), **emulators.env()}
    command = [sys.executable, "-m", "cryptoguard", "hunt", *args, "--allowed-regions", "ap-northeast-1,us-east-1"]
    return subprocess.run(command, capture_output=True, text=True, env=env)


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
    proc = hunt(emulators, f"s3://{bucket}/AWSLogs/")
    assert proc.returncode == 0, proc.stderr
    findings = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {f["rule_id"] for f in findings} == {"CG-REGION-001", "CG-LAUNCH-002"}
    assert {f["event_id"] for f in findings} == {r["eventID"] for r in records}
    assert f"s3://{bucket}/{prefix}broken.json.gz: not a readable gzip file" in proc.stderr
    assert "1 unreadable inputs" in proc.stderr


def test_filters_are_pushed_down_to_s3_listings(emulators, unique, tmp_path):
    """An organisation trail in S3: keys of other days, accounts and regions, and the digests, are never fetched
    (they are garbage here, so fetching one would be an error), and the findings are those of the filters."""
    from cryptoguard.drill.archive import write_trail

    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = f"org-trail-{unique}"
    s3.create_bucket(Bucket=bucket)
    records = sc.meson_campaign().cloudtrail_records() + sc.unused_region_gpu().cloudtrail_records()
    root = tmp_path / "trail"
    write_trail(records, root)
    for path in root.rglob("*.json.gz"):
        key = str(path.relative_to(root))
        keep = "CloudTrail/us-west-2/2024/02/26/" in key or "CloudTrail/eu-west-1/2024/02/26/" in key
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes() if keep else b"\x1f\x8b garbage")
    s3.put_object(Bucket=bucket, Key="AWSLogs/o-abc123defg/999999999999/CloudTrail/us-west-2/2024/02/26/x.json.gz",
                  Body=b"\x1f\x8b garbage")  # fmt: skip
    proc = hunt(
        emulators,
        f"s3://{bucket}/AWSLogs/",
        *("--since", "2024-02-26", "--until", "2024-02-26T21:30:00Z"),
        *("--account", sc.ACCOUNT, "--region", "us-west-2,eu-west-1"),
    )
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr, proc.stderr
    found = [json.loads(line) for line in proc.stdout.splitlines()]
    assert found and {f["region"] for f in found} == {"us-west-2", "eu-west-1"}
    assert all(f["source"].startswith(f"s3://{bucket}/AWSLogs/o-abc123defg/{sc.ACCOUNT}/CloudTrail/") for f in found)
