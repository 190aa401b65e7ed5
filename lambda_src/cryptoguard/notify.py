"""Publishing alerts to the notifications topic. Message attributes carry severity and rule id, so that
subscribers can filter (for example: page only on CRITICAL)."""

from __future__ import annotations

from typing import Any

from cryptoguard.alerts import Alert


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
