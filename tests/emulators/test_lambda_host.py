"""LocalStack itself invokes the packaged functions (the host-process executor in tools/lambda_host): its SQS
event source mapping polls, batches, reads ReportBatchItemFailures and redelivers; the function runs from
the zip in a Python holding only boto3, with the environment LocalStack gives it. Nothing here calls a handler
in-process."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import time
import zipfile

import boto3
import pytest

from cryptoguard.drill import scenarios as sc
from cryptoguard.drill.local import _json_line, create_function, lambda_zip
from cryptoguard.state import DynamoStore

pytestmark = pytest.mark.emulators


def _localstack(aws, service: str):
    return boto3.client(service, endpoint_url=aws.localstack_url, region_name="us-east-1")


def _create(aws, name: str, code: bytes, handler: str, timeout: int = 30, env: dict | None = None) -> None:
    create_function(aws, name, code, handler, timeout, env or {})


def _invoke(aws, name: str, payload: object) -> tuple[str | None, object, str]:
    r = _localstack(aws, "lambda").invoke(FunctionName=name, Payload=json.dumps(payload), LogType="Tail")
    return r.get("FunctionError"), json.loads(r["Payload"].read()), base64.b64decode(r["LogResult"]).decode()


def _zip(**files: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name.replace("__", "/") + ".py", text)
    return buf.getvalue()


def _queue(sqs, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _summaries(aws, name: str) -> list[dict]:
    logs = _localstack(aws, "logs")
    lines = []
    with contextlib.suppress(logs.exceptions.ResourceNotFoundException):  # before the first invocation
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{name}"):
            lines += [line for e in page["events"] if (line := _json_line(e["message"])) is not None]
    return [line for line in lines if "records" in line and "retry" in line]


def _wait(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.5)
    raise AssertionError(f"not reached within {timeout:.0f}s")


def test_reported_batch_item_failures_are_redelivered_until_the_alert_is_sent(aws, settings, unique):
    """The topic does not exist yet: the alerting event's publish fails, the function reports only that record,
    the mapping deletes the benign one and SQS redelivers the other. Once the topic exists, its alert arrives."""
    sqs, sns = _localstack(aws, "sqs"), _localstack(aws, "sns")
    name = f"cg-host-{unique}"
    queue_url, queue_arn = _queue(sqs, f"{name}-detect", VisibilityTimeout="3")
    inbox_url, inbox_arn = _queue(sqs, f"{name}-inbox")
    topic_arn = f"arn:aws:sns:us-east-1:000000000000:{name}-alerts"
    table = f"{name}-state"
    DynamoStore.create_table(boto3.client("dynamodb"), table)
    endpoints = {k: v for k, v in aws.env().items() if k.startswith("AWS_ENDPOINT_URL")}
    env = {
        **endpoints,
        "TOPIC_ARN": topic_arn,
        "STATE_TABLE": table,
        "CRYPTOGUARD_SETTINGS": json.dumps(settings.as_dict()),
    }
    _create(aws, name, lambda_zip(), "cryptoguard.handlers.detect.handler", env=env)

    clock = sc.Clock("2025-01-01T00:00:00Z")
    alerting = sc._run_instances(clock, "sa-east-1", sc.STOLEN_USER, 1, "p3.2xlarge")
    benign = sc._run_instances(clock, "us-east-1", sc.STOLEN_USER, 1, "m5.large")
    for event in (alerting, benign):
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(event))
    _localstack(aws, "lambda").create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=queue_arn,
        BatchSize=10,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    first = _wait(lambda: _summaries(aws, name))[0]
    assert first["records"] == 2 and first["retry"] == 1 and first["sent"] == 0

    sns.create_topic(Name=f"{name}-alerts")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
    alerts = _wait(lambda: sqs.receive_message(QueueUrl=inbox_url, MaxNumberOfMessages=10).get("Messages"))
    assert {json.loads(m["Body"])["event_ids"][0] for m in alerts} == {alerting["detail"]["eventID"]}
    retried = _wait(lambda: _summaries(aws, name)[1:])[0]  # the log line can land after the alert
    assert retried["records"] == 1 and retried["retry"] == 0  # only the reported record came back

    def drained() -> bool:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        return attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"

    assert _wait(drained)  # the mapping deleted the redelivered record once it succeeded


def test_the_packaged_function_sets_a_malformed_record_aside_with_its_reason(aws, settings, unique):
    name = f"cg-host-{unique}"
    sqs = _localstack(aws, "sqs")
    dlq_url, _ = _queue(sqs, f"{name}-dlq")
    env = {
        "TOPIC_ARN": "arn:aws:sns:us-east-1:000000000000:none",
        "DEAD_LETTER_QUEUE_URL": dlq_url,
        "CRYPTOGUARD_SETTINGS": json.dumps(settings.as_dict()),
    }
    _create(aws, name, lambda_zip(), "cryptoguard.handlers.detect.handler", env=env)
    error, payload, log = _invoke(aws, name, {"Records": [{"messageId": "1", "body": "{broken"}]})
    assert error is None and payload == {"batchItemFailures": []}
    assert "malformed event" in log and "Traceback" not in log
    aside = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"], WaitTimeSeconds=2)["Messages"]
    assert [m["Body"] for m in aside] == ["{broken"] and aside[0]["MessageAttributes"]["reason"]["StringValue"]


def test_a_timed_out_invocation_is_an_error_and_the_next_one_starts_afresh(aws, unique):
    name = f"cg-host-{unique}"
    code = _zip(
        app="import os, time\nPID = os.getpid()\ndef handler(event, context):\n"
        "    time.sleep(event['sleep'])\n    return {'pid': PID, 'left': context.get_remaining_time_in_millis()}\n"
    )
    _create(aws, name, code, "app.handler", timeout=2)
    error, warm, _ = _invoke(aws, name, {"sleep": 0})
    assert error is None and 0 < warm["left"] <= 2000
    error, payload, _ = _invoke(aws, name, {"sleep": 10})
    assert error == "Unhandled" and payload["errorType"] == "Sandbox.Timedout"
    error, fresh, _ = _invoke(aws, name, {"sleep": 0})
    assert error is None and fresh["pid"] != warm["pid"]


def test_a_package_that_needs_more_than_the_runtime_fails_to_import(aws, unique):
    """The functions run in a Python with only boto3, as on AWS: a dependency missing from the zip shows here."""
    name = f"cg-host-{unique}"
    _create(aws, name, _zip(app="import pytest\ndef handler(event, context):\n    return 1\n"), "app.handler")
    error, payload, _ = _invoke(aws, name, {})
    assert error == "Unhandled" and payload["errorType"] == "Runtime.ImportModuleError"
    assert "pytest" in payload["errorMessage"]
