"""The deployed pipeline, rebuilt on the emulators from the same definitions Terraform uses:

  per-region default-bus rules (patterns.json, scopes and rule states as in modules/region_watch)
    -> central event bus in the home region -> central rules -> SQS detection queue
    -> the real detection handler, run in-process (LocalStack cannot invoke Lambdas without Docker)
    -> SNS notifications topic -> SQS subscription, read back as a person's inbox would be.

The Lambda package is built and created on the emulator too, so that packaging errors show here."""

from __future__ import annotations

import io
import json
import logging
import os
import time
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from cryptoguard import patterns
from cryptoguard.drill.emulators import Emulators
from cryptoguard.pipeline import BATCH_SIZE
from cryptoguard.records import normalise
from cryptoguard.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def lambda_zip() -> bytes:
    """The Lambda package: the cryptoguard package without the drill (which only runs on a workstation)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(PACKAGE_DIR.rglob("*")):
            rel = path.relative_to(PACKAGE_DIR.parent)
            if path.is_file() and "drill" not in rel.parts and "__pycache__" not in rel.parts:
                zf.write(path, str(rel))
    return buf.getvalue()


def event_id(event: dict) -> str:
    """The id that survives EventBridge forwarding: CloudTrail's eventID or GuardDuty's finding id."""
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    return str(detail.get("eventID") or detail.get("id") or "")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.findings: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = json.loads(record.getMessage())
        except (ValueError, TypeError):
            return
        if isinstance(data, dict) and data.get("message") == "finding":
            self.findings.append(data)


@dataclass
class Delivery:
    """What one batch of replayed events produced: the findings the handler logged and the alerts read back."""

    findings: list[dict] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    events_delivered: int = 0
    seconds: float = 0.0


class LocalPipeline:
    def __init__(
        self, emu: Emulators, settings: Settings, home_region: str = "us-east-1", regions: Iterable[str] = ()
    ) -> None:
        self.emu = emu
        self.settings = settings
        self.home = home_region
        self.regions = sorted(set(regions) | {home_region})
        self.name = f"cryptoguard-drill-{uuid.uuid4().hex[:6]}"
        self._queues: dict[str, str] = {}
        self.gate = patterns.Gate(settings.allowed_regions, settings.guardduty_severity_threshold)

    def client(self, service: str, region: str | None = None) -> Any:
        return boto3.client(service, region_name=region or self.home)

    # ---- install -------------------------------------------------------------------------------------
    def install(self) -> None:
        sqs, sns, events = self.client("sqs"), self.client("sns"), self.client("events")
        for q in ("detect", "detect-dlq", "inbox"):
            self._queues[q] = sqs.create_queue(QueueName=f"{self.name}-{q}")["QueueUrl"]
        arn = {
            q: sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            for q, u in self._queues.items()
        }
        self.topic_arn = sns.create_topic(Name=f"{self.name}-alerts")["TopicArn"]
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=arn["inbox"])
        bus_arn = events.create_event_bus(Name=f"{self.name}-central")["EventBusArn"]
        self.central_bus = f"{self.name}-central"
        role = self.client("iam").create_role(
            RoleName=f"{self.name}-forwarder",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "events.amazonaws.com"},
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        events.put_rule(
            Name=f"{self.name}-detect",
            EventBusName=self.central_bus,
            EventPattern=json.dumps(patterns.infrastructure()["central"]),
            State="ENABLED",
        )
        events.put_targets(
            Rule=f"{self.name}-detect", EventBusName=self.central_bus, Targets=[{"Id": "detect", "Arn": arn["detect"]}]
        )
        for p in patterns.load():
            pattern = json.dumps(
                patterns.with_severity_threshold(p.pattern, self.settings.guardduty_severity_threshold)
            )
            for region in self.regions:
                if not p.applies_in(region, self.settings.allowed_regions):
                    continue
                regional = self.client("events", region)
                regional.put_rule(Name=f"{self.name}-{p.name}", EventPattern=pattern, State=p.rule_state)
                regional.put_targets(
                    Rule=f"{self.name}-{p.name}", Targets=[{"Id": "central", "Arn": bus_arn, "RoleArn": role}]
                )
        self._create_function(arn["detect-dlq"])

    def _create_function(self, dlq_arn: str) -> None:
        iam, lam = self.client("iam"), self.client("lambda")
        role = iam.create_role(
            RoleName=f"{self.name}-detect",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        table = f"{self.name}-state"
        self.client("dynamodb").create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        self.function_env = {
            "TOPIC_ARN": self.topic_arn,
            "STATE_TABLE": table,
            "DEAD_LETTER_QUEUE_URL": self._queues["detect-dlq"],
            "CRYPTOGUARD_SETTINGS": json.dumps(self.settings.as_dict()),
        }
        lam.create_function(
            FunctionName=f"{self.name}-detect",
            Runtime="python3.13",
            Role=role,
            Handler="cryptoguard.handlers.detect.handler",
            Code={"ZipFile": lambda_zip()},
            Timeout=60,
            MemorySize=256,
            Environment={"Variables": self.function_env},
        )
        self.function_config = lam.get_function_configuration(FunctionName=f"{self.name}-detect")

    # ---- run -----------------------------------------------------------------------------------------
    def delivers(self, event: dict) -> bool:
        record = normalise(event)
        return bool(self.gate.delivered(event, record.region, record.read_only))

    def put(self, events: list[dict]) -> None:
        for event in events:
            entry = {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": event.get("resources", []),
            }
            response = self.client("events", event["region"]).put_events(Entries=[entry])
            if response.get("FailedEntryCount"):
                raise RuntimeError(f"PutEvents failed: {response['Entries']}")

    def _drain(self, queue: str, want: set[str] | None, timeout: float) -> list[dict]:
        """Messages until every event id in `want` has arrived, or (want=None) until the queue stays empty
        after the first arrivals. Duplicates (overlapping rules) are kept: the handler must cope with them."""
        sqs, got, deadline = self.client("sqs"), [], time.monotonic() + timeout
        missing = set(want or ())
        while time.monotonic() < deadline and (want is None or missing):
            batch = sqs.receive_message(
                QueueUrl=self._queues[queue], MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
            ).get("Messages", [])
            for m in batch:
                sqs.delete_message(QueueUrl=self._queues[queue], ReceiptHandle=m["ReceiptHandle"])
            got += batch
            missing -= {event_id(json.loads(m["Body"])) for m in batch}
            if want is None and got and not batch:
                break
        return got

    def run(self, events: list[dict], timeout: float = 30.0) -> Delivery:
        """Replay events, feed what EventBridge delivers to the handler, and read the alerts back."""
        from cryptoguard.handlers import detect

        started = time.monotonic()
        self.put(events)
        # Wait only for what the patterns deliver: a benign event that no rule matches never arrives.
        expected = {event_id(e) for e in events if self.delivers(e)}
        messages = self._drain("detect", expected, timeout) if expected else []
        arrived = {event_id(json.loads(m["Body"])) for m in messages}
        capture = _Capture()
        logger = logging.getLogger("cryptoguard")
        logger.addHandler(capture)
        previous_level = logger.level
        logger.setLevel(logging.INFO)
        saved = {k: os.environ.get(k) for k in self.function_env}
        os.environ.update(self.function_env)
        detect._CONTEXT = None  # a cold start: the handler rebuilds its context (windows live in DynamoDB)
        try:
            for i in range(0, len(messages), BATCH_SIZE):  # as the event source mapping batches them
                batch = [
                    {"messageId": m["MessageId"], "body": m["Body"], "receiptHandle": m["ReceiptHandle"]}
                    for m in messages[i : i + BATCH_SIZE]
                ]
                failures = detect.handler({"Records": batch})["batchItemFailures"]
                if failures:
                    raise RuntimeError(f"detection handler reported failures: {failures}")
        finally:
            logger.removeHandler(capture)
            logger.setLevel(previous_level)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        alerts = []
        for m in self._drain("inbox", None, 5.0 if capture.findings else 1.0):
            envelope = json.loads(m["Body"])
            alerts.append({"subject": envelope.get("Subject"), **json.loads(envelope["Message"])})
        delivered = sum(event_id(e) in arrived for e in events if event_id(e) in expected)
        return Delivery(capture.findings, alerts, delivered, time.monotonic() - started)
