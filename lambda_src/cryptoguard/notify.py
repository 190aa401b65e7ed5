"""Publishing alerts to the notifications topic, in a form each subscriber reads: AWS Chatbot's custom
notification format for chat (and HTTPS), plain text for email, the full alert JSON for queues and functions.
Message attributes carry severity and rule id, so that subscribers can filter (for example: page only on
CRITICAL)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from cryptoguard.alerts import SUBJECT_LIMIT, Alert
from cryptoguard.patterns import infrastructure

ICONS = {"CRITICAL": ":rotating_light:", "HIGH": ":red_circle:", "MEDIUM": ":large_orange_circle:"}


def sns_subject(text: str) -> str:
    """A subject SNS accepts: ASCII, no line breaks or control characters, starting with a letter, digit or
    punctuation, under 100 characters. Whatever an attacker put in a principal or resource name."""
    ascii_only = "".join(c if 32 <= ord(c) < 127 else " " for c in text)
    cleaned = " ".join(ascii_only.split()) or "Cryptoguard alert"
    return cleaned if len(cleaned) <= SUBJECT_LIMIT else cleaned[: SUBJECT_LIMIT - 3] + "..."


def console_link(alert: Alert) -> str:
    """CloudTrail's event history in the alert's region, at its first event (or its principal's calls)."""
    region = alert.region if alert.region and alert.region != "global" else "us-east-1"
    query = f"EventId={quote(alert.event_ids[0])}" if alert.event_ids else f"Username={quote(alert.principal)}"
    return f"https://{region}.console.aws.amazon.com/cloudtrail/home?region={region}#/events?{query}"


def _description(alert: Alert) -> str:
    names = ", ".join(sorted(alert.event_names)[:5])
    when = f"{alert.first_seen:%Y-%m-%d %H:%M} to {alert.last_seen:%H:%M} UTC" if alert.first_seen else ""
    details = ", ".join(f"{k}: {v}" for k, v in list(alert.details.items())[:6] if v not in (None, "", [], {}))
    lines = [
        f"*{alert.count} x {names}* by `{alert.principal or 'unknown'}`",
        f"Account {alert.account}, region {alert.region}. {when}",
        alert.cost.sentence() if alert.cost else "",
        details,
        f"<{console_link(alert)}|Open in CloudTrail>",
    ]
    return "\n".join(line for line in lines if line)[:1500]


def chatbot_message(alert: Alert) -> dict[str, Any]:
    """AWS Chatbot's custom notification (version 1.0, source custom): a title and description a person reads
    at a glance; plain JSON would show as nothing useful in Slack."""
    targets = [f"{t.kind} {t.id}" for t in alert.targets][:10]
    return {
        "version": "1.0",
        "source": "custom",
        "id": alert.incident[:255],
        "content": {
            "textType": "client-markdown",
            "title": f"{ICONS.get(alert.severity.name, ':information_source:')} {alert.subject}",
            "description": _description(alert),
            "nextSteps": [
                "Confirm with the account owner whether this activity is expected.",
                "If it is not: deactivate the principal's keys and contain the resources"
                + (f" ({', '.join(targets[:3])})" if targets else "")
                + "; the responder in dry_run lists the exact actions.",
            ],
            "keywords": [alert.rule_id, alert.severity.name, alert.account, alert.region],
        },
        "metadata": {
            "threadId": alert.incident[:255],
            "summary": alert.subject,
            "eventType": alert.rule_id,
            "relatedResources": targets,
            "additionalContext": {"seed": alert.seed, "mitre": alert.mitre, "count": str(alert.count)},
        },
    }


def email_text(alert: Alert) -> str:
    return f"{alert.subject}\n\n{_description(alert)}\n\nThe alert in full:\n{alert.body()}\n"


def publish(sns: Any, topic_arn: str, alert: Alert) -> str:
    chat = json.dumps(chatbot_message(alert))
    response = sns.publish(
        TopicArn=topic_arn,
        Subject=sns_subject(alert.subject),
        MessageStructure="json",
        Message=json.dumps(
            {
                "default": chat,
                "https": chat,
                "email": email_text(alert),
                "sqs": alert.body(),
                "lambda": alert.body(),
            }
        ),
        MessageAttributes={
            "severity": {"DataType": "String", "StringValue": alert.severity.name},
            "rule_id": {"DataType": "String", "StringValue": alert.rule_id},
            "account": {"DataType": "String", "StringValue": alert.account or "unknown"},
            # The notifications module's email and HTTPS subscriptions filter these out: the canary pages nobody.
            **({"canary": {"DataType": "String", "StringValue": "true"}} if alert.canary else {}),
        },
    )
    return response["MessageId"]


def emit(events: Any, bus: str, alert: Alert) -> None:
    """Put the alert on the alert bus, where the responder's rule (by severity) picks it up."""
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
