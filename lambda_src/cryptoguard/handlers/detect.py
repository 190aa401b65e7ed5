"""Lambda entry point: SQS batches of EventBridge events from the central bus -> rules -> alerts on SNS.

Environment: TOPIC_ARN (required), CRYPTOGUARD_SETTINGS (JSON, see settings.py), STATE_TABLE (DynamoDB
table for correlation windows; without it windows live only as long as the execution environment),
DEAD_LETTER_QUEUE_URL (where malformed events are set aside with their reason), ALERT_EVENT_BUS (when
set, every alert sent is also put on that bus for the responder) and ENRICHMENT_ROLE_NAME (when set, user data
that CloudTrail redacted is read back through that role in the member account; see enrich.py)."""

from __future__ import annotations

import json
import logging
import os
from datetime import timedelta
from functools import cache
from typing import Any

import boto3

from cryptoguard.alerts import Alert
from cryptoguard.canary import arrived as canary_arrived
from cryptoguard.enrich import ClientFactory, UserDataEnricher, member_clients
from cryptoguard.notify import emit, publish
from cryptoguard.pipeline import DEFAULT_LEASE, process
from cryptoguard.rules import Context
from cryptoguard.settings import Settings
from cryptoguard.state import DynamoStore, MemoryStore

log = logging.getLogger("cryptoguard")
log.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_CONTEXT: Context | None = None


def _context() -> Context:
    global _CONTEXT
    if _CONTEXT is None:
        table = os.environ.get("STATE_TABLE")
        _CONTEXT = Context(Settings.from_env(), DynamoStore(table) if table else MemoryStore())
    return _CONTEXT


@cache
def _member_clients(role: str) -> ClientFactory | None:
    """Sessions in member accounts outlive an invocation: a warm environment assumes each role once."""
    return member_clients(role) if role else None


LEASE_MARGIN_MS = 60_000


def _lease(invocation: Any) -> timedelta:
    """How long this invocation can still run, plus a margin: duplicate claims are held that long in flight.
    SQS redelivers only after the visibility timeout (six times the function timeout), when they have ended."""
    remaining = getattr(invocation, "get_remaining_time_in_millis", None)
    return timedelta(milliseconds=remaining() + LEASE_MARGIN_MS) if callable(remaining) else DEFAULT_LEASE


def handler(event: dict[str, Any], invocation: Any = None) -> dict[str, Any]:
    ctx = _context()
    sns = boto3.client("sns")
    topic = os.environ["TOPIC_ARN"]
    dlq = os.environ.get("DEAD_LETTER_QUEUE_URL")
    sqs = boto3.client("sqs") if dlq else None

    def set_aside(message: dict, reason: str) -> bool:
        if sqs is None:
            return False
        body = message["body"] if isinstance(message.get("body"), str) else json.dumps(message.get("body"))
        sqs.send_message(
            QueueUrl=dlq,
            MessageBody=body,
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": reason[:1000]},
                "source_message_id": {"DataType": "String", "StringValue": str(message.get("messageId", "?"))},
            },
        )
        return True

    bus = os.environ.get("ALERT_EVENT_BUS")
    events = boto3.client("events") if bus else None

    def send(alert: Alert) -> None:
        publish(sns, topic, alert)
        if alert.canary:  # the canary waits for this count; nothing acts on or files a canary alert
            canary_arrived(boto3.client("cloudwatch"))
        elif events is not None:
            emit(events, bus, alert)

    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        log.error(json.dumps({"message": "invocation without SQS Records: nothing to do", "event": str(event)[:500]}))
    clients = _member_clients(os.environ.get("ENRICHMENT_ROLE_NAME") or "")
    enrich = UserDataEnricher(clients) if clients else None  # budget and deadline per invocation
    batch = records if isinstance(records, list) else []
    result = process(batch, ctx, send, set_aside, _lease(invocation), enrich)
    log.info(
        json.dumps(
            {
                "records": len(records or []),
                "findings": len(result.findings),
                "duplicates": result.duplicates,
                "alerts": len(result.alerts),
                "sent": len(result.sent),
                "malformed": len(result.malformed),
                "retry": len(result.failed),
            }
        )
    )
    return result.batch_item_failures()
