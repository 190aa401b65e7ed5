"""Publishing alerts to the notifications topic. Message attributes carry severity and rule id, so that
subscribers can filter (for example: page only on CRITICAL)."""

from __future__ import annotations

import json
from typing import Any

from cryptoguard.alerts import Alert
from cryptoguard.patterns import infrastructure


def publish(sns: Any, topic_arn: str, alert: Alert) -> str:
    subject = alert.subject.encode("ascii", "replace").decode()  # SNS subjects: ASCII, one line
    response = sns.publish(
        TopicArn=topic_arn,
        Subject=subject,
        Message=alert.body(),
        MessageAttributes={
            "severity": {"DataType": "String", "StringValue": alert.severity.name},
            "rule_id": {"DataType": "String", "StringValue": alert.rule_id},
            "account": {"DataType": "String", "StringValue": alert.account or "unknown"},
        },
    )
    return response["MessageId"]


def emit(events: Any, bus: str, alert: Alert) -> None:
    """Put the alert on the central bus, where the responder's rule (by severity) picks it up."""
    pattern = infrastructure()["alerts"]  # the source and detail-type that rule matches, defined once
    entry = {
        "Source": pattern["source"][0],
        "DetailType": pattern["detail-type"][0],
        "EventBusName": bus,
        "Detail": json.dumps(alert.to_dict(), default=str),
    }
    failed = events.put_events(Entries=[entry]).get("FailedEntryCount", 0)
    if failed:
        raise RuntimeError(f"could not put the alert on {bus}")
