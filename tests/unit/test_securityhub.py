"""The Security Hub import on moto: one ASFF finding per incident, updated as its count grows, archived when the
incident closes, forged alerts refused, and a refused import raised so that EventBridge retries it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from cryptoguard.alerts import INCIDENT_WINDOW, aggregate
from cryptoguard.handlers import securityhub as handler
from cryptoguard.patterns import infrastructure
from cryptoguard.securityhub import finding_id
from tests.unit.test_costs import findings, seed_000

OWN = "123456789012"  # moto's account: the security account the function runs in
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def alert_event(total: int = 1, account: str = OWN) -> dict:
    alert = next(a for a in aggregate(findings([seed_000("us-east-1")])) if a.rule_id == "CG-LAUNCH-002")
    alert.total = total
    pattern = infrastructure()["alerts"]
    detail = json.loads(json.dumps(alert.to_dict(), default=str))  # as the bus carries it
    return {
        "source": pattern["source"][0],
        "detail-type": pattern["detail-type"][0],
        "account": account,
        "detail": detail,
    }


@pytest.fixture
def hub(aws_in_process):
    client = boto3.client("securityhub", region_name="us-east-1")
    client.enable_security_hub()
    return client


def ours(client) -> list[dict]:
    return [f for f in client.get_findings()["Findings"] if f["Id"].startswith("cryptoguard/")]


def test_an_alert_becomes_one_finding_with_its_money_at_risk_and_the_account_it_is_about(hub):
    assert "imported" in handler.handler(alert_event())
    [found] = ours(hub)
    assert found["AwsAccountId"] == OWN  # the default product accepts only the importing account
    assert found["ProductArn"] == f"arn:aws:securityhub:us-east-1:{OWN}:product/{OWN}/default"
    assert found["Title"].startswith("~$17,626 / 30 days: ")
    assert found["Severity"]["Label"] == "HIGH" and found["RecordState"] == "ACTIVE"
    assert found["Resources"][0] == {"Type": "AwsAccount", "Id": "AWS::::Account:111122223333", "Partition": "aws"}
    assert found["ProductFields"]["cryptoguard/cost_per_hour_usd"] == "24.48"
    assert "deactivate the principal's access keys" in found["Remediation"]["Recommendation"]["Text"]


def test_the_incident_keeps_one_finding_whose_count_grows(hub):
    handler.handler(alert_event(total=1))
    first = ours(hub)[0]
    later = alert_event(total=100)  # the next alert of the incident: its own batch, seen later
    later["detail"]["first_seen"] = later["detail"]["last_seen"] = "2026-11-24T10:00:00+00:00"
    handler.handler(later)
    [found] = ours(hub)
    assert found["Id"] == first["Id"] and found["ProductFields"]["cryptoguard/count"] == "100"
    assert found["CreatedAt"] == first["CreatedAt"] and found["FirstObservedAt"] == first["FirstObservedAt"]
    assert found["LastObservedAt"] == "2026-11-24T10:00:00+00:00" and found["UpdatedAt"] >= first["UpdatedAt"]


def test_a_forged_alert_is_refused_and_nothing_is_imported(hub):
    answer = handler.handler(alert_event(account="999999999999"))
    assert "not by this account's detection function" in answer["rejected"]
    malformed = alert_event()
    malformed["detail"]["account"] = "x"
    assert "rejected" in handler.handler(malformed)
    assert ours(hub) == []


def test_a_closed_incident_is_archived_and_an_open_one_is_not(hub):
    handler.import_alert(hub, alert_event()["detail"], "aws", "us-east-1", OWN, NOW)
    assert handler.archive_closed(hub, "aws", "us-east-1", OWN, NOW + INCIDENT_WINDOW / 2) == 0
    assert handler.archive_closed(hub, "aws", "us-east-1", OWN, NOW + INCIDENT_WINDOW + timedelta(minutes=1)) == 1
    [found] = ours(hub)
    assert found["RecordState"] == "ARCHIVED"
    assert handler.archive_closed(hub, "aws", "us-east-1", OWN, NOW + 2 * INCIDENT_WINDOW) == 0  # once
    handler.import_alert(hub, alert_event()["detail"], "aws", "us-east-1", OWN, NOW + 3 * INCIDENT_WINDOW)
    assert ours(hub)[0]["RecordState"] == "ACTIVE"  # the same activity again reopens it


def test_a_refused_import_raises_so_that_the_event_is_retried():
    client = boto3.client("securityhub", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    detail = alert_event()["detail"]
    with Stubber(client) as stub:
        stub.add_response("get_findings", {"Findings": []})
        stub.add_response(
            "batch_import_findings",
            {
                "FailedCount": 1,
                "SuccessCount": 0,
                "FailedFindings": [{"Id": finding_id(detail["incident"]), "ErrorCode": "X", "ErrorMessage": "no"}],
            },
        )
        with pytest.raises(RuntimeError, match="refused 1 findings"):
            handler.import_alert(client, detail, "aws", "us-east-1", OWN, NOW)
