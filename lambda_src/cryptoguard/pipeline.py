"""A batch of queued events in, alerts out. Bad input never takes the batch down: a malformed event is set
aside (to the dead-letter queue, with its reason) and every other event is still evaluated; an unexpected
error in one event is reported as that event's failure so that SQS retries only it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptoguard.alerts import Alert, aggregate, worth_sending
from cryptoguard.records import MalformedEvent, normalise
from cryptoguard.rules import Context, Finding, evaluate

log = logging.getLogger("cryptoguard")
INCIDENT_WINDOW = timedelta(hours=6)
# Messages a Lambda invocation takes from the detection queue (modules/detection sets the same on its event
# source mapping, with a batching window): a burst arrives as one batch and so becomes one alert.
BATCH_SIZE = 1000
DUPLICATE_WINDOW = timedelta(hours=24)


@dataclass
class BatchResult:
    findings: list[Finding] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    sent: list[Alert] = field(default_factory=list)
    malformed: list[tuple[str, str]] = field(default_factory=list)  # (message id, reason)
    duplicates: int = 0
    failed: list[str] = field(default_factory=list)  # message ids to retry

    def batch_item_failures(self) -> dict[str, list[dict[str, str]]]:
        return {"batchItemFailures": [{"itemIdentifier": m} for m in self.failed]}


def _event(body: Any) -> Any:
    if isinstance(body, str | bytes):
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MalformedEvent(f"message body is not JSON: {exc}") from None
    return body


def process(
    messages: Iterable[dict],
    ctx: Context,
    send: Callable[[Alert], None],
    set_aside: Callable[[dict, str], bool] | None = None,
) -> BatchResult:
    """`messages` are SQS records ({"messageId", "body"}). `set_aside(message, reason)` parks a malformed one
    where people can see it and returns True; without it (or if it fails) the message is retried instead."""
    result = BatchResult()
    for index, message in enumerate(messages):
        message_id = str(message.get("messageId", index)) if isinstance(message, dict) else str(index)
        try:
            if not isinstance(message, dict) or "body" not in message:
                raise MalformedEvent("queue record has no body")
            record = normalise(_event(message["body"]))
            claim = f"event|{record.account}|{record.event_id}|{record.event_time.isoformat()}"
            if not ctx.store.claim(claim, DUPLICATE_WINDOW):
                result.duplicates += 1
                continue
            try:
                findings = evaluate(record, ctx)
            except Exception:
                ctx.store.release(claim)  # let the retry evaluate it again
                raise
            for finding in findings:  # one line per detection, for CloudWatch Logs Insights
                log.info(json.dumps({"message": "finding", **finding.to_dict()}, default=str))
            result.findings.extend(findings)
        except MalformedEvent as exc:
            log.error(json.dumps({"message": "malformed event", "message_id": message_id, "reason": str(exc)}))
            result.malformed.append((message_id, str(exc)))
            parked = False
            if set_aside is not None and isinstance(message, dict):
                try:
                    parked = set_aside(message, str(exc))
                except Exception:  # the DLQ being unreachable must not lose the message: retry it instead
                    log.exception("could not set a malformed event aside; it will be retried")
            if not parked:
                result.failed.append(message_id)
        except Exception:
            log.exception(json.dumps({"message": "error evaluating event", "message_id": message_id}))
            result.failed.append(message_id)
    result.alerts = aggregate(result.findings)
    for alert in result.alerts:
        if worth_sending(alert, ctx.store, INCIDENT_WINDOW):
            send(alert)
            result.sent.append(alert)
    return result
