"""The deployed pipeline, rebuilt on the emulators from the same definitions Terraform uses:

  per-region default-bus rules (patterns.json, scopes and rule states as in modules/region_watch)
    -> central event bus in the home region -> central rule -> SQS detection queue (redrive to the dead-letter
       queue after max_receive_count receives, as modules/detection)
    -> LocalStack's SQS event source mapping (ReportBatchItemFailures) -> the packaged detection function,
       invoked by LocalStack itself through the host-process executor (tools/lambda_host)
    -> SNS notifications topic -> SQS subscription, read back as a person's inbox would be.

The records' redacted user data is put into the emulated member account first (world.materialise), behind the
role modules/enrichment_role would create there, and the function reads it back through that role.

What the function found is read from its CloudWatch Logs, as an operator would. A tap queue on the central
rule receives a copy of every delivered event, so a run knows what the function has to process.
"""

from __future__ import annotations

import contextlib
import io
import json
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
from cryptoguard.drill.world import materialise
from cryptoguard.enrich import member_clients
from cryptoguard.pipeline import BATCH_SIZE
from cryptoguard.records import normalise
from cryptoguard.settings import Settings
from cryptoguard.state import DynamoStore

PACKAGE_DIR = Path(__file__).resolve().parents[1]
FUNCTION_TIMEOUT = 60
VISIBILITY_TIMEOUT = 6 * FUNCTION_TIMEOUT + 1  # as modules/detection: six function timeouts plus the window
BATCHING_WINDOW = 1  # modules/detection waits up to 30 s to fill a batch; a drill need not
ENRICHMENT_ROLE = "cryptoguard-enrichment"  # modules/enrichment_role's default name
ENRICHMENT_ACTIONS = [  # as modules/enrichment_role grants
    "ec2:DescribeInstanceAttribute",
    "ec2:DescribeLaunchTemplateVersions",
    "autoscaling:DescribeLaunchConfigurations",
]


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


