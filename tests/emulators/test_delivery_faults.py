"""Delivery guarantee under injected faults: every AWS call the detection function makes is failed in turn
(SNS publish, EventBridge PutEvents, the DynamoDB claim, window, counter read and counter write, the
dead-letter queue), and the invocation is killed mid-batch, while evaluating and while sending. The batch is
then redelivered the way SQS does (only the reported failures, or all of it after a dead invocation) until
nothing is left. Every alert of the no-fault run must arrive, none more than a bounded few times, and the
malformed event must end in the dead-letter queue. SNS, SQS and EventBridge are LocalStack's; the state
table is moto's DynamoDB."""

from __future__ import annotations

import collections
import contextlib
import json
import time
import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from cryptoguard.drill import scenarios as sc
from cryptoguard.handlers import detect
from cryptoguard.state import DynamoStore

pytestmark = pytest.mark.emulators
MAX_COPIES = 3  # at least once, at most a bounded few times
MALFORMED = "{not json"


class InvocationKilled(BaseException):
    """The Lambda runtime ending the invocation (timeout): nothing in the function can catch it."""


@contextlib.contextmanager
def faults(service: str | None, operation: str | None, nth: int) -> Iterator[collections.Counter]:
    """Fail the nth call of service/operation (as a throttle), or with service "kill" end the invocation at
    its nth AWS call. Yields the call counter, so that a test can prove its fault fired."""
    calls: collections.Counter = collections.Counter()
    original = BaseClient._make_api_call

    def call(self, op, params):
        name = self.meta.service_model.service_name
        calls[(name, op)] += 1
        calls["any"] += 1
        if (name, op) == ("sns", "Publish") and not calls["first_publish"]:
            calls["first_publish"] = calls["any"]
        if service == "kill" and calls["any"] == nth:
            calls["fired"] += 1
            raise InvocationKilled()
        if (name, op) == (service, operation) and calls[(name, op)] == nth:
            calls["fired"] += 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, op)
        return original(self, op, params)

    BaseClient._make_api_call = call
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original


class Invocation:
    """A Lambda context with one second left: duplicate claims are leased for that long."""

    def get_remaining_time_in_millis(self) -> int:
        return 1000


def _messages() -> list[dict]:
    scenario = next(s for s in sc.attack_scenarios() if s.seed == "002")
    bodies = [json.dumps(e) for e in scenario.events()] + [MALFORMED]
    return [{"messageId": f"m{i}", "body": body} for i, body in enumerate(bodies)]


def _drain(url: str) -> list[str]:
    sqs, bodies, quiet = boto3.client("sqs"), [], 0
    while quiet < 2:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        quiet = 0 if batch else quiet + 1
        for m in batch:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


@contextlib.contextmanager
def deployment() -> Iterator[dict[str, str]]:
    """A fresh state table, topic (read back through a queue), dead-letter queue and alert bus, set in the
    environment the way modules/detection sets the function's."""
    name = f"cg{uuid.uuid4().hex[:8]}"
    ddb, sns, sqs, events = (boto3.client(s) for s in ("dynamodb", "sns", "sqs", "events"))
    DynamoStore.create_table(ddb, name)
    topic = sns.create_topic(Name=name)["TopicArn"]
    inbox = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    events.create_event_bus(Name=f"{name}-alerts")
    env = {
        "TOPIC_ARN": topic,
        "STATE_TABLE": name,
        "DEAD_LETTER_QUEUE_URL": dlq,
        "ALERT_EVENT_BUS": f"{name}-alerts",
        "CRYPTOGUARD_SETTINGS": json.dumps({"allowed_regions": list(sc.ALLOWED_REGIONS)}),
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.setattr(detect, "LEASE_MARGIN_MS", 0)
        yield {"inbox": inbox, "dlq": dlq}


def deliver(fault: tuple = (None, None, 0)) -> tuple[collections.Counter, list[str], collections.Counter, int]:
    """The batch with the fault in its first delivery (faults pass), redelivered as SQS would until done.
    Returns how often each incident's alert arrived, the dead-letter queue, the first delivery's calls and
    the number of deliveries."""
    with deployment() as deployed:
        pending, rounds, calls = _messages(), 0, collections.Counter()
        while pending:
            rounds += 1
            assert rounds <= 6, f"{len(pending)} messages still retried after {rounds - 1} deliveries"
            detect._CONTEXT = None  # a fresh execution environment each time
            with faults(*fault) if rounds == 1 else contextlib.nullcontext(collections.Counter()) as counted:
                try:
                    failed = {f["itemIdentifier"] for f in detect.handler({"Records": pending}, Invocation())[
                        "batchItemFailures"
                    ]}  # fmt: skip
                    pending = [m for m in pending if m["messageId"] in failed]
                except InvocationKilled:
                    time.sleep(2.1)  # SQS redelivers after the visibility timeout, when the leases have ended
            if rounds == 1:
                calls = counted
        received = collections.Counter(json.loads(b)["incident"] for b in _drain(deployed["inbox"]))
        return received, _drain(deployed["dlq"]), calls, rounds


@pytest.fixture(scope="module")
def baseline(emulators) -> tuple[collections.Counter, collections.Counter]:
    received, dead_letters, calls, rounds = deliver()
    assert rounds == 1 and received and max(received.values()) == 1, received
    assert dead_letters == [MALFORMED]
    return received, calls


SEVERITIES = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]


