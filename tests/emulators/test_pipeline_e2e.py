"""The seed scenarios through the deployed shape of the pipeline on the emulators: regional EventBridge rules
from patterns.json -> central bus -> SQS -> the real handler -> SNS, read back through an SQS subscription."""

from __future__ import annotations

import json

import boto3
import pytest

from cryptoguard.drill import scenarios as sc
from cryptoguard.drill.local import LocalPipeline
from cryptoguard.handlers import detect

pytestmark = pytest.mark.emulators
REGIONS = sorted({e["region"] for s in sc.all_scenarios() for e in s.events()})


@pytest.fixture
def pipeline(aws, settings):
    p = LocalPipeline(aws, settings, regions=REGIONS)
    p.install()
    return p


@pytest.mark.parametrize("scenario", sc.attack_scenarios(), ids=lambda s: s.name)
def test_every_attack_step_is_alerted_through_sns(pipeline, scenario):
    alerted: set[str] = set()
    for step in scenario.steps:
        delivery = pipeline.run(step.events)
        assert delivery.events_delivered == len(step.events), step.name
        alerted |= {a["rule_id"] for a in delivery.alerts}
        detected = {f["rule_id"] for f in delivery.findings}
        assert set(step.expect) <= detected, f"{step.name}: detected {sorted(detected)}"
        assert set(step.expect) <= alerted, f"{step.name}: alerted {sorted(alerted)}"


@pytest.mark.parametrize("scenario", sc.benign_scenarios(), ids=lambda s: s.name)
def test_benign_scenarios_send_nothing_high(pipeline, scenario):
    loud = [
        (a["rule_id"], a["severity"])
        for step in scenario.steps
        for a in pipeline.run(step.events).alerts
        if a["severity"] in ("HIGH", "CRITICAL")
    ]
    assert loud == []


def test_a_flood_of_launches_is_one_alert_with_a_count(pipeline):
    clock = sc.Clock("2025-01-01T00:00:00Z", step_seconds=1)
    events = [sc._run_instances(clock, "sa-east-1", sc.STOLEN_USER, 1, "p3.2xlarge") for _ in range(60)]
    delivery = pipeline.run(events, timeout=60)
    region_alerts = [a for a in delivery.alerts if a["rule_id"] == "CG-REGION-001"]
    assert len(region_alerts) == 1 and region_alerts[0]["count"] == 60
    assert "x60" in region_alerts[0]["subject"] and region_alerts[0]["subject"].startswith("[HIGH]")


def test_malformed_messages_land_in_the_dead_letter_queue_with_their_reason(pipeline, monkeypatch):
    for key, value in pipeline.function_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(detect, "_CONTEXT", None)
    good = sc._run_instances(sc.Clock("2025-01-01T00:00:00Z"), "sa-east-1", sc.STOLEN_USER, 1, "m5.large")
    result = detect.handler(
        {"Records": [{"messageId": "1", "body": "{broken"}, {"messageId": "2", "body": json.dumps(good)}]}
    )
    assert result == {"batchItemFailures": []}
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=pipeline.function_env["DEAD_LETTER_QUEUE_URL"], WaitTimeSeconds=2, MessageAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] for m in messages] == ["{broken"]
    assert "not JSON" in messages[0]["MessageAttributes"]["reason"]["StringValue"]


def test_the_lambda_package_is_created_with_its_handler(pipeline):
    config = pipeline.function_config
    assert config["Handler"] == "cryptoguard.handlers.detect.handler" and config["Runtime"] == "python3.13"
    assert config["CodeSize"] < 200_000  # small package, fast cold start: no dependencies beyond boto3
