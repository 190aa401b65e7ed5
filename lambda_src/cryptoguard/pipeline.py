"""A batch of queued events in, alerts out. Bad input never takes the batch down: a malformed event is set
aside (to the dead-letter queue, with its reason) and every other event is still evaluated; an unexpected
error in one event is reported as that event's failure so that SQS retries only it.

Delivery guarantee: every alert is sent at least once, and at most a bounded few times, whatever fails and
wherever the invocation stops. The two pieces of state that could swallow an alert commit only with the sends
they account for:
- an event's duplicate claim is a lease for the invocation's remaining time while the batch is in flight; it
  is held for DUPLICATE_WINDOW only once every alert the event contributed to was sent, and released (the
  event reported as a batch item failure, so SQS redelivers it) when one was not. An invocation that times out
  returns nothing: SQS redelivers the whole batch after the visibility timeout, by which time its leases ended.
- an incident's counter is read before sending and increased after the send succeeded, so a failed send is
  sent again on retry; a crash between send and count can repeat an alert once (at least once, not exactly).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptoguard import safejson
from cryptoguard.alerts import INCIDENT_WINDOW, Alert, aggregate, incident_count, record_sent, worth_sending
from cryptoguard.records import MalformedEvent, Record, normalise
from cryptoguard.rules import Context, Finding, evaluate

log = logging.getLogger("cryptoguard")
# Messages a Lambda invocation takes from the detection queue (modules/detection sets the same on its event
# source mapping, with a batching window): a burst arrives as one batch and so becomes one alert.
BATCH_SIZE = 1000
DUPLICATE_WINDOW = timedelta(hours=24)
# The longest a Lambda invocation runs: what an event's claim is held for while its batch is in flight.
DEFAULT_LEASE = timedelta(minutes=15)


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


MAX_BODY_BYTES = 1 << 20  # SQS itself stops at 256 KiB: anything larger did not come through it


def _event(body: Any) -> Any:
    """Hostile shapes are malformed input, set aside at once, never an exception that retries the whole batch."""
    if isinstance(body, str | bytes):
        if len(body) > MAX_BODY_BYTES:
            raise MalformedEvent(f"message body of {len(body)} bytes, over {MAX_BODY_BYTES}")
        return safejson.loads(body)
    return safejson.check(body)


def process(
    messages: Iterable[dict],
    ctx: Context,
    send: Callable[[Alert], None],
    set_aside: Callable[[dict, str], bool] | None = None,
    lease: timedelta = DEFAULT_LEASE,
    enrich: Callable[[Record], Record] | None = None,
) -> BatchResult:
    """`messages` are SQS records ({"messageId", "body"}). `set_aside(message, reason)` parks a malformed one
    where people can see it and returns True; without it (or if it fails) the message is retried instead.
    `lease`: how long this invocation may still run (duplicate claims are held that long while in flight).
    `enrich`: fills in what CloudTrail redacted (enrich.py) before the rules see the record."""
    result = BatchResult()
    claims: dict[str, str] = {}  # message id -> its claim, held as a lease until its alerts are sent
    sources: dict[str, set[str]] = {}  # incident -> message ids whose events it came from
    for index, message in enumerate(messages):
        message_id = str(message.get("messageId", index)) if isinstance(message, dict) else str(index)
        try:
            if not isinstance(message, dict) or "body" not in message:
                raise MalformedEvent("queue record has no body")
            record = normalise(_event(message["body"]))
            claim = f"event|{record.account}|{record.event_id}|{record.event_time.isoformat()}"
            if not ctx.store.claim(claim, lease):
                result.duplicates += 1
                continue
            claims[message_id] = claim
            findings = evaluate(enrich(record) if enrich else record, ctx)
            for finding in findings:  # one line per detection, for CloudWatch Logs Insights
                log.info(json.dumps({"message": "finding", **finding.to_dict()}, default=str))
                sources.setdefault(finding.incident, set()).add(message_id)
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
    unsent: set[str] = set(result.failed)
    result.alerts = aggregate(result.findings, ctx.settings.canary_principals)
    for alert in result.alerts:
        try:
            before = incident_count(alert, ctx.store, INCIDENT_WINDOW)
            if not worth_sending(alert, before):
                continue
            alert.total = before + alert.count
            send(alert)
        except Exception:
            log.exception(json.dumps({"message": "alert not sent; its events will be retried", "rule": alert.rule_id}))
            unsent |= sources.get(alert.incident, set())
            continue
        result.sent.append(alert)
        try:
            record_sent(alert, ctx.store, INCIDENT_WINDOW)
        except Exception:  # sent, but uncounted: at worst the incident is notified once more later
            log.exception(json.dumps({"message": "sent alert not counted", "incident": alert.incident}))
    for message_id, claim in claims.items():
        try:
            if message_id in unsent:
                ctx.store.release(claim)
            else:
                ctx.store.claim_for(claim, DUPLICATE_WINDOW)
        except Exception:  # the lease ends by itself; a redelivery is then evaluated again, never lost
            log.exception(json.dumps({"message": "claim not settled", "message_id": message_id}))
    result.failed = list(dict.fromkeys([*result.failed, *(m for m in claims if m in unsent)]))
    return result
