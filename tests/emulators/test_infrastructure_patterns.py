"""The project's own plumbing patterns (patterns.json, section infrastructure), judged by EventBridge on
LocalStack: the events they exist for match, their neighbours do not, and the local matcher agrees."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from cryptoguard import patterns
from cryptoguard.drill import scenarios as sc

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.emulators


def _event(source: str, detail_type: str, detail: dict) -> dict:
    return {
        "version": "0",
        "id": "1",
        "source": source,
        "detail-type": detail_type,
        "account": sc.ACCOUNT,
        "time": "2025-11-02T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def _state(state: str) -> dict:
    return _event("aws.ec2", "EC2 Instance State-change Notification", {"instance-id": "i-1", "state": state})


def _alarm(name: str, value: str) -> dict:
    return _event("aws.cloudwatch", "CloudWatch Alarm State Change", {"alarmName": name, "state": {"value": value}})


def _alert(severity: str, source: str = "cryptoguard") -> dict:
    return _event(source, "Cryptoguard Alert", {"rule_id": "CG-REGION-001", "severity": severity})


CLOUDTRAIL = sc.unused_region_gpu().events()[0]
FINDING = sc.unused_region_gpu().events()[1]
CASES = {
    "central": ([CLOUDTRAIL, FINDING], [_state("running"), _alert("HIGH")]),
    "instance_state": ([_state("running"), _state("terminated")], [_state("stopped"), CLOUDTRAIL]),
    "alarm_state": (
        [_alarm("cryptoguard-netout-i-1", "ALARM")],
        [_alarm("cryptoguard-cpu-i-1", "OK"), _alarm("someone-else", "ALARM")],
    ),
    "alerts": ([_alert("HIGH"), _alert("CRITICAL")], [_alert("MEDIUM"), _alert("HIGH", source="aws.ec2")]),
    "guardduty_findings": (
        [
            FINDING,
            _event("aws.guardduty", "GuardDuty Finding", {"type": "CryptoCurrency:EC2/BitcoinTool.B", "severity": 2}),
            _event(
                "aws.guardduty", "GuardDuty Finding", {"type": "UnauthorizedAccess:IAMUser/TorIPCaller", "severity": 8}
            ),
        ],
        [
            _event("aws.guardduty", "GuardDuty Finding", {"type": "Recon:EC2/PortProbeUnprotectedPort", "severity": 2}),
            CLOUDTRAIL,
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_infrastructure_patterns_match_what_they_exist_for(emulators, name):
    pattern = patterns.infrastructure()[name]
    events = boto3.client("events", region_name="us-east-1")
    matching, other = CASES[name]
    for event, expected in [(e, True) for e in matching] + [(e, False) for e in other]:
        remote = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))["Result"]
        assert remote is expected, (name, event["detail-type"], event["detail"])
        assert patterns.matches(pattern, event) is expected


def test_every_infrastructure_pattern_has_cases_and_terraform_reads_them_from_the_file():
    assert set(CASES) == set(patterns.infrastructure())
    uses = {
        "central": "detection",
        "instance_state": "compute_alarms",
        "alarm_state": "compute_alarms",
        "alerts": "auto_response",
    }
    for name, module in uses.items():
        text = (ROOT / "modules" / module / "main.tf").read_text()
        assert 'cryptoguard/data/patterns.json"' in text and f"infrastructure.{name}" in text, (name, module)
