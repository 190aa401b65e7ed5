"""`python -m cryptoguard hunt` as a user runs it: real files, real process, JSON lines out."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cryptoguard.drill import scenarios as sc

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_FIELDS = {
    "rule_id",
    "severity",
    "title",
    "event_id",
    "event_name",
    "event_time",
    "account",
    "region",
    "principal",
    "source_ip",
    "details",
}


def hunt(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "cryptoguard", "hunt", *args],
        capture_output=True,
        input=stdin if stdin is not None else b"",
        cwd=cwd or ROOT,
        env={"PYTHONPATH": str(ROOT / "lambda_src"), "PATH": "/usr/bin:/bin"},
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A CloudTrail archive as the org trail writes it: AWSLogs/<org>/<account>/CloudTrail/<region>/y/m/d/*.json.gz,
    with the Meson campaign split across files and one EventBridge event file."""
    records = sc.meson_campaign().cloudtrail_records()
    base = tmp_path / "AWSLogs" / "o-abc123" / sc.ACCOUNT / "CloudTrail"
    for i in range(0, len(records), 10):
        region = records[i]["awsRegion"]
        path = base / region / "2024" / "02" / "26" / f"{sc.ACCOUNT}_CloudTrail_{region}_{i:04d}.json.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(json.dumps({"Records": records[i : i + 10]}).encode()))
    event = sc.unused_region_gpu().events()[0]
    (tmp_path / "event.json").write_text(json.dumps(event))
    return tmp_path


def test_hunt_reads_a_trail_archive_and_writes_json_lines(archive):
    proc = hunt(str(archive), "--allowed-regions", ",".join(sc.ALLOWED_REGIONS))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines and all(set(line) >= REQUIRED_FIELDS for line in lines)
    rules = {line["rule_id"] for line in lines}
    assert {
        "CG-LAUNCH-001",
        "CG-REGION-001",
        "CG-LAUNCH-004",
        "CG-NET-001",
        "CG-STORAGE-001",
        "CG-LAUNCH-002",
    } <= rules
    assert "records read" in proc.stderr and "unreadable inputs" in proc.stderr
    # The user data is redacted, as in real trails: without --enrich the payload is not looked for, and hunt says so.
    assert "CG-PAYLOAD-001" not in rules
    assert "4 launches had their user data redacted by CloudTrail" in proc.stderr and "--enrich" in proc.stderr


def test_hunt_reads_json_lines_of_events_and_records(tmp_path):
    events = sc.nov2025_campaign().events()
    lines = [
        json.dumps(e if i % 2 else e["detail"]) for i, e in enumerate(events) if e["detail-type"] != "GuardDuty Finding"
    ]
    (tmp_path / "mixed.jsonl").write_text("\n".join(lines))
    proc = hunt(str(tmp_path / "mixed.jsonl"))
    assert proc.returncode == 0, proc.stderr
    assert "CG-ASG-001" in {json.loads(line)["rule_id"] for line in proc.stdout.splitlines()}


def test_bad_files_are_reported_and_the_rest_still_hunted(archive):
    (archive / "broken.json").write_text('{"Records": [')
    (archive / "broken.json.gz").write_bytes(b"\x1f\x8b not gzip")
    (archive / "records.jsonl").write_text('{"eventName": "RunInstances"}\nnot json\n')
    proc = hunt(str(archive), "--allowed-regions", "ap-northeast-1,us-east-1")
    assert proc.returncode == 0
    assert "broken.json.gz: not a readable gzip file" in proc.stderr
    assert "records.jsonl:1: CloudTrail record lacks eventSource, eventTime" in proc.stderr
    assert "records.jsonl:2: not JSON" in proc.stderr
    assert "CG-LAUNCH-001" in proc.stdout


def test_fail_on_severity_sets_the_exit_code(archive):
    assert hunt(str(archive), "--fail-on", "critical").returncode == 3
    quiet = archive / "quiet"
    quiet.mkdir()
    (quiet / "benign.json").write_text(
        json.dumps(
            {"Records": [e["detail"] for s in sc.benign_scenarios() for e in s.events() if "eventName" in e["detail"]]}
        )
    )
    assert hunt(str(quiet), "--fail-on", "high", "--allowed-regions", "ap-northeast-1,us-east-1").returncode == 0


def test_settings_from_a_config_file(archive, tmp_path):
    config = tmp_path / "settings.json"
    config.write_text(
        json.dumps(
            {
                "allowed_regions": list(sc.ALLOWED_REGIONS),
                "allowlisted_principals": ["arn:aws:iam::*:role/web-app-instance"],
                "max_instances_per_call": 1000,
            }
        )
    )
    proc = hunt(str(archive), "--config", str(config))
    rules = {json.loads(line)["rule_id"] for line in proc.stdout.splitlines()}
    assert "CG-LAUNCH-001" not in rules and "CG-REGION-001" in rules  # the GPU launch by ci-deploy still shows


def test_bad_settings_are_a_clear_error(archive):
    proc = hunt(str(archive), "--set", "max_asg=3")
    assert proc.returncode != 0 and "unknown settings: max_asg" in proc.stderr