def service_role(iam: Any, name: str, service: str) -> str:
    """A role that `service` (events.amazonaws.com, lambda.amazonaws.com) may assume; its ARN."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}],
    }
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def create_function(
    emu: Emulators, name: str, code: bytes, handler: str, timeout: int, env: dict[str, str], region: str = "us-east-1"
) -> dict:
    """A Python function in LocalStack, which invokes it, with its role there too (LocalStack runs a function in
    its role's account; moto's is another). Returns its configuration once it is active."""
    iam = boto3.client("iam", region_name=region, endpoint_url=emu.localstack_url)
    lam = boto3.client("lambda", region_name=region, endpoint_url=emu.localstack_url)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=service_role(iam, name, "lambda.amazonaws.com"),
        Handler=handler,
        Code={"ZipFile": code},
        Timeout=timeout,
        MemorySize=256,
        Environment={"Variables": env},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return lam.get_function_configuration(FunctionName=name)


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
        self._member_roles: set[str] = set()
        self.member_clients = member_clients(ENRICHMENT_ROLE)
        self.gate = patterns.Gate(settings.allowed_regions, settings.guardduty_severity_threshold)

    def client(self, service: str, region: str | None = None) -> Any:
        return boto3.client(service, region_name=region or self.home)

    # ---- install -------------------------------------------------------------------------------------
    def install(self) -> None:
        sqs, sns, events = self.client("sqs"), self.client("sns"), self.client("events")
        arn: dict[str, str] = {}
        for q in ("detect-dlq", "inbox", "tap", "detect"):
            attributes = {}
            if q == "detect":  # as modules/detection: retries, then the dead-letter queue malformed events go to
                attributes = {
                    "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
                    "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn["detect-dlq"], "maxReceiveCount": 5}),
                }
            self._queues[q] = sqs.create_queue(QueueName=f"{self.name}-{q}", Attributes=attributes)["QueueUrl"]
            arn[q] = sqs.get_queue_attributes(QueueUrl=self._queues[q], AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
        self.topic_arn = sns.create_topic(Name=f"{self.name}-alerts")["TopicArn"]
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=arn["inbox"])
        bus_arn = events.create_event_bus(Name=f"{self.name}-central")["EventBusArn"]
        self.central_bus = f"{self.name}-central"
        role = service_role(self.client("iam"), f"{self.name}-forwarder", "events.amazonaws.com")
        events.put_rule(
            Name=f"{self.name}-detect",
            EventBusName=self.central_bus,
            EventPattern=json.dumps(patterns.infrastructure()["central"]),
            State="ENABLED",
        )
        events.put_targets(
            Rule=f"{self.name}-detect",
            EventBusName=self.central_bus,
            Targets=[{"Id": "detect", "Arn": arn["detect"]}, {"Id": "tap", "Arn": arn["tap"]}],
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
        self._create_function(arn["detect"])

    def _create_function(self, queue_arn: str) -> None:
        table = DynamoStore.create_table(self.client("dynamodb"), f"{self.name}-state")
        self.function_env = {
            "TOPIC_ARN": self.topic_arn,
            "STATE_TABLE": table,
            "DEAD_LETTER_QUEUE_URL": self._queues["detect-dlq"],
            "CRYPTOGUARD_SETTINGS": json.dumps(self.settings.as_dict()),
            "ENRICHMENT_ROLE_NAME": ENRICHMENT_ROLE,
        }
        # The function's own AWS calls go where this process's go (DynamoDB to moto, SNS to LocalStack, ...).
        endpoints = {k: v for k, v in self.emu.env().items() if k.startswith("AWS_ENDPOINT_URL")}
        self.function_name = f"{self.name}-detect"
        self.function_config = create_function(
            self.emu,
            self.function_name,
            lambda_zip(),
            "cryptoguard.handlers.detect.handler",
            FUNCTION_TIMEOUT,
            {**endpoints, **self.function_env},
            self.home,
        )
        boto3.client("lambda", region_name=self.home, endpoint_url=self.emu.localstack_url).create_event_source_mapping(
            FunctionName=self.function_name,
            EventSourceArn=queue_arn,
            BatchSize=BATCH_SIZE,
            MaximumBatchingWindowInSeconds=BATCHING_WINDOW,
            FunctionResponseTypes=["ReportBatchItemFailures"],
        )

    def _member_role(self, account: str) -> None:
        """The enrichment role in a member account, trusting the function's account, as the module makes it.
        LocalStack puts a resource in the account a 12-digit access key names."""
        if account in self._member_roles:
            return
        iam = boto3.client(
            "iam",
            region_name=self.home,
            endpoint_url=self.emu.localstack_url,
            aws_access_key_id=account,
            aws_secret_access_key="test",
        )
        detector_account = self.function_config["FunctionArn"].split(":")[4]
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"AWS": f"arn:aws:iam::{detector_account}:root"},
                }
            ],
        }
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName=ENRICHMENT_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
            policy = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ENRICHMENT_ACTIONS, "Resource": "*"}],
            }
            iam.put_role_policy(
                RoleName=ENRICHMENT_ROLE, PolicyName="read-user-data", PolicyDocument=json.dumps(policy)
            )
        self._member_roles.add(account)

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

    def run(self, events: list[dict], hidden: dict[str, str] | None = None, timeout: float = 30.0) -> Delivery:
        """Replay events and wait until the function has processed every delivered copy; read back what it
        logged and the alerts a subscriber received. `hidden`: user data the records redacted, by event id, to
        be put into the member accounts first."""
        started, since = time.monotonic(), int(time.time() * 1000)
        if hidden:
            for account in {e["detail"]["recipientAccountId"] for e in events if event_id(e) in hidden}:
                self._member_role(account)
            events = materialise(events, hidden, self.member_clients)
        self.put(events)
        # Wait only for what the patterns deliver: a benign event that no rule matches never arrives.
        expected = {event_id(e) for e in events if self.delivers(e)}
        # Copies of an earlier run's events can still trickle in (overlapping rules): count only this run's.
        drained = [event_id(json.loads(m["Body"])) for m in self._drain("tap", expected, timeout)]
        tapped = [i for i in drained if i in expected]
        arrived = set(tapped)
        logged = self._function_log(len(tapped), len(arrived), since, timeout) if tapped else []
        findings = [line for line in logged if line.get("message") == "finding"]
        alerts = []
        for m in self._drain("inbox", None, 5.0 if findings else 1.0):
            envelope = json.loads(m["Body"])
            alerts.append({"subject": envelope.get("Subject"), **json.loads(envelope["Message"])})
        delivered = sum(event_id(e) in arrived for e in events if event_id(e) in expected)
        return Delivery(findings, alerts, delivered, time.monotonic() - started)

    def _function_log(self, records: int, unique: int, since: int, timeout: float) -> list[dict]:
        """The function's JSON log lines since `since`, once its invocations account for `records` records, of
        which `unique` were new to it. Late copies of an earlier run's events are processed as duplicates: they
        add to the records but not to the new ones, so they cannot end the wait before this run's events are
        evaluated. A batch handed back for retry is an error here: the drill expects every alert on the first try."""
        logs, deadline = self.client("logs"), time.monotonic() + timeout + FUNCTION_TIMEOUT
        group = f"/aws/lambda/{self.function_name}"
        while True:
            raw = []
            with contextlib.suppress(logs.exceptions.ResourceNotFoundException):
                for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=since):
                    raw += [e["message"] for e in page["events"]]
            lines = [line for message in raw if (line := _json_line(message)) is not None]
            summaries = [line for line in lines if "records" in line and "retry" in line]
            if any(s["retry"] for s in summaries):
                raise RuntimeError(f"the detection function handed records back for retry: {summaries}")
            total = sum(s["records"] for s in summaries)
            if total >= records and total - sum(s.get("duplicates", 0) for s in summaries) >= unique:
                return lines
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the detection function logged {sum(s['records'] for s in summaries)} of {records} records "
                    f"within {timeout + FUNCTION_TIMEOUT:.0f}s; the end of log group {group}:\n" + "".join(raw[-30:])
                )
            time.sleep(0.5)


def _json_line(message: str) -> dict | None:
    """The JSON object of a Lambda Python runtime log line (level, time, request id, message: tab-separated)."""
    try:
        value = json.loads(message.rstrip("\n").split("\t", 3)[-1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
