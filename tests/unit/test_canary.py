"""The canary on moto: its DryRun detonation, read as CloudTrail records it, goes through the real pipeline and
the real publish; its alert is labelled, marked for the subscriptions' filter, kept off the alert bus, and counted;
the canary sees the count, or reports the alert missing when it never comes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from cryptoguard import canary
from cryptoguard.drill import scenarios as sc
from cryptoguard.handlers import detect
from cryptoguard.settings import Settings

CANARY_ROLE = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLECANARY0001:cryptoguard-canary",
    "arn": f"arn:aws:sts::{sc.ACCOUNT}:assumed-role/cryptoguard-canary/cryptoguard-canary",
    "accountId": sc.ACCOUNT,
    "accessKeyId": "ASIAEXAMPLECANARY001",
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "principalId": "AROAEXAMPLECANARY0001",
            "arn": f"arn:aws:iam::{sc.ACCOUNT}:role/cryptoguard-canary",
            "accountId": sc.ACCOUNT,
            "userName": "cryptoguard-canary",
        },
        "attributes": {"creationDate": "2026-11-24T09:00:00Z", "mfaAuthenticated": "false"},
    },
}
CANARIES = '["arn:aws:iam::*:role/cryptoguard-canary"]'


def detonation(identity: dict) -> dict:
    """The record CloudTrail writes for the canary's call: a role without RunInstances gets UnauthorizedOperation."""
    record = sc.cloudtrail(
        sc.Clock("2026-11-24T09:00:00Z"),
        "RunInstances",
        "ec2",
        {
            "instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": 1}]},
            "instanceType": canary.INSTANCE_TYPE,
        },
        region="sa-east-1",
        identity=identity,
        error="Client.UnauthorizedOperation",
        ip="54.95.10.20",
    )
    return {"messageId": "m1", "body": json.dumps(sc.eventbridge(record))}


@pytest.fixture
def deployed(aws_in_process, monkeypatch):
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "false"})
    bus = boto3.client("events").create_event_bus(Name="alerts")["EventBusArn"]
    monkeypatch.setenv("TOPIC_ARN", topic)
    monkeypatch.setenv("ALERT_EVENT_BUS", "alerts")
    monkeypatch.setenv(
        "CRYPTOGUARD_SETTINGS",
        f'{{"allowed_regions": ["ap-northeast-1", "us-east-1"], "canary_principals": {CANARIES}}}',
    )
    monkeypatch.setattr(detect, "_CONTEXT", None)
    return {"sqs": sqs, "queue": queue, "bus": bus}


def delivered(deployed: dict) -> list[dict]:
    messages = deployed["sqs"].receive_message(QueueUrl=deployed["queue"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_the_canarys_alert_is_labelled_marked_counted_and_kept_from_the_responder(deployed, monkeypatch):
    emitted: list[Any] = []
    monkeypatch.setattr(detect, "emit", lambda *args: emitted.append(args))
    started = datetime.now(UTC)
    assert detect.handler({"Records": [detonation(CANARY_ROLE)]}) == {"batchItemFailures": []}
    messages = delivered(deployed)
    assert messages and all(m["Subject"].startswith("[CANARY] [") for m in messages), [m["Subject"] for m in messages]
    assert all(m["MessageAttributes"]["canary"]["Value"] == "true" for m in messages)
    assert emitted == []  # neither the responder nor Security Hub sees it
    seconds = canary.wait_for_alert(boto3.client("cloudwatch"), started, minutes=1, sleep=pytest.fail)
    assert seconds is not None and seconds >= 0


def test_anyone_elses_identical_call_is_an_ordinary_alert(deployed, monkeypatch):
    emitted: list[Any] = []
    monkeypatch.setattr(detect, "emit", lambda *args: emitted.append(args))
    detect.handler({"Records": [detonation(sc.STOLEN_USER)]})
    messages = delivered(deployed)
    assert messages and not any(m["Subject"].startswith("[CANARY]") for m in messages)
    assert not any("canary" in m["MessageAttributes"] for m in messages)
    assert len(emitted) == len(messages)  # on the alert bus as usual
    now = datetime.now(UTC)
    assert canary.alerts_since(boto3.client("cloudwatch"), now - timedelta(minutes=5), now) == 0  # not the canary's


def test_no_alert_within_the_expected_minutes_is_reported_missing(aws_in_process):
    cloudwatch = boto3.client("cloudwatch")
    clock = [datetime.now(UTC)]
    start = clock[0]

    def sleep(seconds: float) -> None:
        clock[0] += timedelta(seconds=seconds)

    assert canary.wait_for_alert(cloudwatch, start, minutes=10, sleep=sleep, now=lambda: clock[0]) is None
    assert clock[0] - start >= timedelta(minutes=10)  # it waited the whole time, polling
    canary.report(cloudwatch, None)
    names = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace=canary.NAMESPACE)["Metrics"]}
    assert canary.MISSING in names and canary.LATENCY not in names


def test_the_detonation_is_a_dry_run_that_creates_nothing(aws_in_process):
    ec2 = boto3.client("ec2", region_name="sa-east-1")
    canary.detonate(ec2)
    assert ec2.describe_instances()["Reservations"] == []


def test_settings_carry_the_canary_principals():
    assert Settings.from_mapping({"canary_principals": ["arn:aws:iam::*:role/x"]}).canary_principals == (
        "arn:aws:iam::*:role/x",
    )