def covered(incident: str, received: collections.Counter) -> bool:
    """The incident's alert arrived, or one of the same rule, account, region, principal and subject at a
    higher severity did: windows look both ways, so a redelivered burst can be judged with all its calls
    already known, where the first delivery still saw only its beginning."""
    rule, severity, *rest = incident.split("|")
    return any(
        r == rule and SEVERITIES.index(s) >= SEVERITIES.index(severity) and other == rest
        for r, s, *other in (i.split("|") for i in received)
    )


MATRIX = [
    ("sns", "Publish", 1),
    ("sns", "Publish", 4),
    ("events", "PutEvents", 2),
    ("dynamodb", "PutItem", 1),  # the first claim
    ("dynamodb", "PutItem", 30),  # a claim or correlation entry, mid-batch
    ("dynamodb", "TransactWriteItems", 5),  # a burst window's count
    ("dynamodb", "Query", 10),  # a window read
    ("dynamodb", "GetItem", 1),  # an incident counter read, before sending
    ("dynamodb", "UpdateItem", 1),  # an incident counter write, after its alert was sent
    ("sqs", "SendMessage", 1),  # the dead-letter queue
    ("kill", "evaluating", 0.3),  # the invocation dies at 30% of its calls: while evaluating
    ("kill", "sending", 0),  # ... or just after its first alert went out
]


@pytest.mark.parametrize("fault", MATRIX, ids=lambda f: f"{f[0]}-{f[1]}-{f[2]}")
def test_every_alert_arrives_whatever_fails(baseline, fault):
    expected, clean_calls = baseline
    service, operation, nth = fault
    if service == "kill":
        sending = clean_calls["first_publish"] + 1
        nth = int(clean_calls["any"] * nth) if operation == "evaluating" else sending
        assert 0 < nth < clean_calls["any"] and (operation == "sending" or nth < clean_calls["first_publish"])
    received, dead_letters, calls, rounds = deliver((service, operation, nth))
    assert calls["fired"] == 1, f"the fault {fault} never fired: the test would prove nothing"
    # A counter write fails after its alert went out: nothing to redeliver, the alert is already sent.
    assert rounds >= 2 or (service, operation) == ("dynamodb", "UpdateItem"), "the fault caused no redelivery"
    lost = [i for i in expected if not covered(i, received)]
    assert not lost, f"alerts lost: {lost}"
    assert max(received.values()) <= MAX_COPIES, received.most_common(3)
    assert dead_letters.count(MALFORMED) >= 1, "the malformed event must end in the dead-letter queue"


def test_without_the_guarantee_a_failed_publish_loses_alerts(baseline, monkeypatch):
    """The matrix can fail: with claims committed before sending (the old order), one throttled publish
    loses that alert for good, because the redelivery finds every event already seen."""
    from cryptoguard import pipeline, state

    monkeypatch.setattr(detect, "_lease", lambda invocation: pipeline.DUPLICATE_WINDOW)
    monkeypatch.setattr(state.DynamoStore, "release", lambda self, key: None)
    expected, _ = baseline
    received, _, _, _ = deliver(("sns", "Publish", 1))
    assert set(expected) - set(received), "a lost alert went unnoticed"
